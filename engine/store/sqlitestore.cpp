#include "sqlitestore.h"

#include "migrations.h"
#include "queries.h"
#include "sqlite.h"

#include "core/logging.h"
#include "core/threadpriority.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPromise>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadStorage>

namespace llmsched {

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options)
{
    auto store = SqliteStore::open(options);
    if (!store)
        return store.error();
    return std::unique_ptr<Store>(std::move(*store));
}

SqliteStore::SqliteStore(StoreOptions options)
    : m_options(std::move(options))
{
    m_readers.setMaxThreadCount(std::max(1, m_options.readerThreads));
    m_readers.setExpiryTimeout(-1); // keep threads, and with them their connections
    m_readers.setObjectName(QStringLiteral("store-readers"));
}

SqliteStore::~SqliteStore()
{
    m_readers.waitForDone();
    if (m_writer)
        m_writer->stopWriter();
    m_readers.clear();
    // Reader connections belong to pool threads that still exist; no queries
    // are alive, so removing them here is safe.
    QMutexLocker lock(&m_readerNamesMutex);
    for (const QString& name : std::as_const(m_readerNames))
        QSqlDatabase::removeDatabase(name);
    if (m_startup.isValid()) {
        const QString name = m_startup.connectionName();
        m_startup.close();
        m_startup = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const StoreOptions& options)
{
    std::unique_ptr<SqliteStore> store(new SqliteStore(options));
    const QString path = options.databasePath;
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error::store(QStringLiteral("cannot create the data directory %1").arg(info.absolutePath()));

    // One process per database: a second daemon on the same file would run every task twice.
    store->m_lock = std::make_unique<QLockFile>(path + QStringLiteral(".lock"));
    store->m_lock->setStaleLockTime(0);
    if (!store->m_lock->tryLock(0)) {
        qint64 pid = 0;
        QString host, app;
        store->m_lock->getLockInfo(&pid, &host, &app);
        if (store->m_lock->error() == QLockFile::LockFailedError)
            return Error::store(QStringLiteral("%1 is in use by another process (%2, pid %3 on %4); stop it or choose "
                                               "another data directory")
                                    .arg(path, app.isEmpty() ? QStringLiteral("unknown") : app)
                                    .arg(pid)
                                    .arg(host));
        return Error::store(QStringLiteral("cannot create the lock file %1.lock").arg(path));
    }

    if (auto r = checkSqliteHeader(path); !r)
        return r.error();

    // Look before writing: an existing file is first read with a read-only
    // connection, so a corrupt or newer file is refused without a byte changed.
    if (info.exists() && info.size() > 0) {
        // A read-only connection to a WAL database creates the -wal and -shm
        // files; a file refused here is left as it was found, without them.
        const QString wal = path + QStringLiteral("-wal");
        const QString shm = path + QStringLiteral("-shm");
        const bool hadWal = QFileInfo::exists(wal);
        const bool hadShm = QFileInfo::exists(shm);
        const auto refuse = [&](const Error& e) {
            if (!hadWal && QFileInfo(wal).size() == 0)
                QFile::remove(wal);
            if (!hadShm)
                QFile::remove(shm);
            return e;
        };
        const QString name = QStringLiteral("llmsched-check-%1").arg(reinterpret_cast<quintptr>(store.get()));
        VoidResult checked;
        {
            auto db = openSqlite(path, name, true);
            if (!db)
                return refuse(db.error());
            auto version = currentSchemaVersion(*db);
            if (!version) {
                checked = Error::store(QStringLiteral("%1 cannot be read (the file may be corrupt): %2").arg(path, version.error().message));
            } else if (*version > latestSchemaVersion()) {
                checked = Error::store(QStringLiteral("%1 has schema version %2, newer than this build supports (%3); "
                                                      "use a newer llm-scheduler or another data directory")
                                           .arg(path)
                                           .arg(*version)
                                           .arg(latestSchemaVersion()));
            } else {
                QSqlQuery q(*db);
                if (!q.exec(QStringLiteral("PRAGMA quick_check(1)")) || !q.next() || q.value(0).toString() != QLatin1String("ok")) {
                    // quick_check's answer spans lines ("*** in database main ***\nPage 21: ..."); the message is one.
                    const QString found = q.lastError().isValid() ? q.lastError().text() : q.value(0).toString();
                    checked = Error::store(QStringLiteral("%1 is corrupt (%2); it was left untouched — restore a backup "
                                                          "or move it away")
                                               .arg(path, found.simplified()));
                }
            }
            db->close();
        }
        QSqlDatabase::removeDatabase(name);
        if (!checked)
            return refuse(checked.error());
    }

    {
        const QString name = QStringLiteral("llmsched-startup-%1").arg(reinterpret_cast<quintptr>(store.get()));
        auto db = openSqlite(path, name, false);
        if (!db)
            return db.error();
        store->m_startup = *db;
        if (auto r = migrate(store->m_startup); !r)
            return Error::store(QStringLiteral("%1: %2").arg(path, r.error().message));
    }

    store->m_writer = std::make_unique<StoreWriter>(path, options.walRewindBytes);
    if (auto r = store->m_writer->startWriter(); !r)
        return r.error();
    return store;
}

QSqlDatabase SqliteStore::readConnection()
{
    static QThreadStorage<QString> names;
    if (!names.hasLocalData()) {
        const QString name = QStringLiteral("llmsched-reader-%1-%2")
                                 .arg(reinterpret_cast<quintptr>(this))
                                 .arg(reinterpret_cast<quintptr>(QThread::currentThreadId()));
        auto db = openSqlite(m_options.databasePath, name, true);
        if (!db) {
            qCWarning(lcStore) << "reader connection failed:" << db.error().message;
            return {};
        }
        names.setLocalData(name);
        QMutexLocker lock(&m_readerNamesMutex);
        m_readerNames.append(name);
    }
    return QSqlDatabase::database(names.localData(), false);
}

qint64 SqliteStore::sizeBytes() const
{
    const QString p = m_options.databasePath;
    return QFileInfo(p).size() + QFileInfo(p + QStringLiteral("-wal")).size();
}

Result<QList<ModelConfig>> SqliteStore::loadModelsNow()
{
    return queries::loadModels(m_startup);
}

Result<std::vector<ActiveRow>> SqliteStore::loadActiveNow()
{
    return queries::loadActive(m_startup);
}

Result<qint64> SqliteStore::maxSeqNow()
{
    return queries::maxSeq(m_startup);
}

Result<QString> SqliteStore::settingNow(const QString& key)
{
    return queries::setting(m_startup, key);
}

Result<QHash<QString, double>> SqliteStore::costSinceNow(qint64 sinceMs)
{
    return queries::costSince(m_startup, sinceMs);
}

Result<QHash<QString, FinishedCounts>> SqliteStore::finishedCountsNow()
{
    return queries::finishedCounts(m_startup);
}

// ---- the write path ---------------------------------------------------------

template <typename R, typename F> QFuture<R> SqliteStore::write(F fn)
{
    auto promise = std::make_shared<QPromise<R>>();
    promise->start();
    auto out = std::make_shared<std::optional<R>>();
    m_writer->exec(
        [fn = std::move(fn), out](QSqlDatabase& db) -> VoidResult {
            R r = fn(db);
            const VoidResult status = r ? VoidResult {} : VoidResult(r.error());
            *out = std::move(r);
            return status;
        },
        [promise, out](VoidResult status) {
            // fn ran when the batch committed; a failed commit rolled back what
            // it did, so its answer is the commit's error.
            promise->addResult(status ? std::move(**out) : R(status.error()));
            promise->finish();
        });
    return promise->future();
}

void SqliteStore::setStatusListener(StatusListener listener)
{
    m_writer->setStatusListener(std::move(listener));
}

quint64 SqliteStore::insertTasks(std::vector<NewTaskRow> rows, InsertDone done)
{
    return m_writer->insertTasks(std::move(rows), std::move(done));
}

quint64 SqliteStore::updateWithLog(TaskUpdate update, TaskLogRow log)
{
    return m_writer->updateWithLog(std::move(update), std::move(log));
}

VoidResult SqliteStore::flush()
{
    return m_writer->flush();
}

void SqliteStore::lowerWriterPriority(int niceDelta)
{
    m_writer->exec([niceDelta](QSqlDatabase&) {
        lowerCurrentThreadPriority(niceDelta);
        return VoidResult {};
    });
}

QFuture<VoidResult> SqliteStore::upsertModel(const ModelConfig& model)
{
    return write<VoidResult>([model](QSqlDatabase& db) { return writes::upsertModel(db, model); });
}

QFuture<VoidResult> SqliteStore::deleteModel(const QString& name)
{
    return write<VoidResult>([name](QSqlDatabase& db) { return writes::deleteModel(db, name); });
}

QFuture<VoidResult> SqliteStore::setSetting(const QString& key, const QString& value)
{
    return write<VoidResult>([key, value](QSqlDatabase& db) { return writes::setSetting(db, key, value); });
}

QFuture<Result<qint64>> SqliteStore::recoverInterrupted(const QString& reason)
{
    return write<Result<qint64>>([reason](QSqlDatabase& db) { return writes::recoverInterrupted(db, reason); });
}

QFuture<Result<qint64>> SqliteStore::purgeTasks(TaskState state, const QString& model, qint64 olderThanMs)
{
    return write<Result<qint64>>([=](QSqlDatabase& db) { return writes::purgeTasks(db, state, model, olderThanMs); });
}

void SqliteStore::addStatsMinutes(std::vector<MinuteStats> rows)
{
    m_writer->exec([rows = std::move(rows)](QSqlDatabase& db) { return writes::addStatsMinutes(db, rows); });
}

void SqliteStore::heartbeat(const QString& nodeId, qint64 startedMs, qint64 leaseExpiresMs)
{
    m_writer->exec([=](QSqlDatabase& db) { return writes::heartbeat(db, nodeId, startedMs, leaseExpiresMs); });
}

QFuture<VoidResult> SqliteStore::removeNode(const QString& nodeId)
{
    return write<VoidResult>([nodeId](QSqlDatabase& db) { return writes::removeNode(db, nodeId); });
}

QFuture<Result<NewToken>> SqliteStore::createToken(const QString& name, Role role)
{
    return write<Result<NewToken>>([token = generateToken(name, role)](QSqlDatabase& db) -> Result<NewToken> {
        if (auto r = tokens::create(db, token); !r)
            return r.error();
        return token;
    });
}

QFuture<VoidResult> SqliteStore::revokeToken(const QString& id)
{
    return write<VoidResult>([id](QSqlDatabase& db) { return tokens::revoke(db, id); });
}

void SqliteStore::touchTokens(const QHash<QString, qint64>& lastUsed)
{
    m_writer->exec([lastUsed](QSqlDatabase& db) { return tokens::touch(db, lastUsed); });
}

void SqliteStore::appendAudit(const QList<AuditEntry>& entries)
{
    m_writer->exec([entries](QSqlDatabase& db) { return tokens::audit(db, entries); });
}

QFuture<Result<QList<AuditEntry>>> SqliteStore::auditLog(qint64 sinceMs, int limit)
{
    // Through the writer, not a reader connection: appendAudit() only queues
    // its rows, and a reader could run before they commit.
    return write<Result<QList<AuditEntry>>>([sinceMs, limit](QSqlDatabase& db) { return tokens::auditLog(db, sinceMs, limit); });
}

// ---- reads ------------------------------------------------------------------

QFuture<Result<Task>> SqliteStore::task(const QString& id)
{
    return read([id](QSqlDatabase& db) { return queries::taskById(db, id); });
}

QFuture<Result<QHash<QString, TaskState>>> SqliteStore::taskStates(const QStringList& ids)
{
    return read([ids](QSqlDatabase& db) { return queries::taskStates(db, ids); });
}

QFuture<Result<QHash<qint64, Task>>> SqliteStore::tasksBySeq(const QList<qint64>& seqs)
{
    return read([seqs](QSqlDatabase& db) { return queries::tasksBySeq(db, seqs); });
}

QFuture<Result<TaskPage>> SqliteStore::tasks(const TaskFilter& filter)
{
    return read([filter](QSqlDatabase& db) { return queries::listTasks(db, filter); });
}

QFuture<Result<qint64>> SqliteStore::countTasks(const TaskFilter& filter)
{
    return read([filter](QSqlDatabase& db) { return queries::countTasks(db, filter); });
}

QFuture<Result<QList<TaskLogEntry>>> SqliteStore::taskLog(const QString& id)
{
    return read([id](QSqlDatabase& db) { return queries::taskLogById(db, id); });
}

QFuture<Result<QList<MinuteStats>>> SqliteStore::statsMinutes(qint64 fromMs, qint64 toMs, const QString& model)
{
    return read([=](QSqlDatabase& db) { return queries::statsMinutes(db, fromMs, toMs, model); });
}

QFuture<Result<QList<ApiToken>>> SqliteStore::apiTokens()
{
    return read([](QSqlDatabase& db) { return tokens::list(db); });
}

QFuture<Result<QHash<QByteArray, ApiToken>>> SqliteStore::activeTokens()
{
    return read([](QSqlDatabase& db) { return tokens::active(db); });
}

} // namespace llmsched
