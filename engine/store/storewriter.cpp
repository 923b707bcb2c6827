#include "storewriter.h"

#include "postgres.h"
#include "sqlite.h"

#include "core/logging.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlError>
#include <QStorageInfo>

#include <algorithm>
#include <future>
#include <utility>

namespace llmsched {

namespace {
constexpr int kTaskColumns = 19;
constexpr int kPlainTaskColumns = 11;
constexpr int kRetryDelaysMs[] = { 50, 200, 1000, 5000 };
constexpr int kCheckpointPaceMs = 100;
constexpr int kKeyLookupChunk = 256; // idempotency keys looked up in one statement

// An idempotency key is unique per model: how applyInserts() and findKeys() name one.
QString modelKey(const QString& model, const QString& key)
{
    return model + QChar(0) + key;
}

constexpr int kFallbackAutoCheckpoint = 4000;

QVariant nullIfEmpty(const QString& s)
{
    return s.isEmpty() ? QVariant() : QVariant(s);
}

QVariant nullIfZero(qint64 v)
{
    return v == 0 ? QVariant() : QVariant(v);
}

// Bytes as SQLite stores them (a blob), or as text for PostgreSQL's TEXT
// columns: its driver would write a byte array as an escaped bytea literal.
QVariant bytesOrNull(const QByteArray& b, bool asText)
{
    if (b.isEmpty())
        return QVariant();
    return asText ? QVariant(QString::fromUtf8(b)) : QVariant(b);
}

QVariant jsonOrNull(const QJsonObject& o, bool asText)
{
    return o.isEmpty() ? QVariant() : bytesOrNull(QJsonDocument(o).toJson(QJsonDocument::Compact), asText);
}

// A list or an object as JSON text; empty (stored as NULL) when it is.
QByteArray listJson(const QStringList& l)
{
    return l.isEmpty() ? QByteArray() : QJsonDocument(QJsonArray::fromStringList(l)).toJson(QJsonDocument::Compact);
}

QByteArray objectJson(const QJsonObject& o)
{
    return o.isEmpty() ? QByteArray() : QJsonDocument(o).toJson(QJsonDocument::Compact);
}

const QString kInsertLogPrefix = QStringLiteral("INSERT INTO task_logs (task_seq, time, level, message, data)");
constexpr int kLogColumns = 5;

// The columns a TaskUpdate can set, and the statement that sets those of `fields`.
constexpr quint32 kUpdateColumns = TaskUpdate::State | TaskUpdate::Attempts | TaskUpdate::Priority | TaskUpdate::Output | TaskUpdate::ErrorText
    | TaskUpdate::StartedAt | TaskUpdate::FinishedAt | TaskUpdate::QueuedAt | TaskUpdate::RunAt | TaskUpdate::UsageCost | TaskUpdate::Endpoint
    | TaskUpdate::Lease | TaskUpdate::Input;

// The columns a TaskUpdate with `fields` sets, with their PostgreSQL types, in
// the order bindUpdate() binds them, seq last.
QList<std::pair<QLatin1String, QLatin1String>> updateColumns(quint32 f)
{
    QList<std::pair<QLatin1String, QLatin1String>> c;
    const QLatin1String integer("integer"), bigint("bigint"), text("text");
    if (f & TaskUpdate::State)
        c.append({ QLatin1String("state"), integer });
    if (f & TaskUpdate::Attempts)
        c.append({ QLatin1String("attempts"), integer });
    if (f & TaskUpdate::Priority)
        c.append({ QLatin1String("priority"), integer });
    if (f & TaskUpdate::Output)
        c.append({ QLatin1String("output"), text });
    if (f & TaskUpdate::ErrorText)
        c.append({ QLatin1String("error"), text });
    if (f & TaskUpdate::StartedAt)
        c.append({ QLatin1String("started_at"), bigint });
    if (f & TaskUpdate::FinishedAt)
        c.append({ QLatin1String("finished_at"), bigint });
    if (f & TaskUpdate::QueuedAt)
        c.append({ QLatin1String("queued_at"), bigint });
    if (f & TaskUpdate::RunAt)
        c.append({ QLatin1String("run_at"), bigint });
    if (f & TaskUpdate::UsageCost) {
        c.append({ QLatin1String("prompt_tokens"), bigint });
        c.append({ QLatin1String("completion_tokens"), bigint });
        c.append({ QLatin1String("cost_usd"), QLatin1String("double precision") });
    }
    if (f & TaskUpdate::Endpoint)
        c.append({ QLatin1String("endpoint"), text });
    if (f & TaskUpdate::Lease)
        c.append({ QLatin1String("lease_node"), text });
    if (f & TaskUpdate::Input)
        c.append({ QLatin1String("input"), text });
    c.append({ QLatin1String("seq"), bigint });
    return c;
}

// One row's update: "UPDATE tasks SET state = ?, ... WHERE seq = ?".
QString updateSql(quint32 f)
{
    QStringList sets;
    for (const auto& [name, type] : updateColumns(f))
        if (name != QLatin1String("seq"))
            sets << name + QStringLiteral(" = ?");
    return QStringLiteral("UPDATE tasks SET ") + sets.join(QStringLiteral(", ")) + QStringLiteral(" WHERE seq = ?");
}

// Binds in the order of updateSql(), with the same storage classes through
// Qt Sql (QVariant) and through SQLite's C API.
struct QtBinder
{
    QSqlQuery& q;
    bool textBytes = false;
    int pos = 0;
    void integer(qint64 v) { q.bindValue(pos++, v); }
    void real(double v) { q.bindValue(pos++, v); }
    void intOrNull(qint64 v) { q.bindValue(pos++, nullIfZero(v)); }
    void text(const QString& v) { q.bindValue(pos++, v); }
    void textOrNull(const QString& v) { q.bindValue(pos++, nullIfEmpty(v)); }
    void bytes(const QByteArray& v) { q.bindValue(pos++, textBytes ? QVariant(QString::fromUtf8(v)) : QVariant(v)); }
    void blobOrNull(const QByteArray& v) { q.bindValue(pos++, bytesOrNull(v, textBytes)); }
};

struct DirectBinder
{
    DirectSqlite& s;
    int pos = 1;
    void integer(qint64 v) { s.bindInt64(pos++, v); }
    void real(double v) { s.bindDouble(pos++, v); }
    void intOrNull(qint64 v) { v == 0 ? s.bindNull(pos++) : s.bindInt64(pos++, v); }
    void textOrNull(const QString& v) { v.isEmpty() ? s.bindNull(pos++) : s.bindText(pos++, v); }
    void blobOrNull(const QByteArray& v) { v.isEmpty() ? s.bindNull(pos++) : s.bindBlob(pos++, v); }
};

template <typename Binder> void bindUpdate(Binder& b, const TaskUpdate& u)
{
    const quint32 f = u.fields;
    if (f & TaskUpdate::State)
        b.integer(static_cast<int>(u.state));
    if (f & TaskUpdate::Attempts)
        b.integer(u.attempts);
    if (f & TaskUpdate::Priority)
        b.integer(u.priority);
    if (f & TaskUpdate::Output)
        b.blobOrNull(u.output);
    if (f & TaskUpdate::ErrorText)
        b.textOrNull(u.error);
    if (f & TaskUpdate::StartedAt)
        b.intOrNull(u.startedMs);
    if (f & TaskUpdate::FinishedAt)
        b.intOrNull(u.finishedMs);
    if (f & TaskUpdate::QueuedAt)
        b.intOrNull(u.queuedMs);
    if (f & TaskUpdate::RunAt)
        b.intOrNull(u.runAtMs);
    if (f & TaskUpdate::UsageCost) {
        b.integer(u.usage.promptTokens);
        b.integer(u.usage.completionTokens);
        b.real(u.costUsd);
    }
    if (f & TaskUpdate::Endpoint)
        b.textOrNull(u.endpoint);
    if (f & TaskUpdate::Lease)
        b.textOrNull(u.leaseNode);
    if (f & TaskUpdate::Input)
        b.blobOrNull(u.input);
    b.integer(u.seq);
}

const QString kInsertTaskPrefix
    = QStringLiteral("INSERT INTO tasks (seq, id, model, kind, state, priority, max_attempts, timeout_ms, input, created_at, "
                     "queued_at, run_at, deadline, idempotency_key, tags, labels, parent, depends_on, session_key)");
// Most tasks use none of the optional columns: binding 11 values instead of 19
// (each bind costs Qt a string and a hash lookup) saves the writer a third.
const QString kInsertPlainTaskPrefix
    = QStringLiteral("INSERT INTO tasks (seq, id, model, kind, state, priority, max_attempts, timeout_ms, input, created_at, queued_at)");

// A failed write in the operator's terms when its cause is one they can act on:
// a full disk, or another program holding the database's write lock. SQLite's
// own words (sqlite3_errstr) tell them apart on both binding paths; they reach
// REST clients (503), /health, the notification and the log.
VoidResult explainWriteFailure(VoidResult r, const QString& databasePath)
{
    if (r.ok())
        return r;
    Error e = r.error();
    if (e.message.contains(QLatin1String("database or disk is full"))) {
        const qint64 free = std::max<qint64>(QStorageInfo(QFileInfo(databasePath).absolutePath()).bytesAvailable(), 0);
        e.message = QStringLiteral("the disk holding the database is full (%1 KiB free; %2)").arg(free / 1024).arg(e.message);
    } else if (e.message.contains(QLatin1String("database is locked"))) {
        e.message = QStringLiteral("the database is locked by another program (%1)").arg(e.message);
    }
    return e;
}

bool usesOptionalColumns(const NewTaskRow& row)
{
    const TaskSpec& s = row.spec;
    return s.runAtMs != 0 || s.deadlineMs != 0 || !s.idempotencyKey.isEmpty() || !s.tags.isEmpty() || !s.labels.isEmpty() || !s.parentId.isEmpty()
        || !s.dependsOn.isEmpty() || !s.sessionKey.isEmpty();
}

// The same inserts with the owner column last, for a database nodes share.
const QString kInsertOwnedTaskPrefix
    = QStringLiteral("INSERT INTO tasks (seq, id, model, kind, state, priority, max_attempts, timeout_ms, input, created_at, "
                     "queued_at, run_at, deadline, idempotency_key, tags, labels, parent, depends_on, session_key, lease_node)");
const QString kInsertOwnedPlainTaskPrefix
    = QStringLiteral("INSERT INTO tasks (seq, id, model, kind, state, priority, max_attempts, timeout_ms, input, created_at, queued_at, lease_node)");

// SQL text for a node id (ids are host-pid or an operator's --node-id).
QString sqlText(const QString& s)
{
    QString quoted = s;
    quoted.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// One task row in the column order of the insert prefixes above; plain: the
// first kPlainTaskColumns only. With an owner, lease_node follows.
template <typename Binder> void bindTask(Binder& b, const NewTaskRow& row, bool plain, const QString& owner)
{
    const TaskSpec& s = row.spec;
    b.integer(row.seq);
    b.text(row.id.toString());
    b.text(s.model);
    b.integer(static_cast<int>(s.kind));
    b.integer(static_cast<int>(row.state));
    b.integer(s.priority);
    b.integer(row.maxAttempts);
    b.integer(row.timeoutMs);
    b.bytes(s.input);
    b.integer(row.createdMs);
    b.intOrNull(row.queuedMs);
    if (!plain) {
        b.intOrNull(s.runAtMs);
        b.intOrNull(s.deadlineMs);
        b.textOrNull(s.idempotencyKey);
        b.blobOrNull(listJson(s.tags));
        b.blobOrNull(objectJson(s.labels));
        b.textOrNull(s.parentId);
        b.blobOrNull(listJson(s.dependsOn));
        b.textOrNull(s.sessionKey);
    }
    if (!owner.isEmpty())
        b.textOrNull(row.owned ? owner : QString());
}

// PostgreSQL types of the task columns, in the insert prefixes' order.
QList<QLatin1String> taskColumnTypes(bool plain, bool owned)
{
    const QLatin1String integer("integer"), bigint("bigint"), text("text");
    QList<QLatin1String> t { bigint, text, text, integer, integer, integer, integer, bigint, text, bigint, bigint };
    if (!plain)
        t << bigint << bigint << text << text << text << text << text << text;
    if (owned)
        t << text;
    return t;
}

// Rows per statement of PgArrays, and text bytes: a bulk submit of large
// inputs goes as several statements rather than one literal of hundreds of MB.
constexpr int kArrayRows = 8192;
constexpr qint64 kArrayBytes = 8 << 20;
} // namespace

qint64 StoreWriter::Batch::size() const
{
    qint64 n = static_cast<qint64>(updates.size() + logs.size() + execs.size());
    for (const InsertOp& op : inserts)
        n += static_cast<qint64>(op.rows.size());
    return n;
}

StoreWriter::StoreWriter(Connector connect, QString databasePath, qint64 walRewindBytes, QObject* parent)
    : QThread(parent)
    , m_connect(std::move(connect))
    , m_path(std::move(databasePath))
    , m_walPath(m_path + QStringLiteral("-wal"))
    , m_walRewindBytes(std::max<qint64>(walRewindBytes, 1024 * 1024))
    , m_connectionName(QStringLiteral("llmsched-writer-%1").arg(reinterpret_cast<quintptr>(this)))
{
    setObjectName(QStringLiteral("store-writer"));
}

StoreWriter::StoreWriter(const QString& databasePath, qint64 walRewindBytes, QObject* parent)
    : StoreWriter([databasePath](const QString& name) { return openSqlite(databasePath, name, false); }, databasePath, walRewindBytes, parent)
{
}

StoreWriter::~StoreWriter()
{
    stopWriter();
}

void StoreWriter::setStatusListener(StatusListener listener)
{
    std::lock_guard lock(m_listenerMutex);
    m_listener = std::move(listener);
}

VoidResult StoreWriter::startWriter()
{
    start();
    std::unique_lock lock(m_mutex);
    m_opened.wait(lock, [this] { return m_openResult.has_value(); });
    VoidResult r = *m_openResult;
    lock.unlock();
    if (!r.ok())
        wait();
    return r;
}

void StoreWriter::stopWriter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    wait();
}

quint64 StoreWriter::enqueue(const std::function<void(Batch&)>& add)
{
    bool wake = false;
    quint64 ticket;
    {
        std::lock_guard lock(m_mutex);
        add(m_pending);
        ticket = ++m_nextTicket;
        m_pending.lastTicket = ticket;
        wake = m_waiting && m_holds == 0;
        if (wake)
            m_waiting = false;
    }
    if (wake)
        m_wake.notify_one();
    return ticket;
}

quint64 StoreWriter::insertTasks(std::vector<NewTaskRow> rows, InsertDone done)
{
    return enqueue([&](Batch& b) { b.inserts.push_back({ std::move(rows), std::move(done) }); });
}

quint64 StoreWriter::updateWithLog(TaskUpdate update, TaskLogRow log)
{
    return enqueue([&](Batch& b) {
        b.updates.push_back(std::move(update));
        b.logs.push_back(std::move(log));
    });
}

quint64 StoreWriter::exec(WriteFn fn, WriteDone done)
{
    return enqueue([&](Batch& b) { b.execs.push_back({ std::move(fn), std::move(done) }); });
}

void StoreWriter::hold()
{
    std::lock_guard lock(m_mutex);
    ++m_holds;
}

void StoreWriter::release()
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        // Whether or not m_waiting says so: a writer woken while held went
        // back to sleep inside wait() with m_waiting already cleared.
        wake = --m_holds == 0 && !m_pending.empty();
        if (wake)
            m_waiting = false;
    }
    if (wake)
        m_wake.notify_one();
}

void StoreWriter::dropTaskWrites()
{
    {
        std::lock_guard lock(m_mutex);
        m_pending.updates.clear();
        m_pending.logs.clear();
        m_dropRetry = true;
    }
    m_wake.notify_one();
}

VoidResult StoreWriter::flush()
{
    if (!isRunning())
        return Error::unavailable(QStringLiteral("the store writer is not running"));
    auto promise = std::make_shared<std::promise<VoidResult>>();
    auto future = promise->get_future();
    exec([](QSqlDatabase&) { return VoidResult {}; }, [promise](VoidResult r) { promise->set_value(std::move(r)); });
    return future.get();
}

void StoreWriter::run()
{
    {
        auto opened = m_connect(m_connectionName);
        m_sqlite = opened && opened->driverName() == QLatin1String("QSQLITE");
        m_textBytes = !m_sqlite;
        if (m_sqlite)
            QSqlQuery(*opened).exec(QStringLiteral("PRAGMA wal_autocheckpoint = 0")); // the checkpointer thread does it
        std::lock_guard lock(m_mutex);
        if (opened) {
            m_db = *opened;
            if (m_sqlite)
                m_direct = DirectStatements::open(m_db);
            m_bindsDirectly = m_direct != nullptr;
        }
        m_openResult = opened ? VoidResult {} : VoidResult(opened.error());
        m_opened.notify_all();
        if (!opened)
            return;
    }
    qCDebug(lcStore) << "plain task rows are bound" << (m_direct ? "through SQLite's C API" : "through Qt Sql");
    if (m_sqlite) {
        m_checkpointer.reset(QThread::create([this] { checkpointLoop(); }));
        m_checkpointer->setObjectName(QStringLiteral("store-checkpoint"));
        m_checkpointer->start();
    }

    int failures = 0;
    for (;;) {
        Batch batch;
        bool stopping = false;
        {
            std::unique_lock lock(m_mutex);
            const auto hasWork = [&] { return m_stop || !m_retry.empty() || (m_holds == 0 && !m_pending.empty()); };
            if (!hasWork()) {
                m_waiting = true;
                m_wake.wait(lock, hasWork);
            }
            m_waiting = false;
            std::swap(batch, m_pending);
            stopping = m_stop;
            if (std::exchange(m_dropRetry, false)) {
                m_retry.updates.clear();
                m_retry.logs.clear();
            }
        }
        if (!m_retry.empty()) {
            // Updates that failed to commit go first, so their order is kept.
            const quint64 last = std::max(batch.lastTicket, m_retry.lastTicket);
            std::move(batch.updates.begin(), batch.updates.end(), std::back_inserter(m_retry.updates));
            std::move(batch.logs.begin(), batch.logs.end(), std::back_inserter(m_retry.logs));
            m_retry.inserts = std::move(batch.inserts);
            m_retry.execs = std::move(batch.execs);
            batch = std::move(m_retry);
            batch.lastTicket = last;
            m_retry = Batch {};
        }
        if (!batch.empty())
            processBatch(batch);
        if (!m_retry.empty()) {
            // The disk is full or the file went away: back off, keep the work.
            const int delay = kRetryDelaysMs[std::min<int>(failures++, std::size(kRetryDelaysMs) - 1)];
            std::unique_lock lock(m_mutex);
            if (stopping || m_stop) {
                qCCritical(lcStore) << "stopping with" << m_retry.updates.size()
                                    << "task updates not written; they will be recovered at the next start";
                break;
            }
            m_wake.wait_for(lock, std::chrono::milliseconds(delay), [this] { return m_stop || m_dropRetry; });
            continue;
        }
        failures = 0;
        if (stopping) {
            std::lock_guard lock(m_mutex);
            if (m_pending.empty())
                break;
        }
    }
    stopCheckpointer();
    clearStatementCache();
    m_direct.reset();
    m_db.close(); // the last connection to close checkpoints everything
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

void StoreWriter::processBatch(Batch& batch)
{
    QElapsedTimer timer;
    timer.start();
    const qint64 ops = batch.size();
    std::vector<InsertOutcome> outcomes(batch.inserts.size());
    std::vector<VoidResult> execResults(batch.execs.size());

    VoidResult result;
    if (!m_db.transaction()) {
        result = Error::store(QStringLiteral("cannot begin a transaction: %1").arg(m_db.lastError().text()));
    } else {
        // PostgreSQL: the task statements join their arrays to tasks by key
        // (PgArrays), which only a nested loop over the key's index does well
        // at every size. The planner weighs each batch's size against
        // statistics that lag a fast-growing table (a fresh one looks empty)
        // and chose hash joins or loops over full scans of tasks: at 100,000
        // tasks in 10 s, 111 scans reading 2.2M rows (generic plans, made
        // once while the table was empty: 175M rows, 1,600 tasks/s). So
        // for them alone, no scans and no other joins; the execs after
        // them (claims, reads) are planned as usual.
        QSqlQuery mode(m_db);
        const bool pg = !m_sqlite && (!batch.inserts.empty() || !batch.updates.empty() || !batch.logs.empty());
        const auto byKey = [&mode](bool on) {
            const QString v = on ? QStringLiteral("off") : QStringLiteral("on");
            mode.exec(QStringLiteral("SELECT set_config('enable_seqscan', '%1', true), set_config('enable_hashjoin', '%1', true), "
                                     "set_config('enable_mergejoin', '%1', true)")
                          .arg(v));
        };
        if (pg)
            byKey(true);
        result = applyInserts(batch.inserts, outcomes);
        if (result.ok())
            result = applyUpdates(batch.updates);
        if (result.ok())
            result = applyLogs(batch.logs);
        if (result.ok() && pg && !batch.execs.empty())
            byKey(false);
        if (result.ok()) {
            QSqlQuery sp(m_db);
            for (size_t i = 0; i < batch.execs.size(); ++i) {
                // Each piece of work gets a savepoint, so one failing does not undo the batch.
                sp.exec(QStringLiteral("SAVEPOINT op"));
                execResults[i] = m_sqlite ? explainWriteFailure(batch.execs[i].fn(m_db), m_path) : batch.execs[i].fn(m_db);
                sp.exec(execResults[i].ok() ? QStringLiteral("RELEASE op") : QStringLiteral("ROLLBACK TO op"));
                if (!execResults[i].ok())
                    sp.exec(QStringLiteral("RELEASE op"));
            }
        }
        if (result.ok() && !m_db.commit())
            result = Error::store(QStringLiteral("commit failed: %1").arg(m_db.lastError().text()));
        if (!result.ok())
            m_db.rollback();
    }
    if (m_sqlite)
        result = explainWriteFailure(std::move(result), m_path);

    WriterStatus status;
    status.committedTicket = batch.lastTicket;
    status.batchOps = ops;
    status.commitSeconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    if (!result.ok()) {
        qCWarning(lcStore) << "batch of" << ops << "operations failed:" << result.error().message;
        status.healthy = false;
        status.error = result.error().message;
        for (InsertOp& op : batch.inserts)
            if (op.done)
                op.done(std::move(op.rows), InsertOutcome { result.error(), {} });
        for (ExecOp& op : batch.execs)
            if (op.done)
                op.done(result.error());
        // Task updates describe what already happened in memory: keep them.
        m_retry.updates = std::move(batch.updates);
        m_retry.logs = std::move(batch.logs);
        m_retry.lastTicket = batch.lastTicket;
        // The tickets are not committed: report the last one before this batch.
        status.committedTicket = 0;
        if (!m_sqlite) {
            // A server restart leaves the connection dead: open it again (its
            // prepared statements went with it) before the retry.
            clearStatementCache();
            reconnectedPostgres(m_db);
        }
    } else {
        for (size_t i = 0; i < batch.inserts.size(); ++i)
            if (batch.inserts[i].done)
                batch.inserts[i].done(std::move(batch.inserts[i].rows), std::move(outcomes[i]));
        for (size_t i = 0; i < batch.execs.size(); ++i)
            if (batch.execs[i].done)
                batch.execs[i].done(std::move(execResults[i]));
    }
    {
        std::lock_guard lock(m_listenerMutex);
        if (m_listener)
            m_listener(status);
    }
    // Checkpoint work (a WAL rewind can take ~12 ms) after this batch's callers
    // have their answers, not before.
    if (result.ok())
        afterCommit();
}

void StoreWriter::afterCommit()
{
    if (!m_sqlite)
        return; // no WAL of ours to look after
    if (m_checkpointerFailed.load(std::memory_order_relaxed)) {
        if (!m_autoCheckpointRestored) { // no checkpointer: let SQLite checkpoint in commits again
            QSqlQuery(m_db).exec(QStringLiteral("PRAGMA wal_autocheckpoint = %1").arg(kFallbackAutoCheckpoint));
            m_autoCheckpointRestored = true;
        }
        return;
    }
    bool wake = false;
    {
        std::lock_guard lock(m_checkpointWakeMutex);
        wake = !m_checkpointDue;
        m_checkpointDue = true;
    }
    if (wake)
        m_checkpointWake.notify_one();

    // The file only grows while the WAL holds more than it ever did (it is cut
    // back to journal_size_limit, 64 MiB, when it rewinds).
    const bool overHardLimit = QFileInfo(m_walPath).size() >= 2 * m_walRewindBytes;
    if (!overHardLimit && m_walFrames.load(std::memory_order_relaxed) * m_pageSize.load(std::memory_order_relaxed) < m_walRewindBytes)
        return;
    std::unique_lock busy(m_checkpointMutex, std::defer_lock);
    if (overHardLimit)
        busy.lock();
    else if (!busy.try_lock())
        return; // the checkpointer is copying; ask again after the next batch
    // Below the hard limit, do not wait for readers on older snapshots: if one
    // is still reading, the WAL rewinds after a later batch instead.
    QSqlQuery q(m_db);
    if (!overHardLimit)
        q.exec(QStringLiteral("PRAGMA busy_timeout = 0"));
    if (q.exec(QStringLiteral("PRAGMA wal_checkpoint(RESTART)")) && q.next() && q.value(0).toInt() == 0)
        m_walFrames.store(0, std::memory_order_relaxed);
    q.finish();
    if (!overHardLimit)
        q.exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(kBusyTimeoutMs));
}

void StoreWriter::checkpointLoop()
{
    const QString name = m_connectionName + QStringLiteral("-checkpoint");
    {
        auto opened = openSqlite(m_path, name, false);
        if (!opened) {
            qCWarning(lcStore).noquote() << "WAL checkpoints run inside commits:" << opened.error().message;
            m_checkpointerFailed = true;
            return;
        }
        QSqlDatabase db = *opened;
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA wal_autocheckpoint = 0"));
        if (q.exec(QStringLiteral("PRAGMA page_size")) && q.next())
            m_pageSize = std::max<qint64>(q.value(0).toLongLong(), 512);
        q.finish();
        bool warned = false;
        for (;;) {
            {
                std::unique_lock lock(m_checkpointWakeMutex);
                m_checkpointWake.wait(lock, [this] { return m_checkpointStop || m_checkpointDue; });
                if (m_checkpointStop)
                    break;
                m_checkpointDue = false;
            }
            {
                std::lock_guard busy(m_checkpointMutex);
                // PASSIVE copies what no reader still needs and never blocks the writer.
                if (q.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")) && q.next()) {
                    m_walFrames.store(q.value(1).toLongLong(), std::memory_order_relaxed);
                    warned = false;
                } else if (!warned) {
                    qCWarning(lcStore).noquote() << "WAL checkpoint failed:" << q.lastError().text();
                    warned = true;
                }
                q.finish();
            }
            std::unique_lock lock(m_checkpointWakeMutex);
            m_checkpointWake.wait_for(lock, std::chrono::milliseconds(kCheckpointPaceMs), [this] { return m_checkpointStop; });
            if (m_checkpointStop)
                break;
        }
        q = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

void StoreWriter::stopCheckpointer()
{
    if (!m_checkpointer)
        return;
    {
        std::lock_guard lock(m_checkpointWakeMutex);
        m_checkpointStop = true;
    }
    m_checkpointWake.notify_one();
    m_checkpointer->wait();
    m_checkpointer.reset();
}

QSqlQuery& StoreWriter::prepared(const QString& sql)
{
    return cachedStatement(m_db, sql);
}

VoidResult StoreWriter::execPrepared(QSqlQuery& q, const char* what)
{
    if (q.exec())
        return {};
    return Error::store(QStringLiteral("%1 failed: %2").arg(QLatin1String(what), q.lastError().text()));
}

VoidResult StoreWriter::applyInserts(std::vector<InsertOp>& ops, std::vector<InsertOutcome>& outcomes)
{
    // All rows of all the batch's operations go together in multi-row
    // statements: a thousand single submits cost a handful of statements, not
    // a thousand. Rows with an idempotency key are looked up first, a few
    // hundred keys a statement; a duplicate (also of a row earlier in this
    // batch) is reported and not inserted.
    std::vector<const NewTaskRow*> plain;
    std::vector<std::pair<size_t, size_t>> keyed; // (operation, row)
    for (size_t o = 0; o < ops.size(); ++o) {
        std::vector<NewTaskRow>& rows = ops[o].rows;
        InsertOutcome& outcome = outcomes[o];
        outcome.items.resize(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) {
            if (!rows[i].spec.idempotencyKey.isEmpty()) {
                keyed.emplace_back(o, i);
                continue;
            }
            plain.push_back(&rows[i]);
            outcome.items[i] = { false, rows[i].seq, rows[i].id, rows[i].state };
        }
    }
    if (!keyed.empty()) {
        const auto keyOf = [](const NewTaskRow& row) { return modelKey(row.spec.model, row.spec.idempotencyKey); };
        QHash<QString, QStringList> keysByModel;
        QSet<QString> asked;
        for (const auto& [o, i] : keyed) {
            const NewTaskRow& row = ops[o].rows[i];
            if (!asked.contains(keyOf(row))) {
                asked.insert(keyOf(row));
                keysByModel[row.spec.model].append(row.spec.idempotencyKey);
            }
        }
        QHash<QString, InsertOutcome::Item> existing; // by keyOf()
        for (auto it = keysByModel.cbegin(); it != keysByModel.cend(); ++it)
            if (auto r = findKeys(it.key(), it.value(), existing); !r)
                return r;
        for (const auto& [o, i] : keyed) {
            const NewTaskRow& row = ops[o].rows[i];
            const QString key = keyOf(row);
            if (auto found = existing.constFind(key); found != existing.constEnd()) {
                outcomes[o].items[i] = *found;
                continue;
            }
            plain.push_back(&row);
            outcomes[o].items[i] = { false, row.seq, row.id, row.state };
            existing.insert(key, { true, row.seq, row.id, row.state }); // a later row with this key is its duplicate
        }
    }
    return insertRows(plain.data(), static_cast<int>(plain.size()));
}

VoidResult StoreWriter::findKeys(const QString& model, const QStringList& keys, QHash<QString, InsertOutcome::Item>& found)
{
    // One statement for every chunk (the unused places bind NULL, which
    // matches nothing), so it is prepared once.
    static const QString sql = [] {
        QString s = QStringLiteral("SELECT idempotency_key, seq, id, state FROM tasks WHERE model = ? AND idempotency_key IN (?");
        for (int i = 1; i < kKeyLookupChunk; ++i)
            s += QStringLiteral(",?");
        s += QLatin1Char(')');
        return s;
    }();
    QSqlQuery& q = prepared(sql);
    for (qsizetype from = 0; from < keys.size(); from += kKeyLookupChunk) {
        q.bindValue(0, model);
        for (int i = 0; i < kKeyLookupChunk; ++i) {
            const qsizetype k = from + i;
            q.bindValue(i + 1, k < keys.size() ? QVariant(keys.at(k)) : QVariant(QMetaType(QMetaType::QString)));
        }
        if (auto r = execPrepared(q, "looking up idempotency keys"); !r)
            return r;
        while (q.next()) {
            InsertOutcome::Item item;
            item.duplicate = true;
            item.seq = q.value(1).toLongLong();
            item.id = Ulid::fromString(q.value(2).toString()).value_or(Ulid {});
            item.state = static_cast<TaskState>(q.value(3).toInt());
            found.insert(modelKey(model, q.value(0).toString()), item);
        }
        q.finish();
    }
    return {};
}

VoidResult StoreWriter::insertRows(const NewTaskRow* const* rows, int count)
{
    std::vector<const NewTaskRow*> plain;
    std::vector<const NewTaskRow*> full;
    for (int i = 0; i < count; ++i)
        (usesOptionalColumns(*rows[i]) ? full : plain).push_back(rows[i]);
    if (m_direct) {
        QByteArray id;
        id.reserve(32);
        // The same values and storage classes as bindTask(): the plain columns ...
        const auto bindPlain = [&id](DirectSqlite& s, int& pos, const NewTaskRow& row) {
            const TaskSpec& spec = row.spec;
            s.bindInt64(pos++, row.seq);
            id.resize(0);
            row.id.appendTo(id);
            s.bindAscii(pos++, id.constData(), static_cast<int>(id.size()));
            s.bindText(pos++, spec.model);
            s.bindInt64(pos++, static_cast<int>(spec.kind));
            s.bindInt64(pos++, static_cast<int>(row.state));
            s.bindInt64(pos++, spec.priority);
            s.bindInt64(pos++, row.maxAttempts);
            s.bindInt64(pos++, row.timeoutMs);
            s.bindBlob(pos++, spec.input);
            s.bindInt64(pos++, row.createdMs);
            if (row.queuedMs == 0)
                s.bindNull(pos++);
            else
                s.bindInt64(pos++, row.queuedMs);
        };
        const auto bind = [&plain, &bindPlain](DirectSqlite& s, int& pos, int i) { bindPlain(s, pos, *plain[static_cast<size_t>(i)]); };
        if (auto r = m_direct->insertRows(static_cast<int>(plain.size()), kPlainTaskColumns, kInsertPlainTaskPrefix, bind, "inserting tasks"); !r)
            return r;
        // ... and the optional ones after them, for rows that use them (a
        // workflow's steps: labels, parent, dependencies); Qt Sql binds them
        // at several times the cost.
        const auto bindFull = [&full, &bindPlain](DirectSqlite& s, int& pos, int i) {
            const NewTaskRow& row = *full[static_cast<size_t>(i)];
            const TaskSpec& spec = row.spec;
            const auto intOrNull = [&s, &pos](qint64 v) { v == 0 ? s.bindNull(pos++) : s.bindInt64(pos++, v); };
            const auto textOrNull = [&s, &pos](const QString& v) { v.isEmpty() ? s.bindNull(pos++) : s.bindText(pos++, v); };
            const auto blobOrNull = [&s, &pos](const QByteArray& v) { v.isEmpty() ? s.bindNull(pos++) : s.bindBlobCopy(pos++, v); };
            bindPlain(s, pos, row);
            intOrNull(spec.runAtMs);
            intOrNull(spec.deadlineMs);
            textOrNull(spec.idempotencyKey);
            blobOrNull(listJson(spec.tags));
            blobOrNull(objectJson(spec.labels));
            textOrNull(spec.parentId);
            blobOrNull(listJson(spec.dependsOn));
            textOrNull(spec.sessionKey);
        };
        if (auto r = m_direct->insertRows(static_cast<int>(full.size()), kTaskColumns, kInsertTaskPrefix, bindFull, "inserting tasks"); !r)
            return r;
        return {};
    }
    if (!m_sqlite) {
        const bool owned = !m_owner.isEmpty();
        for (const bool isPlain : { true, false }) {
            const std::vector<const NewTaskRow*>& group = isPlain ? plain : full;
            const QString prefix
                = isPlain ? (owned ? kInsertOwnedPlainTaskPrefix : kInsertPlainTaskPrefix) : (owned ? kInsertOwnedTaskPrefix : kInsertTaskPrefix);
            const QList<QLatin1String> types = taskColumnTypes(isPlain, owned);
            const auto bind = [&group, isPlain, this](PgArrays& a, int i) { bindTask(a, *group[static_cast<size_t>(i)], isPlain, m_owner); };
            if (auto r = execArrays(prefix + QStringLiteral(" SELECT * FROM ") + pgUnnest(types), static_cast<int>(types.size()),
                    static_cast<int>(group.size()), bind, "inserting tasks");
                !r)
                return r;
        }
        return {};
    }
    for (const bool isPlain : { true, false }) {
        const std::vector<const NewTaskRow*>& group = isPlain ? plain : full;
        const auto bind = [&group, isPlain, this](QSqlQuery& q, int& pos, int row) {
            QtBinder b { q, m_textBytes, pos };
            bindTask(b, *group[static_cast<size_t>(row)], isPlain, QString());
            pos = b.pos;
        };
        if (auto r = insertRowsChunked(m_db, static_cast<int>(group.size()), isPlain ? kPlainTaskColumns : kTaskColumns,
                isPlain ? kInsertPlainTaskPrefix : kInsertTaskPrefix, bind, "inserting tasks");
            !r)
            return r;
    }
    return {};
}

VoidResult StoreWriter::execArrays(const QString& sql, int columns, int count, const std::function<void(PgArrays&, int)>& bind, const char* what)
{
    if (count == 0)
        return {};
    QSqlQuery& q = prepared(sql);
    PgArrays arrays(columns);
    for (int i = 0; i < count;) {
        bind(arrays, i++);
        if (i < count && arrays.rows() < kArrayRows && arrays.size() < kArrayBytes)
            continue;
        const QList<QString> literals = arrays.take();
        for (int c = 0; c < literals.size(); ++c)
            q.bindValue(c, literals[c]);
        if (auto r = execPrepared(q, what); !r)
            return r;
    }
    return {};
}

VoidResult StoreWriter::applyUpdates(std::vector<TaskUpdate>& updates)
{
    if (updates.empty())
        return {};
    // Merge updates of the same task: a task that started and finished within
    // one batch costs one row write.
    QHash<qint64, size_t> index;
    index.reserve(static_cast<qsizetype>(updates.size()));
    std::vector<TaskUpdate*> merged;
    merged.reserve(updates.size());
    for (TaskUpdate& u : updates) {
        auto it = index.find(u.seq);
        if (it == index.end()) {
            index.insert(u.seq, merged.size());
            merged.push_back(&u);
        } else {
            merged[it.value()]->merge(std::move(u));
        }
    }

    if (!m_sqlite)
        return applyUpdatesGrouped(merged);
    for (TaskUpdate* u : merged) {
        const quint32 f = u->fields & kUpdateColumns;
        if (f == 0)
            continue;
        if (m_direct) {
            auto bind = [u](DirectSqlite& s) {
                DirectBinder b { s };
                bindUpdate(b, *u);
            };
            if (auto r = m_direct->execOne(
                    f, [f] { return updateSql(f); }, bind, "updating a task");
                !r)
                return r;
            continue;
        }
        QSqlQuery& q = prepared(updateSql(f));
        QtBinder b { q, m_textBytes };
        bindUpdate(b, *u);
        if (auto r = execPrepared(q, "updating a task"); !r)
            return r;
    }
    return {};
}

VoidResult StoreWriter::applyLogs(const std::vector<TaskLogRow>& logs)
{
    if (m_direct && !logs.empty()) {
        const auto bind = [&logs](DirectSqlite& s, int& pos, int row) {
            // The same values and storage classes as the Qt path below.
            const TaskLogRow& l = logs[static_cast<size_t>(row)];
            s.bindInt64(pos++, l.seq);
            s.bindInt64(pos++, l.entry.timeMs);
            s.bindInt64(pos++, static_cast<int>(l.entry.level));
            if (l.entry.message.isNull()) // NOT NULL column; bound by reference, so no temporary
                s.bindAscii(pos++, "", 0);
            else
                s.bindText(pos++, l.entry.message);
            if (l.entry.data.isEmpty())
                s.bindNull(pos++);
            else
                s.bindBlobCopy(pos++, QJsonDocument(l.entry.data).toJson(QJsonDocument::Compact));
        };
        return m_direct->insertRows(static_cast<int>(logs.size()), kLogColumns, kInsertLogPrefix, bind, "appending task logs");
    }
    if (!m_sqlite) {
        // Only about tasks this node owns, or nobody does (see setOwner()).
        QString sql = kInsertLogPrefix + QStringLiteral(" SELECT v.s, v.t, v.l, v.m, v.d FROM ")
            + pgUnnest({ QLatin1String("bigint"), QLatin1String("bigint"), QLatin1String("integer"), QLatin1String("text"), QLatin1String("text") })
            + QStringLiteral(" AS v(s, t, l, m, d)");
        if (!m_owner.isEmpty())
            sql += QStringLiteral(" WHERE EXISTS (SELECT 1 FROM tasks WHERE tasks.seq = v.s AND (tasks.lease_node IS NULL OR tasks.lease_node = %1))")
                       .arg(sqlText(m_owner));
        const auto bind = [&logs](PgArrays& a, int i) {
            const TaskLogRow& l = logs[static_cast<size_t>(i)];
            a.integer(l.seq);
            a.integer(l.entry.timeMs);
            a.integer(static_cast<int>(l.entry.level));
            a.text(l.entry.message);
            a.blobOrNull(objectJson(l.entry.data));
        };
        return execArrays(sql, kLogColumns, static_cast<int>(logs.size()), bind, "appending task logs");
    }
    const auto bind = [&logs, this](QSqlQuery& q, int& pos, int row) {
        const TaskLogRow& l = logs[static_cast<size_t>(row)];
        q.bindValue(pos++, l.seq);
        q.bindValue(pos++, l.entry.timeMs);
        q.bindValue(pos++, static_cast<int>(l.entry.level));
        q.bindValue(pos++, l.entry.message);
        q.bindValue(pos++, jsonOrNull(l.entry.data, m_textBytes));
    };
    return insertRowsChunked(m_db, static_cast<int>(logs.size()), kLogColumns, kInsertLogPrefix, bind, "appending task logs");
}

VoidResult StoreWriter::applyUpdatesGrouped(const std::vector<TaskUpdate*>& merged)
{
    // A server a network hop away costs a round trip per statement: updates
    // that set the same columns go together, as one UPDATE ... FROM unnest(...)
    // of arrays (PgArrays), in the order they came.
    QHash<quint32, std::vector<const TaskUpdate*>> groups;
    QList<quint32> order;
    for (const TaskUpdate* u : merged) {
        const quint32 f = u->fields & kUpdateColumns;
        if (f == 0)
            continue;
        auto it = groups.find(f);
        if (it == groups.end()) {
            order.append(f);
            it = groups.insert(f, {});
        }
        it->push_back(u);
    }
    for (quint32 f : std::as_const(order)) {
        const auto columns = updateColumns(f);
        QStringList sets, names;
        QList<QLatin1String> types;
        for (const auto& [name, type] : columns) {
            names << name;
            types << type;
            if (name != QLatin1String("seq"))
                sets << QStringLiteral("%1 = v.%1").arg(name);
        }
        QString sql = QStringLiteral("UPDATE tasks AS t SET %1 FROM %2 AS v(%3) WHERE t.seq = v.seq")
                          .arg(sets.join(QStringLiteral(", ")), pgUnnest(types), names.join(QLatin1Char(',')));
        if (!m_owner.isEmpty())
            sql += QStringLiteral(" AND (t.lease_node IS NULL OR t.lease_node = %1)").arg(sqlText(m_owner));
        const std::vector<const TaskUpdate*>& rows = groups[f];
        const auto bind = [&rows](PgArrays& a, int i) { bindUpdate(a, *rows[static_cast<size_t>(i)]); };
        if (auto r = execArrays(sql, static_cast<int>(types.size()), static_cast<int>(rows.size()), bind, "updating tasks"); !r)
            return r;
    }
    return {};
}

} // namespace llmsched
