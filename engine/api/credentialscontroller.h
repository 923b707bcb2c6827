#pragma once

#include "apicontroller.h"

namespace llmsched {

// The keys to and from the scheduler: API tokens (/api/v1/tokens: list,
// create, revoke) and provider keys in the OS keychain (/api/v1/secrets:
// store, remove; write-only, never read back).
class CredentialsController final : public ApiController
{
    Q_OBJECT

public:
    CredentialsController(ApiServer& server, Engine& engine);

private:
    void listTokens(const CallPtr& c);
    void createToken(const CallPtr& c);
    void revokeToken(const CallPtr& c);
    void putSecret(const CallPtr& c);
    void deleteSecret(const CallPtr& c);
};

} // namespace llmsched
