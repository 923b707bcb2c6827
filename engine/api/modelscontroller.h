#pragma once

#include "apicontroller.h"

#include "core/modelconfig.h"

namespace llmsched {

// /api/v1/models and their endpoints: configuration (with the live state),
// create, replace, delete, pause and resume.
class ModelsController final : public ApiController
{
    Q_OBJECT

public:
    ModelsController(ApiServer& server, Engine& engine);

private:
    void listModels(const CallPtr& c);
    void getModel(const CallPtr& c);
    void putModel(const CallPtr& c, bool create);
    void deleteModel(const CallPtr& c);
    void testModel(const CallPtr& c);
    void pauseModel(const CallPtr& c, bool pause);
    void listEndpoints(const CallPtr& c);
    void getEndpoint(const CallPtr& c);
    void putEndpoint(const CallPtr& c, bool create);
    void deleteEndpoint(const CallPtr& c);

    // The model the path names ({name}), or nothing once a 404 is answered.
    std::optional<ModelConfig> pathModel(const CallPtr& c) const;
};

} // namespace llmsched
