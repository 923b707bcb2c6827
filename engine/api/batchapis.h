#pragma once

#include "apicontroller.h"

#include "core/batchtypes.h"

namespace llmsched {

// OpenAI's Files API (POST /v1/files with multipart/form-data, up to 200 MB;
// GET, GET content, DELETE) and Batch API (POST /v1/batches, GET, list,
// cancel). A batch's lines run as ordinary tasks of one group, low priority
// unless X-Priority says otherwise (engine/batchmanager.h).
class OpenAiBatches final : public ApiController
{
    Q_OBJECT

public:
    OpenAiBatches(ApiServer& server, Engine& engine);
    static constexpr qint64 kMaxFileBytes = 200LL * 1024 * 1024;

private:
    void uploadFile(const CallPtr& c);
    void listFiles(const CallPtr& c);
    void getFile(const CallPtr& c);
    void fileContent(const CallPtr& c);
    void deleteFile(const CallPtr& c);
    void createBatch(const CallPtr& c);
    void getBatch(const CallPtr& c);
    void listBatches(const CallPtr& c);
    void cancelBatch(const CallPtr& c);
};

// Anthropic's Message Batches: POST /v1/messages/batches (requests inline),
// GET one, list, cancel, and GET .../results (JSONL, once ended).
class AnthropicBatches final : public ApiController
{
    Q_OBJECT

public:
    AnthropicBatches(ApiServer& server, Engine& engine);
    static constexpr qint64 kMaxBodyBytes = 256LL * 1024 * 1024;

private:
    void create(const CallPtr& c);
    void get(const CallPtr& c);
    void list(const CallPtr& c);
    void cancel(const CallPtr& c);
    void results(const CallPtr& c);
};

// The batches of both APIs in the native API, for the GUI and scripts:
// GET /api/v1/batches (newest first; ?api=openai|anthropic, ?limit, ?after),
// GET /api/v1/batches/{id}, POST /api/v1/batches/{id}/cancel, and
// GET /api/v1/files/{id}/content (any file a batch wrote, Anthropic results included).
class BatchesController final : public ApiController
{
    Q_OBJECT

public:
    BatchesController(ApiServer& server, Engine& engine);

private:
    void list(const CallPtr& c);
    void get(const CallPtr& c);
    void cancel(const CallPtr& c);
    void content(const CallPtr& c);
};

// The priority of a batch's lines: X-Priority (a number 0..9 or high,
// medium, low), default low; nothing when the header is not one (answered 400).
std::optional<int> batchPriority(const CallPtr& c);

// What a batch looks like on each API's wire.
QJsonObject openAiBatchJson(const BatchRecord& b);
QJsonObject anthropicBatchJson(const BatchRecord& b, const QString& resultsUrl);

} // namespace llmsched
