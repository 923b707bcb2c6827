#include "batchmanager.h"

#include "engine.h"

#include "core/anthropicdialect.h"
#include "core/futures.h"
#include "core/logging.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

namespace llmsched {

namespace {

constexpr qsizetype kSubmitChunk = 1024;
constexpr int kSubmitsInFlight = 2;
constexpr int kReadPage = 5000;
constexpr int kRetryMs = 1000;
constexpr int kNearEndPollMs = 25;
constexpr qint64 kRetentionCheckMs = 3'600'000;
constexpr int kMaxReportedErrors = 100;
constexpr qsizetype kSliceBytes = 1024 * 1024; // a file larger than this is read by every core

QByteArray jsonString(const QString& s)
{
    return QJsonDocument(QJsonArray { s }).toJson(QJsonDocument::Compact).mid(1).chopped(1);
}

std::optional<TaskKind> kindForEndpoint(const QString& endpoint)
{
    if (endpoint == QLatin1String("/v1/chat/completions"))
        return TaskKind::Chat;
    if (endpoint == QLatin1String("/v1/completions"))
        return TaskKind::Completion;
    if (endpoint == QLatin1String("/v1/embeddings"))
        return TaskKind::Embedding;
    return std::nullopt;
}

// What validation made of a batch's input.
struct Parsed
{
    QList<TaskSpec> specs;
    QList<BatchLineError> fatal; // OpenAI: the batch fails
    QList<BatchLineError> lineErrors; // Anthropic: these lines end as errored
    qint64 lines = 0;
    // For the checks across slices: every custom_id with its line, and the
    // first model with its line.
    QList<std::pair<QString, qint64>> customIds;
    QString model;
    qint64 modelLine = 0;
};

// Reads the lines [from, to) of a batch's input file (OpenAI's JSONL of
// requests, or Anthropic's requests as {"custom_id", "params"} lines), the
// first being line firstLine, into tasks. Runs on a worker thread, one per slice.
Parsed parseSlice(
    const BatchRecord& b, const QByteArray& content, qsizetype sliceFrom, qsizetype sliceTo, qint64 firstLine, const QSet<QString>& models)
{
    Parsed p;
    const bool openai = b.api == QLatin1String("openai");
    const std::optional<TaskKind> kind = openai ? kindForEndpoint(b.endpoint) : std::optional<TaskKind>(TaskKind::Chat);
    QSet<QString> customIds;
    QString batchModel;
    const auto error = [&p, openai](qint64 line, const QString& customId, const QString& code, const QString& message, const QString& param = {}) {
        (openai ? p.fatal : p.lineErrors).append({ line, customId, code, message, param });
    };
    qint64 lineNo = firstLine - 1;
    qsizetype from = sliceFrom;
    while (from < sliceTo) {
        qsizetype end = content.indexOf('\n', from);
        if (end < 0 || end > sliceTo)
            end = sliceTo;
        const QByteArrayView line = QByteArrayView(content).sliced(from, end - from).trimmed();
        from = end + 1;
        ++lineNo;
        if (line.isEmpty())
            continue;
        ++p.lines;
        if (p.fatal.size() >= kMaxReportedErrors)
            continue; // counted, not reported
        QJsonParseError err {};
        const QJsonDocument doc = QJsonDocument::fromJson(line.toByteArray(), &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            p.fatal.append({ lineNo, {}, QStringLiteral("invalid_json_line"), QStringLiteral("This line is not parseable as valid JSON."), {} });
            continue;
        }
        const QJsonObject o = doc.object();
        const QJsonValue customIdValue = o.value(QLatin1String("custom_id"));
        const QString customId = customIdValue.toString();
        if (!customIdValue.isString() || customId.isEmpty()) {
            p.fatal.append({ lineNo, {}, QStringLiteral("missing_required_parameter"), QStringLiteral("Missing required parameter: 'custom_id'."),
                QStringLiteral("custom_id") });
            continue;
        }
        if (customIds.contains(customId)) {
            p.fatal.append({ lineNo, customId, QStringLiteral("duplicate_custom_id"),
                QStringLiteral("The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique "
                               "for each request in a batch."),
                QStringLiteral("custom_id") });
            continue;
        }
        customIds.insert(customId);
        p.customIds.append({ customId, lineNo });
        QJsonObject body;
        if (openai) {
            if (o.value(QLatin1String("method")).toString() != QLatin1String("POST")) {
                error(lineNo, customId, QStringLiteral("invalid_method"), QStringLiteral("Only the POST method is supported."),
                    QStringLiteral("method"));
                continue;
            }
            if (o.value(QLatin1String("url")).toString() != b.endpoint) {
                error(lineNo, customId, QStringLiteral("mismatched_endpoint"),
                    QStringLiteral("The provided url '%1' for this request does not match the endpoint of the batch, %2.")
                        .arg(o.value(QLatin1String("url")).toString().left(100), b.endpoint),
                    QStringLiteral("url"));
                continue;
            }
            body = o.value(QLatin1String("body")).toObject();
        } else {
            auto chat = anthropic::chatRequestFrom(o.value(QLatin1String("params")).toObject());
            if (!chat) {
                error(
                    lineNo, customId, QStringLiteral("invalid_request_error"), QStringLiteral("params.") + chat.error().message, chat.error().field);
                continue;
            }
            body = *chat;
        }
        const QString model = body.value(QLatin1String("model")).toString();
        if (model.isEmpty()) {
            error(lineNo, customId, QStringLiteral("missing_required_parameter"), QStringLiteral("Missing required parameter: 'body.model'."),
                QStringLiteral("body.model"));
            continue;
        }
        if (openai && !batchModel.isEmpty() && model != batchModel) {
            error(lineNo, customId, QStringLiteral("mismatched_model"),
                QStringLiteral("The provided model '%1' does not match the model of the other requests in the batch, '%2'.")
                    .arg(model.left(100), batchModel),
                QStringLiteral("body.model"));
            continue;
        }
        if (batchModel.isEmpty()) {
            p.model = model;
            p.modelLine = lineNo;
        }
        batchModel = model;
        if (!models.contains(model)) {
            error(lineNo, customId, openai ? QStringLiteral("model_not_found") : QStringLiteral("not_found_error"),
                QStringLiteral("The model '%1' does not exist.").arg(model.left(100)), QStringLiteral("body.model"));
            continue;
        }
        body.remove(QStringLiteral("stream")); // a batch line is answered whole
        const QJsonObject task { { QStringLiteral("model"), model }, { QStringLiteral("kind"), taskKindName(*kind) },
            { QStringLiteral("input"), body }, { QStringLiteral("priority"), b.priority }, { QStringLiteral("parent"), b.group },
            { QStringLiteral("labels"), QJsonObject { { QStringLiteral("custom_id"), customId }, { QStringLiteral("batch"), b.id } } },
            { QStringLiteral("idempotency_key"), QStringLiteral("%1:%2").arg(b.group).arg(lineNo) } };
        auto spec = TaskSpec::fromJson(task);
        if (!spec) {
            QString field = spec.error().field;
            if (field.startsWith(QLatin1String("input.")))
                field = QStringLiteral("body.") + field.mid(6);
            error(lineNo, customId, QStringLiteral("invalid_request"), spec.error().message, field);
            continue;
        }
        p.specs.append(std::move(*spec));
    }
    return p;
}

// The slices of a file as one: the checks that span slices (a custom_id used
// in two, two models, too many lines, none at all).
Parsed merge(const BatchRecord& b, QList<Parsed> slices)
{
    const bool openai = b.api == QLatin1String("openai");
    Parsed all;
    QHash<QString, qint64> seen;
    for (Parsed& p : slices) {
        all.lines += p.lines;
        all.fatal += p.fatal;
        all.lineErrors += p.lineErrors;
        all.specs += std::move(p.specs);
        if (openai && !p.model.isEmpty()) {
            if (all.model.isEmpty()) {
                all.model = p.model;
            } else if (p.model != all.model) {
                all.fatal.append({ p.modelLine, {}, QStringLiteral("mismatched_model"),
                    QStringLiteral("The provided model '%1' does not match the model of the other requests in the batch, '%2'.")
                        .arg(p.model.left(100), all.model),
                    QStringLiteral("body.model") });
            }
        }
        for (const auto& [customId, line] : p.customIds) {
            if (seen.contains(customId))
                all.fatal.append({ line, customId, QStringLiteral("duplicate_custom_id"),
                    QStringLiteral("The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique "
                                   "for each request in a batch."),
                    QStringLiteral("custom_id") });
            seen.insert(customId, line);
        }
    }
    std::sort(all.fatal.begin(), all.fatal.end(), [](const BatchLineError& x, const BatchLineError& y) { return x.line < y.line; });
    while (all.fatal.size() > kMaxReportedErrors)
        all.fatal.removeLast();
    const qint64 max = openai ? BatchManager::kMaxOpenAiLines : BatchManager::kMaxAnthropicLines;
    if (all.lines > max)
        all.fatal.prepend({ 0, {}, QStringLiteral("too_many_requests"),
            QStringLiteral("The input holds %1 requests; a batch holds at most %2.").arg(all.lines).arg(max), {} });
    if (all.lines == 0)
        all.fatal.append({ 0, {}, QStringLiteral("empty_file"), QStringLiteral("The input file holds no requests."), {} });
    return all;
}

} // namespace

struct BatchManager::Lines
{
    QList<TaskSpec> specs;
    qsizetype next = 0;
};

BatchManager::BatchManager(Engine& engine, Store& store, qint64 windowMs, int retentionDays, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_store(store)
    , m_timer(this)
    , m_windowMs(windowMs)
    , m_retentionDays(retentionDays)
{
    m_timer.setInterval(kPollMs);
    connect(&m_timer, &QTimer::timeout, this, &BatchManager::poll);
}

void BatchManager::start()
{
    onResult(m_store.activeBatches(), this, [this](const Result<QList<BatchRecord>>& r) {
        if (!r) {
            qCWarning(lcCore).noquote() << "batches: cannot read the batches to resume:" << r.error().message;
            return;
        }
        for (const BatchRecord& b : *r) {
            if (m_runs.contains(b.id) || m_created.contains(b.id))
                continue; // created since this engine started: already running
            qCInfo(lcCore).noquote() << QStringLiteral("batches: resuming %1 (%2)").arg(b.id, b.status);
            Run run;
            run.record = b;
            m_runs.insert(b.id, run);
            const bool queued = b.submitted >= b.total - (b.api == QLatin1String("anthropic") ? b.errors.size() : 0);
            if (b.status == QLatin1String("finalizing"))
                finalize(b.id);
            else if (b.status == QLatin1String("validating") || (b.status == QLatin1String("in_progress") && !queued && !b.expiring)) {
                // Queued again from the start; the idempotency keys keep lines
                // already queued from running twice (and count them again).
                m_runs[b.id].record.submitted = 0;
                validate(b.id);
            } else if (b.status == QLatin1String("cancelling") || b.expiring)
                cancelRemaining(b.id);
        }
    });
    m_timer.start();
}

QFuture<Result<BatchRecord>> BatchManager::create(BatchRecord request)
{
    auto reply = std::make_shared<QPromise<Result<BatchRecord>>>();
    reply->start();
    request.status = QStringLiteral("validating");
    request.createdMs = nowMs();
    request.expiresMs = request.createdMs + m_windowMs;
    // start()'s read of the batches to resume may see this one before its
    // write is answered here: it is not resumed, it runs from here.
    m_created.insert(request.id);
    onResult(m_store.putBatch(request), this, [this, request, reply](const VoidResult& r) {
        if (!r) {
            reply->addResult(r.error());
            reply->finish();
            return;
        }
        Run run;
        run.record = request;
        m_runs.insert(request.id, run);
        reply->addResult(request);
        reply->finish();
        validate(request.id);
    });
    return reply->future();
}

void BatchManager::save(const BatchRecord& record)
{
    m_store.putBatch(record); // ordered with the writes before it; a failure shows in the writer's status
}

void BatchManager::fail(const QString& id, QList<BatchLineError> errors)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end())
        return;
    it->record.status = QStringLiteral("failed");
    it->record.failedMs = nowMs();
    it->record.errors = std::move(errors);
    save(it->record);
    qCInfo(lcCore).noquote() << QStringLiteral("batches: %1 failed validation (%2 errors)").arg(id).arg(it->record.errors.size());
    m_runs.erase(it);
}

void BatchManager::validate(const QString& id)
{
    onResult(m_store.fileContent(m_runs.value(id).record.inputFileId), this, [this, id](const Result<QByteArray>& content) {
        if (!m_runs.contains(id))
            return;
        if (!content)
            return fail(id,
                { { 0, {}, QStringLiteral("file_not_found"),
                    QStringLiteral("The input file %1 cannot be read: %2").arg(m_runs.value(id).record.inputFileId, content.error().message), {} } });
        QSet<QString> models;
        for (const ModelConfig& m : m_engine.models())
            models.insert(m.name);
        const BatchRecord record = m_runs.value(id).record;
        // One slice per core for a large file, cut at line ends.
        const QByteArray bytes = *content;
        const int n = bytes.size() > kSliceBytes ? std::max(1, QThread::idealThreadCount()) : 1;
        struct Slices
        {
            QList<Parsed> parsed;
            int left = 0;
        };
        auto slices = std::make_shared<Slices>();
        slices->parsed.resize(n);
        slices->left = n;
        qsizetype from = 0;
        qint64 firstLine = 1;
        for (int i = 0; i < n; ++i) {
            qsizetype to = i == n - 1 ? bytes.size() : bytes.indexOf('\n', bytes.size() * (i + 1) / n);
            to = to < 0 ? bytes.size() : (i == n - 1 ? to : to + 1);
            const auto parsed = QtConcurrent::run(parseSlice, record, bytes, from, to, firstLine, models);
            firstLine += QByteArrayView(bytes).sliced(from, to - from).count('\n');
            from = to;
            onResult(parsed, this, [this, id, record, slices, i](const Parsed& p) {
                slices->parsed[i] = p;
                if (--slices->left == 0) {
                    Parsed all = merge(record, std::move(slices->parsed));
                    onParsed(id, std::move(all.specs), all.fatal, all.lineErrors, all.lines);
                }
            });
        }
    });
}

void BatchManager::onParsed(
    const QString& id, QList<TaskSpec> specs, const QList<BatchLineError>& fatal, const QList<BatchLineError>& lineErrors, qint64 lines)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end())
        return;
    if (!fatal.isEmpty())
        return fail(id, fatal);
    BatchRecord& b = it->record;
    b.total = lines;
    b.errors = lineErrors;
    if (b.status == QLatin1String("validating")) {
        b.status = QStringLiteral("in_progress");
        b.inProgressMs = nowMs();
    }
    save(b);
    qCDebug(lcCore).noquote()
        << QStringLiteral("batches: %1 read (%2 lines) %3 ms after its creation").arg(b.id).arg(b.total).arg(nowMs() - b.createdMs);
    if (it->stopSubmitting || b.status == QLatin1String("cancelling"))
        return;
    it->lines = std::make_shared<Lines>();
    it->lines->specs = std::move(specs);
    submitNext(id);
}

void BatchManager::submitNext(const QString& id)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end() || !it->lines)
        return;
    // Two chunks on their way at a time: the next is being stored while the
    // engine takes in the one before.
    while (it->inflight < kSubmitsInFlight && !it->stopSubmitting && it->lines->next < it->lines->specs.size()) {
        const qsizetype from = it->lines->next;
        const qsizetype n = std::min<qsizetype>(kSubmitChunk, it->lines->specs.size() - from);
        it->lines->next += n;
        ++it->inflight;
        sendChunk(id, from, n);
    }
    it->submitting = it->inflight > 0 || (!it->stopSubmitting && it->lines->next < it->lines->specs.size());
    if (!it->submitting) {
        qCDebug(lcCore).noquote() << QStringLiteral("batches: %1 queued %2 ms after its creation").arg(id).arg(nowMs() - it->record.createdMs);
        it->lines.reset();
    }
}

void BatchManager::sendChunk(const QString& id, qsizetype from, qsizetype n)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end() || !it->lines)
        return;
    if (it->stopSubmitting) {
        --it->inflight;
        return submitNext(id);
    }
    onResult(m_engine.submit(it->lines->specs.mid(from, n)), this, [this, id, from, n](const Result<QList<SubmitOutcome>>& r) {
        auto run = m_runs.find(id);
        if (run == m_runs.end() || !run->lines)
            return;
        if (!r) {
            // A full queue (or a store that is away) holds the chunk back for
            // a while; the lines already queued run meanwhile.
            QTimer::singleShot(kRetryMs, this, [this, id, from, n] { sendChunk(id, from, n); });
            return;
        }
        --run->inflight;
        run->record.submitted += n;
        save(run->record);
        submitNext(id);
    });
}

void BatchManager::poll()
{
    const qint64 now = nowMs();
    for (auto it = m_runs.begin(); it != m_runs.end(); ++it) {
        BatchRecord& b = it->record;
        if (b.status == QLatin1String("in_progress") && !b.expiring && now >= b.expiresMs) {
            qCInfo(lcCore).noquote() << QStringLiteral("batches: %1 passed its %2 window; what is left expires").arg(b.id, b.completionWindow);
            b.expiring = true;
            it->stopSubmitting = true;
            save(b);
            cancelRemaining(b.id);
        }
        if ((b.status == QLatin1String("in_progress") || b.status == QLatin1String("cancelling")) && !it->polling && !it->finalizing)
            pollOne(b.id);
    }
    if (m_retentionDays > 0 && now - m_lastRetentionMs >= kRetentionCheckMs) {
        // Every file a batch read or wrote, once older than the retention
        // (at least a day, longer than any batch runs).
        m_lastRetentionMs = now;
        m_store.deleteFilesBefore(
            { QStringLiteral("batch"), QStringLiteral("batch_output"), QStringLiteral("anthropic_batch"), QStringLiteral("anthropic_batch_results") },
            now - qint64(std::max(1, m_retentionDays)) * kDayMs);
    }
}

void BatchManager::pollOne(const QString& id)
{
    auto it = m_runs.find(id);
    it->polling = true;
    onResult(m_store.groupCounts(it->record.group), this, [this, id](const Result<FinishedCounts>& r) {
        auto run = m_runs.find(id);
        if (run == m_runs.end())
            return;
        run->polling = false;
        if (!r)
            return;
        BatchRecord& b = run->record;
        const qint64 succeeded = (*r)[static_cast<size_t>(TaskState::Succeeded)];
        const qint64 dead = (*r)[static_cast<size_t>(TaskState::Dead)];
        const qint64 cancelled = (*r)[static_cast<size_t>(TaskState::Cancelled)];
        const qint64 lineErrors = b.api == QLatin1String("anthropic") ? b.errors.size() : 0;
        const qint64 runnable = b.total - lineErrors;
        const bool allQueued = !run->submitting && !run->lines && b.status != QLatin1String("validating");
        const qint64 neverQueued = run->stopSubmitting && allQueued ? runnable - b.submitted : 0;
        const BatchRecord before = b;
        b.succeeded = succeeded;
        b.failed = dead + lineErrors;
        (b.expiring ? b.expired : b.cancelled) = cancelled + neverQueued;
        if (b.succeeded != before.succeeded || b.failed != before.failed || b.cancelled != before.cancelled || b.expired != before.expired)
            save(b);
        const bool ended = allQueued && succeeded + dead + cancelled >= b.submitted && (b.submitted >= runnable || run->stopSubmitting);
        if (ended)
            return finalize(id);
        // The next look comes when the lines left should be done at the pace
        // of the last half second (but not sooner than kNearEndPollMs): a
        // batch ends within tens of milliseconds of its last line, not of the
        // next poll.
        const qint64 done = succeeded + dead + cancelled;
        const qint64 now = nowMs();
        const qint64 left = b.submitted - done;
        const double rate = run->lastPollMs > 0 && now > run->lastPollMs ? double(done - run->lastDone) / double(now - run->lastPollMs) : 0;
        run->lastDone = done;
        run->lastPollMs = now;
        const qint64 eta = rate > 0 ? qint64(double(left) / rate) : kPollMs;
        if (allQueued && eta < kPollMs)
            QTimer::singleShot(std::max<qint64>(kNearEndPollMs, eta), this, [this, id] {
                auto again = m_runs.find(id);
                if (again != m_runs.end() && !again->polling && !again->finalizing)
                    pollOne(id);
            });
    });
}

void BatchManager::cancelRemaining(const QString& id)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end())
        return;
    it->stopSubmitting = true;
    TaskFilter f;
    f.parent = it->record.group;
    f.states = { TaskState::Queued, TaskState::Scheduled, TaskState::Blocked, TaskState::Running, TaskState::RetryWait };
    f.limit = kReadPage;
    f.newestFirst = false;
    // Page by page, each page's cancels queued before the next is read.
    auto next = std::make_shared<std::function<void(qint64)>>();
    *next = [this, f, next](qint64 cursor) mutable {
        f.cursor = cursor;
        onResult(m_engine.tasks(f), this, [this, next](const Result<TaskPage>& page) {
            if (!page)
                return;
            for (const Task& t : page->tasks)
                m_engine.cancel(t.id.toString());
            if (page->nextCursor > 0)
                (*next)(page->nextCursor);
            else
                *next = nullptr; // breaks the cycle
        });
    };
    (*next)(0);
}

QFuture<Result<BatchRecord>> BatchManager::cancel(const QString& id)
{
    auto reply = std::make_shared<QPromise<Result<BatchRecord>>>();
    reply->start();
    auto it = m_runs.find(id);
    if (it != m_runs.end()) {
        BatchRecord& b = it->record;
        if (b.status == QLatin1String("validating") || b.status == QLatin1String("in_progress")) {
            qCInfo(lcCore).noquote() << QStringLiteral("batches: cancelling %1").arg(id);
            b.status = QStringLiteral("cancelling");
            b.cancellingMs = nowMs();
            save(b);
            cancelRemaining(id);
        }
        reply->addResult(b);
        reply->finish();
        return reply->future();
    }
    onResult(m_store.batch(id), this, [reply](const Result<BatchRecord>& r) {
        reply->addResult(r);
        reply->finish();
    });
    return reply->future();
}

void BatchManager::finalize(const QString& id)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end() || it->finalizing)
        return;
    it->finalizing = true;
    BatchRecord& b = it->record;
    qCDebug(lcCore).noquote() << QStringLiteral("batches: %1 finalizing %2 ms after its creation").arg(id).arg(nowMs() - b.createdMs);
    if (b.status != QLatin1String("finalizing")) {
        b.status = QStringLiteral("finalizing");
        b.finalizingMs = nowMs();
        save(b);
    }
    struct Out
    {
        QByteArray output, errors;
        qint64 outputLines = 0, errorLines = 0;
    };
    auto out = std::make_shared<Out>();
    const bool openai = b.api == QLatin1String("openai");
    const bool expiring = b.expiring;
    // Anthropic: the lines that could not run are results too.
    if (!openai) {
        for (const BatchLineError& e : b.errors) {
            out->errors
                += QJsonDocument(QJsonObject { { QStringLiteral("custom_id"), e.customId },
                                     { QStringLiteral("result"),
                                         QJsonObject { { QStringLiteral("type"), QStringLiteral("errored") },
                                             { QStringLiteral("error"),
                                                 anthropic::errorBody(e.code == QLatin1String("not_found_error") ? 404 : 400, e.message) } } } })
                       .toJson(QJsonDocument::Compact)
                + '\n';
            ++out->errorLines;
        }
    }
    TaskFilter f;
    f.parent = b.group;
    f.limit = kReadPage;
    f.newestFirst = false;
    auto next = std::make_shared<std::function<void(qint64)>>();
    *next = [this, id, f, next, out, openai, expiring](qint64 cursor) mutable {
        f.cursor = cursor;
        onResult(m_engine.tasks(f), this, [this, id, next, out, openai, expiring](const Result<TaskPage>& page) {
            if (!page) {
                // Tried again at the next poll's pace.
                QTimer::singleShot(kRetryMs, this, [this, id] {
                    if (auto run = m_runs.find(id); run != m_runs.end()) {
                        run->finalizing = false;
                        finalize(id);
                    }
                });
                *next = nullptr;
                return;
            }
            // The next page is read while this one is written out (pages
            // still come back, and are written, in order).
            const bool last = page->nextCursor <= 0;
            if (!last)
                (*next)(page->nextCursor);
            for (const Task& t : page->tasks) {
                const QString customId = t.spec.labels.value(QLatin1String("custom_id")).toString();
                const QString taskId = t.id.toString();
                if (openai && t.state == TaskState::Succeeded && t.output.startsWith('{')) {
                    // Most lines: the stored answer goes in as it is, not parsed and written again.
                    const QByteArray requestId = taskId.toLatin1();
                    out->output += "{\"id\":\"batch_req_" + requestId + "\",\"custom_id\":" + jsonString(customId)
                        + ",\"response\":{\"status_code\":200,\"request_id\":\"" + requestId + "\",\"body\":" + t.output + "},\"error\":null}\n";
                    ++out->outputLines;
                    continue;
                }
                QJsonObject line;
                bool ok = false;
                if (openai) {
                    line = QJsonObject { { QStringLiteral("id"), QString(QStringLiteral("batch_req_") + taskId) },
                        { QStringLiteral("custom_id"), customId } };
                    if (t.state == TaskState::Succeeded) {
                        ok = true;
                        line.insert(QStringLiteral("response"),
                            QJsonObject { { QStringLiteral("status_code"), 200 }, { QStringLiteral("request_id"), taskId },
                                { QStringLiteral("body"), QJsonDocument::fromJson(t.output).object() } });
                        line.insert(QStringLiteral("error"), QJsonValue());
                    } else if (t.state == TaskState::Dead) {
                        line.insert(QStringLiteral("response"),
                            QJsonObject { { QStringLiteral("status_code"), 500 }, { QStringLiteral("request_id"), taskId },
                                { QStringLiteral("body"),
                                    QJsonObject { { QStringLiteral("error"),
                                        QJsonObject { { QStringLiteral("message"), t.error },
                                            { QStringLiteral("type"), QStringLiteral("server_error") } } } } } });
                        line.insert(QStringLiteral("error"), QJsonValue());
                    } else {
                        line.insert(QStringLiteral("response"), QJsonValue());
                        line.insert(QStringLiteral("error"),
                            expiring ? QJsonObject { { QStringLiteral("code"), QStringLiteral("batch_expired") },
                                { QStringLiteral("message"),
                                    QStringLiteral("This request could not be executed before the completion window expired.") } }
                                     : QJsonObject { { QStringLiteral("code"), QStringLiteral("batch_cancelled") },
                                         { QStringLiteral("message"),
                                             QStringLiteral("This request was not executed because the batch was cancelled.") } });
                    }
                } else {
                    QJsonObject result;
                    if (t.state == TaskState::Succeeded) {
                        ok = true;
                        QJsonObject message = anthropic::messageFrom(QJsonDocument::fromJson(t.output).object(), t.spec.model);
                        message.insert(QStringLiteral("id"), QString(QStringLiteral("msg_") + taskId));
                        result = QJsonObject { { QStringLiteral("type"), QStringLiteral("succeeded") }, { QStringLiteral("message"), message } };
                    } else if (t.state == TaskState::Dead) {
                        result = QJsonObject { { QStringLiteral("type"), QStringLiteral("errored") },
                            { QStringLiteral("error"), anthropic::errorBody(500, t.error) } };
                    } else {
                        result = QJsonObject { { QStringLiteral("type"), expiring ? QStringLiteral("expired") : QStringLiteral("canceled") } };
                    }
                    line = QJsonObject { { QStringLiteral("custom_id"), customId }, { QStringLiteral("result"), result } };
                }
                const QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
                // Anthropic: one results file, in line order.
                if (ok || !openai) {
                    out->output += bytes;
                    ++out->outputLines;
                } else {
                    out->errors += bytes;
                    ++out->errorLines;
                }
            }
            if (!last)
                return;
            *next = nullptr;
            finish(id, out->output, out->errors, out->outputLines, out->errorLines);
        });
    };
    (*next)(0);
}

void BatchManager::finish(const QString& id, const QByteArray& output, const QByteArray& errors, qint64 outputLines, qint64 errorLines)
{
    auto it = m_runs.find(id);
    if (it == m_runs.end())
        return;
    BatchRecord& b = it->record;
    const bool openai = b.api == QLatin1String("openai");
    const qint64 now = nowMs();
    const auto newFile = [now](const QString& purpose, const QString& name, qint64 bytes) {
        StoredFile f;
        f.id = QStringLiteral("file-") + UlidGenerator::next().toString();
        f.purpose = purpose;
        f.filename = name;
        f.bytes = bytes;
        f.createdMs = now;
        return f;
    };
    if (openai) {
        if (outputLines > 0) {
            const StoredFile f = newFile(QStringLiteral("batch_output"), b.id + QStringLiteral("_output.jsonl"), output.size());
            m_store.putFile(f, output);
            b.outputFileId = f.id;
        }
        if (errorLines > 0) {
            const StoredFile f = newFile(QStringLiteral("batch_output"), b.id + QStringLiteral("_error.jsonl"), errors.size());
            m_store.putFile(f, errors);
            b.errorFileId = f.id;
        }
    } else {
        // One results file: the lines that ran, in order, then those that could not.
        const QByteArray all = output + errors;
        const StoredFile f = newFile(QStringLiteral("anthropic_batch_results"), b.id + QStringLiteral("_results.jsonl"), all.size());
        m_store.putFile(f, all);
        b.outputFileId = f.id;
    }
    if (b.expiring) {
        b.status = QStringLiteral("expired");
        b.expiredMs = now;
    } else if (b.cancellingMs > 0) {
        b.status = QStringLiteral("cancelled");
        b.cancelledMs = now;
    } else {
        b.status = QStringLiteral("completed");
        b.completedMs = now;
    }
    save(b);
    qCInfo(lcCore).noquote() << QStringLiteral("batches: %1 %2: %3 succeeded, %4 failed, %5 cancelled, %6 expired")
                                    .arg(b.id, b.status)
                                    .arg(b.succeeded)
                                    .arg(b.failed)
                                    .arg(b.cancelled)
                                    .arg(b.expired);
    m_runs.erase(it);
}

} // namespace llmsched
