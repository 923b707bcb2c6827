#include "batchapis.h"

#include "multipart.h"

#include "batchmanager.h"
#include "engine.h"
#include "core/echolimits.h"
#include "core/futures.h"
#include "core/httpstatus.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

namespace llmsched {

namespace {

const QStringList kBatchEndpoints { QStringLiteral("/v1/chat/completions"), QStringLiteral("/v1/completions"), QStringLiteral("/v1/embeddings") };
const QStringList kPublicPurposes { QStringLiteral("batch"), QStringLiteral("batch_output") };

QJsonValue seconds(qint64 ms)
{
    return ms > 0 ? QJsonValue(ms / 1000) : QJsonValue();
}

QJsonValue rfc3339(qint64 ms)
{
    return ms > 0 ? QJsonValue(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonObject listJson(const QJsonArray& data, bool hasMore)
{
    return { { QStringLiteral("object"), QStringLiteral("list") }, { QStringLiteral("data"), data },
        { QStringLiteral("first_id"), data.isEmpty() ? QJsonValue() : data.first().toObject().value(QLatin1String("id")) },
        { QStringLiteral("last_id"), data.isEmpty() ? QJsonValue() : data.last().toObject().value(QLatin1String("id")) },
        { QStringLiteral("has_more"), hasMore } };
}

} // namespace

std::optional<int> batchPriority(const CallPtr& c)
{
    const QByteArray header = c->request.header("x-priority");
    if (header.isEmpty())
        return kLowPriority;
    QJsonObject probe { { QStringLiteral("model"), QStringLiteral("x") }, { QStringLiteral("input"), QJsonObject {} } };
    bool isNumber = false;
    const int p = header.toInt(&isNumber);
    probe.insert(QStringLiteral("priority"), isNumber ? QJsonValue(p) : QJsonValue(QString::fromLatin1(header)));
    auto spec = TaskSpec::fromJson(probe);
    if (!spec) {
        c->answerError(http::BadRequest, {}, spec.error().message, QStringLiteral("X-Priority"));
        return std::nullopt;
    }
    return spec->priority;
}

QJsonObject openAiBatchJson(const BatchRecord& b)
{
    QJsonValue errors;
    if (b.status == QLatin1String("failed") && !b.errors.isEmpty()) {
        QJsonArray data;
        for (const BatchLineError& e : b.errors)
            data.append(QJsonObject { { QStringLiteral("code"), e.code }, { QStringLiteral("message"), e.message },
                { QStringLiteral("param"), e.param.isEmpty() ? QJsonValue() : QJsonValue(e.param) },
                { QStringLiteral("line"), e.line > 0 ? QJsonValue(e.line) : QJsonValue() } });
        errors = QJsonObject { { QStringLiteral("object"), QStringLiteral("list") }, { QStringLiteral("data"), data } };
    }
    return {
        { QStringLiteral("id"), b.id },
        { QStringLiteral("object"), QStringLiteral("batch") },
        { QStringLiteral("endpoint"), b.endpoint },
        { QStringLiteral("errors"), errors },
        { QStringLiteral("input_file_id"), b.inputFileId },
        { QStringLiteral("completion_window"), b.completionWindow },
        { QStringLiteral("status"), b.status },
        { QStringLiteral("output_file_id"), b.outputFileId.isEmpty() ? QJsonValue() : QJsonValue(b.outputFileId) },
        { QStringLiteral("error_file_id"), b.errorFileId.isEmpty() ? QJsonValue() : QJsonValue(b.errorFileId) },
        { QStringLiteral("created_at"), b.createdMs / 1000 },
        { QStringLiteral("in_progress_at"), seconds(b.inProgressMs) },
        { QStringLiteral("expires_at"), seconds(b.expiresMs) },
        { QStringLiteral("finalizing_at"), seconds(b.finalizingMs) },
        { QStringLiteral("completed_at"), seconds(b.completedMs) },
        { QStringLiteral("failed_at"), seconds(b.failedMs) },
        { QStringLiteral("expired_at"), seconds(b.expiredMs) },
        { QStringLiteral("cancelling_at"), seconds(b.cancellingMs) },
        { QStringLiteral("cancelled_at"), seconds(b.cancelledMs) },
        { QStringLiteral("request_counts"),
            QJsonObject {
                { QStringLiteral("total"), b.total }, { QStringLiteral("completed"), b.succeeded }, { QStringLiteral("failed"), b.failed } } },
        { QStringLiteral("metadata"), b.metadata.isEmpty() ? QJsonValue() : QJsonValue(b.metadata) },
    };
}

QJsonObject anthropicBatchJson(const BatchRecord& b, const QString& resultsUrl)
{
    const bool ended = !b.active();
    const QString status = ended ? QStringLiteral("ended") : b.cancellingMs > 0 ? QStringLiteral("canceling") : QStringLiteral("in_progress");
    const qint64 endedMs = std::max({ b.completedMs, b.cancelledMs, b.expiredMs, b.failedMs });
    const qint64 processing = ended ? 0 : std::max<qint64>(0, b.total - b.succeeded - b.failed - b.cancelled - b.expired);
    return {
        { QStringLiteral("id"), b.id },
        { QStringLiteral("type"), QStringLiteral("message_batch") },
        { QStringLiteral("processing_status"), status },
        { QStringLiteral("request_counts"),
            QJsonObject { { QStringLiteral("processing"), processing }, { QStringLiteral("succeeded"), b.succeeded },
                { QStringLiteral("errored"), b.failed }, { QStringLiteral("canceled"), b.cancelled }, { QStringLiteral("expired"), b.expired } } },
        { QStringLiteral("ended_at"), rfc3339(endedMs) },
        { QStringLiteral("created_at"), rfc3339(b.createdMs) },
        { QStringLiteral("expires_at"), rfc3339(b.expiresMs) },
        { QStringLiteral("archived_at"), QJsonValue() },
        { QStringLiteral("cancel_initiated_at"), rfc3339(b.cancellingMs) },
        { QStringLiteral("results_url"), ended && !b.outputFileId.isEmpty() ? QJsonValue(resultsUrl) : QJsonValue() },
    };
}

// ---- OpenAI ----------------------------------------------------------------------------

OpenAiBatches::OpenAiBatches(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("POST", QStringLiteral("/v1/files"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { uploadFile(c); });
    addRoute("GET", QStringLiteral("/v1/files"), Role::Viewer, Audit::No, [this](const CallPtr& c) { listFiles(c); });
    addRoute("GET", QStringLiteral("/v1/files/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { getFile(c); });
    addRoute("DELETE", QStringLiteral("/v1/files/{id}"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { deleteFile(c); });
    addRoute("GET", QStringLiteral("/v1/files/{id}/content"), Role::Viewer, Audit::No, [this](const CallPtr& c) { fileContent(c); });
    addRoute("POST", QStringLiteral("/v1/batches"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { createBatch(c); });
    addRoute("GET", QStringLiteral("/v1/batches"), Role::Viewer, Audit::No, [this](const CallPtr& c) { listBatches(c); });
    addRoute("GET", QStringLiteral("/v1/batches/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { getBatch(c); });
    addRoute("POST", QStringLiteral("/v1/batches/{id}/cancel"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { cancelBatch(c); });
    server.setBodyLimit("POST", QStringLiteral("/v1/files"), kMaxFileBytes + 64 * 1024); // the file and its form around it
}

void OpenAiBatches::uploadFile(const CallPtr& c)
{
    auto parts = parseFormData(c->request.header("content-type"), c->request.body);
    if (!parts)
        return c->answerError(http::BadRequest, {}, parts.error().message);
    QByteArray purpose;
    const FormPart* file = nullptr;
    for (const FormPart& p : *parts) {
        if (p.name == "purpose")
            purpose = p.body.trimmed();
        else if (p.name == "file")
            file = &p;
    }
    if (purpose.isEmpty())
        return c->answerError(http::BadRequest, {}, QStringLiteral("Missing required parameter: 'purpose'."), QStringLiteral("purpose"));
    if (purpose != "batch")
        return c->answerError(http::BadRequest, {},
            QStringLiteral("Invalid value for 'purpose': '%1'. This server keeps files for batches only: purpose 'batch'.")
                .arg(QString::fromUtf8(purpose.left(kEchoValueChars))),
            QStringLiteral("purpose"));
    if (!file)
        return c->answerError(http::BadRequest, {}, QStringLiteral("Missing required parameter: 'file'."), QStringLiteral("file"));
    if (file->body.size() > kMaxFileBytes)
        return c->answerError(http::PayloadTooLarge, {}, QStringLiteral("The file is larger than the limit of 200 MB."), QStringLiteral("file"));
    StoredFile f;
    f.purpose = QString::fromUtf8(purpose);
    f.filename = QString::fromUtf8(file->filename.isEmpty() ? QByteArrayLiteral("upload.jsonl") : file->filename).left(255);
    onResult(m_engine.putFile(f, file->body), this, [c](const Result<StoredFile>& r) {
        if (!r)
            return c->answerError(r.error());
        c->summary = QStringLiteral("uploaded file %1 (%2 bytes)").arg(r->id).arg(r->bytes);
        c->answerJson(http::Ok, r->toJson());
    });
}

void OpenAiBatches::listFiles(const CallPtr& c)
{
    const auto limit = queryLimit(c, 10000, 10000);
    if (!limit)
        return;
    const QString purpose = c->request.query.queryItemValue(QStringLiteral("purpose"));
    const QStringList purposes = purpose.isEmpty() ? kPublicPurposes : (kPublicPurposes.contains(purpose) ? QStringList { purpose } : QStringList {});
    if (purposes.isEmpty())
        return c->answerJson(http::Ok, listJson({}, false));
    onResult(m_engine.files(purposes, *limit + 1, c->request.query.queryItemValue(QStringLiteral("after"))), this,
        [c, limit = *limit](const Result<QList<StoredFile>>& r) {
            if (!r)
                return c->answerError(r.error());
            QJsonArray data;
            for (qsizetype i = 0; i < std::min<qsizetype>(r->size(), limit); ++i)
                data.append(r->at(i).toJson());
            c->answerJson(http::Ok, listJson(data, r->size() > limit));
        });
}

void OpenAiBatches::getFile(const CallPtr& c)
{
    onResult(m_engine.file(c->param(0)), this, [c](const Result<StoredFile>& r) {
        if (!r || !kPublicPurposes.contains(r->purpose))
            return c->answerError(
                http::NotFound, {}, QStringLiteral("No such File object: %1").arg(c->param(0).left(kEchoValueChars)), QStringLiteral("id"));
        c->answerJson(http::Ok, r->toJson());
    });
}

void OpenAiBatches::fileContent(const CallPtr& c)
{
    onResult(m_engine.file(c->param(0)), this, [this, c](const Result<StoredFile>& f) {
        if (!f || !kPublicPurposes.contains(f->purpose))
            return c->answerError(
                http::NotFound, {}, QStringLiteral("No such File object: %1").arg(c->param(0).left(kEchoValueChars)), QStringLiteral("id"));
        onResult(m_engine.fileContent(c->param(0)), this, [c](const Result<QByteArray>& r) {
            if (!r)
                return c->answerError(r.error());
            c->answer(http::Ok, *r, QByteArrayLiteral("application/octet-stream"));
        });
    });
}

void OpenAiBatches::deleteFile(const CallPtr& c)
{
    onResult(m_engine.file(c->param(0)), this, [this, c](const Result<StoredFile>& f) {
        if (!f || !kPublicPurposes.contains(f->purpose))
            return c->answerError(
                http::NotFound, {}, QStringLiteral("No such File object: %1").arg(c->param(0).left(kEchoValueChars)), QStringLiteral("id"));
        onResult(m_engine.deleteFile(c->param(0)), this, [c](const VoidResult& r) {
            if (!r)
                return c->answerError(r.error());
            c->summary = QStringLiteral("deleted file %1").arg(c->param(0));
            c->answerJson(http::Ok,
                QJsonObject { { QStringLiteral("id"), c->param(0) }, { QStringLiteral("object"), QStringLiteral("file") },
                    { QStringLiteral("deleted"), true } });
        });
    });
}

void OpenAiBatches::createBatch(const CallPtr& c)
{
    const auto body = c->bodyObject();
    if (!body)
        return;
    const QString inputFile = body->value(QLatin1String("input_file_id")).toString();
    const QString endpoint = body->value(QLatin1String("endpoint")).toString();
    const QJsonValue window = body->value(QLatin1String("completion_window"));
    if (inputFile.isEmpty())
        return c->answerError(http::BadRequest, {}, QStringLiteral("Missing required parameter: 'input_file_id'."), QStringLiteral("input_file_id"));
    if (!kBatchEndpoints.contains(endpoint))
        return c->answerError(http::BadRequest, {},
            QStringLiteral("Invalid value for 'endpoint': '%1'. Supported values are: %2.")
                .arg(endpoint.left(kEchoValueChars), kBatchEndpoints.join(QStringLiteral(", "))),
            QStringLiteral("endpoint"));
    if (window.toString() != QLatin1String("24h"))
        return c->answerError(http::BadRequest, {}, QStringLiteral("Invalid value for 'completion_window': only '24h' is supported."),
            QStringLiteral("completion_window"));
    const QJsonValue metadata = body->value(QLatin1String("metadata"));
    if (!metadata.isUndefined() && !metadata.isNull() && (!metadata.isObject() || metadata.toObject().size() > 16))
        return c->answerError(
            http::BadRequest, {}, QStringLiteral("Invalid 'metadata': an object of at most 16 string values."), QStringLiteral("metadata"));
    const auto priority = batchPriority(c);
    if (!priority)
        return;
    BatchRecord request;
    request.api = QStringLiteral("openai");
    request.endpoint = endpoint;
    request.inputFileId = inputFile;
    request.metadata = metadata.toObject();
    request.priority = *priority;
    onResult(m_engine.file(inputFile), this, [this, c, request](const Result<StoredFile>& f) {
        if (!f)
            return c->answerError(http::NotFound, {}, QStringLiteral("No such File object: %1").arg(request.inputFileId.left(kEchoValueChars)),
                QStringLiteral("input_file_id"));
        if (f->purpose != QLatin1String("batch"))
            return c->answerError(http::BadRequest, {},
                QStringLiteral("The file %1 has purpose '%2'; a batch reads a file uploaded with purpose 'batch'.").arg(f->id, f->purpose),
                QStringLiteral("input_file_id"));
        onResult(m_engine.createBatch(request), this, [c](const Result<BatchRecord>& r) {
            if (!r)
                return c->answerError(r.error());
            c->summary = QStringLiteral("created batch %1").arg(r->id);
            c->answerJson(http::Ok, openAiBatchJson(*r));
        });
    });
}

void OpenAiBatches::getBatch(const CallPtr& c)
{
    onResult(m_engine.batch(c->param(0)), this, [c](const Result<BatchRecord>& r) {
        if (!r || r->api != QLatin1String("openai"))
            return c->answerError(
                http::NotFound, {}, QStringLiteral("No batch found with id '%1'.").arg(c->param(0).left(kEchoValueChars)), QStringLiteral("id"));
        c->answerJson(http::Ok, openAiBatchJson(*r));
    });
}

void OpenAiBatches::listBatches(const CallPtr& c)
{
    const auto limit = queryLimit(c, 20, 100);
    if (!limit)
        return;
    onResult(m_engine.batches(QStringLiteral("openai"), *limit + 1, c->request.query.queryItemValue(QStringLiteral("after"))), this,
        [c, limit = *limit](const Result<QList<BatchRecord>>& r) {
            if (!r)
                return c->answerError(r.error());
            QJsonArray data;
            for (qsizetype i = 0; i < std::min<qsizetype>(r->size(), limit); ++i)
                data.append(openAiBatchJson(r->at(i)));
            c->answerJson(http::Ok, listJson(data, r->size() > limit));
        });
}

void OpenAiBatches::cancelBatch(const CallPtr& c)
{
    onResult(m_engine.batch(c->param(0)), this, [this, c](const Result<BatchRecord>& b) {
        if (!b || b->api != QLatin1String("openai"))
            return c->answerError(
                http::NotFound, {}, QStringLiteral("No batch found with id '%1'.").arg(c->param(0).left(kEchoValueChars)), QStringLiteral("id"));
        if (!b->active())
            return c->answerError(http::Conflict, {}, QStringLiteral("Cannot cancel a batch with status '%1'.").arg(b->status));
        onResult(m_engine.cancelBatch(b->id), this, [c](const Result<BatchRecord>& r) {
            if (!r)
                return c->answerError(r.error());
            c->summary = QStringLiteral("cancelled batch %1").arg(r->id);
            c->answerJson(http::Ok, openAiBatchJson(*r));
        });
    });
}

// ---- Anthropic -------------------------------------------------------------------------

namespace {
QString resultsUrlOf(const CallPtr& c, const QString& id)
{
    const QByteArray host = c->request.header("host");
    const QString path = QStringLiteral("/v1/messages/batches/%1/results").arg(id);
    return host.isEmpty() ? path : QStringLiteral("http://") + QString::fromLatin1(host) + path;
}
} // namespace

AnthropicBatches::AnthropicBatches(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("POST", QStringLiteral("/v1/messages/batches"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { create(c); });
    addRoute("GET", QStringLiteral("/v1/messages/batches"), Role::Viewer, Audit::No, [this](const CallPtr& c) { list(c); });
    addRoute("GET", QStringLiteral("/v1/messages/batches/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { get(c); });
    addRoute("POST", QStringLiteral("/v1/messages/batches/{id}/cancel"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { cancel(c); });
    addRoute("GET", QStringLiteral("/v1/messages/batches/{id}/results"), Role::Viewer, Audit::No, [this](const CallPtr& c) { results(c); });
    server.setBodyLimit("POST", QStringLiteral("/v1/messages/batches"), kMaxBodyBytes);
}

void AnthropicBatches::create(const CallPtr& c)
{
    const auto body = c->bodyObject();
    if (!body)
        return;
    const QJsonValue requests = body->value(QLatin1String("requests"));
    if (!requests.isArray() || requests.toArray().isEmpty())
        return c->answerError(http::BadRequest, {}, QStringLiteral("requests: Field required (a non-empty list)"), QStringLiteral("requests"));
    const QJsonArray list = requests.toArray();
    if (list.size() > BatchManager::kMaxAnthropicLines)
        return c->answerError(http::BadRequest, {},
            QStringLiteral("requests: at most %1 requests per batch (got %2)").arg(BatchManager::kMaxAnthropicLines).arg(list.size()),
            QStringLiteral("requests"));
    static const QRegularExpression customIdPattern(QStringLiteral("^[a-zA-Z0-9_-]{1,64}$"));
    QSet<QString> seen;
    QByteArray lines;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject r = list.at(i).toObject();
        const QString customId = r.value(QLatin1String("custom_id")).toString();
        const QString field = QStringLiteral("requests.%1").arg(i);
        if (!customIdPattern.match(customId).hasMatch())
            return c->answerError(http::BadRequest, {}, QStringLiteral("%1.custom_id: 1 to 64 letters, digits, '_' or '-'").arg(field),
                field + QStringLiteral(".custom_id"));
        if (seen.contains(customId))
            return c->answerError(http::BadRequest, {},
                QStringLiteral("%1.custom_id: '%2' is used by another request of the batch").arg(field, customId),
                field + QStringLiteral(".custom_id"));
        seen.insert(customId);
        if (!r.value(QLatin1String("params")).isObject())
            return c->answerError(http::BadRequest, {}, QStringLiteral("%1.params: Field required").arg(field), field + QStringLiteral(".params"));
        lines += QJsonDocument(
                     QJsonObject { { QStringLiteral("custom_id"), customId }, { QStringLiteral("params"), r.value(QLatin1String("params")) } })
                     .toJson(QJsonDocument::Compact)
            + '\n';
    }
    const auto priority = batchPriority(c);
    if (!priority)
        return;
    StoredFile input;
    input.purpose = QStringLiteral("anthropic_batch");
    input.filename = QStringLiteral("requests.jsonl");
    onResult(m_engine.putFile(input, lines), this, [this, c, priority = *priority](const Result<StoredFile>& f) {
        if (!f)
            return c->answerError(f.error());
        BatchRecord request;
        request.api = QStringLiteral("anthropic");
        request.inputFileId = f->id;
        request.priority = priority;
        onResult(m_engine.createBatch(request), this, [c](const Result<BatchRecord>& r) {
            if (!r)
                return c->answerError(r.error());
            c->summary = QStringLiteral("created message batch %1").arg(r->id);
            c->answerJson(http::Ok, anthropicBatchJson(*r, resultsUrlOf(c, r->id)));
        });
    });
}

void AnthropicBatches::get(const CallPtr& c)
{
    onResult(m_engine.batch(c->param(0)), this, [c](const Result<BatchRecord>& r) {
        if (!r || r->api != QLatin1String("anthropic"))
            return c->answerError(http::NotFound, {}, QStringLiteral("message batch '%1' not found").arg(c->param(0).left(kEchoValueChars)));
        c->answerJson(http::Ok, anthropicBatchJson(*r, resultsUrlOf(c, r->id)));
    });
}

void AnthropicBatches::list(const CallPtr& c)
{
    const auto limit = queryLimit(c, 20, 1000);
    if (!limit)
        return;
    onResult(m_engine.batches(QStringLiteral("anthropic"), *limit + 1, c->request.query.queryItemValue(QStringLiteral("after_id"))), this,
        [c, limit = *limit](const Result<QList<BatchRecord>>& r) {
            if (!r)
                return c->answerError(r.error());
            QJsonArray data;
            for (qsizetype i = 0; i < std::min<qsizetype>(r->size(), limit); ++i)
                data.append(anthropicBatchJson(r->at(i), resultsUrlOf(c, r->at(i).id)));
            QJsonObject page = listJson(data, r->size() > limit);
            page.remove(QStringLiteral("object"));
            c->answerJson(http::Ok, page);
        });
}

void AnthropicBatches::cancel(const CallPtr& c)
{
    onResult(m_engine.batch(c->param(0)), this, [this, c](const Result<BatchRecord>& b) {
        if (!b || b->api != QLatin1String("anthropic"))
            return c->answerError(http::NotFound, {}, QStringLiteral("message batch '%1' not found").arg(c->param(0).left(kEchoValueChars)));
        onResult(m_engine.cancelBatch(b->id), this, [c](const Result<BatchRecord>& r) {
            if (!r)
                return c->answerError(r.error());
            c->summary = QStringLiteral("cancelled message batch %1").arg(r->id);
            c->answerJson(http::Ok, anthropicBatchJson(*r, resultsUrlOf(c, r->id)));
        });
    });
}

void AnthropicBatches::results(const CallPtr& c)
{
    onResult(m_engine.batch(c->param(0)), this, [this, c](const Result<BatchRecord>& b) {
        if (!b || b->api != QLatin1String("anthropic"))
            return c->answerError(http::NotFound, {}, QStringLiteral("message batch '%1' not found").arg(c->param(0).left(kEchoValueChars)));
        if (b->active() || b->outputFileId.isEmpty())
            return c->answerError(http::NotFound, {},
                QStringLiteral("message batch '%1' is still in progress: its results are ready once processing_status is 'ended'").arg(b->id));
        onResult(m_engine.fileContent(b->outputFileId), this, [c](const Result<QByteArray>& r) {
            if (!r)
                return c->answerError(r.error());
            c->answer(http::Ok, *r, QByteArrayLiteral("application/binary"));
        });
    });
}

// ---- native ----------------------------------------------------------------------------

BatchesController::BatchesController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("GET", QStringLiteral("/api/v1/batches"), Role::Viewer, Audit::No, [this](const CallPtr& c) { list(c); });
    addRoute("GET", QStringLiteral("/api/v1/batches/{id}"), Role::Viewer, Audit::No, [this](const CallPtr& c) { get(c); });
    addRoute("POST", QStringLiteral("/api/v1/batches/{id}/cancel"), Role::Operator, Audit::Yes, [this](const CallPtr& c) { cancel(c); });
    addRoute("GET", QStringLiteral("/api/v1/files/{id}/content"), Role::Viewer, Audit::No, [this](const CallPtr& c) { content(c); });
}

void BatchesController::list(const CallPtr& c)
{
    const QString api = c->request.query.queryItemValue(QStringLiteral("api"));
    if (!api.isEmpty() && api != QLatin1String("openai") && api != QLatin1String("anthropic"))
        return c->answerError(
            http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("api must be openai or anthropic"), QStringLiteral("api"));
    const auto limit = queryLimit(c, 100, 1000);
    if (!limit)
        return;
    onResult(m_engine.batches(api, *limit, c->request.query.queryItemValue(QStringLiteral("after"))), this, [c](const Result<QList<BatchRecord>>& r) {
        if (!r)
            return c->answerError(r.error());
        QJsonArray data;
        for (const BatchRecord& b : *r)
            data.append(b.toStored());
        c->answerJson(http::Ok, QJsonObject { { QStringLiteral("batches"), data } });
    });
}

void BatchesController::get(const CallPtr& c)
{
    onResult(m_engine.batch(c->param(0)), this, [c](const Result<BatchRecord>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answerJson(http::Ok, r->toStored());
    });
}

void BatchesController::cancel(const CallPtr& c)
{
    onResult(m_engine.cancelBatch(c->param(0)), this, [c](const Result<BatchRecord>& r) {
        if (!r)
            return c->answerError(r.error());
        c->summary = QStringLiteral("cancelled batch %1").arg(r->id);
        c->answerJson(http::Ok, r->toStored());
    });
}

void BatchesController::content(const CallPtr& c)
{
    onResult(m_engine.fileContent(c->param(0)), this, [c](const Result<QByteArray>& r) {
        if (!r)
            return c->answerError(r.error());
        c->answer(http::Ok, *r, QByteArrayLiteral("application/octet-stream"));
    });
}

} // namespace llmsched
