#include "sqlstore.h"

#include "batchqueries.h"

#include "migrations.h"
#include "postgres.h"
#include "queries.h"
#include "sqlite.h"

#include "core/logging.h"
#include "core/threadpriority.h"

#include <QPromise>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadStorage>

namespace llmsched {

SqlStore::SqlStore(StoreOptions options, QString location, Connector connect)
    : m_options(std::move(options))
    , m_location(std::move(location))
    , m_connect(std::move(connect))
{
    m_readers.setMaxThreadCount(std::max(1, m_options.readerThreads));
    m_readers.setExpiryTimeout(-1); // keep threads, and with them their connections
    m_readers.setObjectName(QStringLiteral("store-readers"));
}

SqlStore::~SqlStore()
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

bool SqlStore::reconnected(QSqlDatabase& db)
{
    return reconnectedPostgres(db);
}

VoidResult SqlStore::openAndMigrate()
{
    const QString name = QStringLiteral("llmsched-startup-%1").arg(reinterpret_cast<quintptr>(this));
    auto db = m_connect(name, false);
    if (!db)
        return db.error();
    m_startup = *db;
    if (auto r = migrate(m_startup); !r)
        return Error::store(QStringLiteral("%1: %2").arg(m_location, r.error().message));
    return {};
}

VoidResult SqlStore::startWriter()
{
    const Connector connect = m_connect;
    m_writer = std::make_unique<StoreWriter>(
        [connect](const QString& name) { return connect(name, false); }, m_options.databasePath, m_options.walRewindBytes);
    if (shared())
        m_writer->setOwner(m_options.nodeId);
    return m_writer->startWriter();
}

QSqlDatabase SqlStore::readConnection()
{
    static QThreadStorage<QString> names;
    if (!names.hasLocalData()) {
        const QString name = QStringLiteral("llmsched-reader-%1-%2")
                                 .arg(reinterpret_cast<quintptr>(this))
                                 .arg(reinterpret_cast<quintptr>(QThread::currentThreadId()));
        auto db = m_connect(name, true);
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

Result<QList<ModelConfig>> SqlStore::loadModelsNow()
{
    return queries::loadModels(m_startup);
}

Result<std::vector<ActiveRow>> SqlStore::loadActiveNow()
{
    return queries::loadActive(m_startup, m_options.nodeId);
}

Result<qint64> SqlStore::maxSeqNow()
{
    return queries::maxSeq(m_startup);
}

Result<QString> SqlStore::settingNow(const QString& key)
{
    return queries::setting(m_startup, key);
}

Result<QHash<QString, double>> SqlStore::costSinceNow(qint64 sinceMs)
{
    return queries::costSince(m_startup, sinceMs);
}

Result<QHash<QString, FinishedCounts>> SqlStore::finishedCountsNow()
{
    return queries::finishedCounts(m_startup);
}

// ---- the write path ---------------------------------------------------------

void SqlStore::setStatusListener(StatusListener listener)
{
    m_writer->setStatusListener(std::move(listener));
}

quint64 SqlStore::insertTasks(std::vector<NewTaskRow> rows, InsertDone done)
{
    return m_writer->insertTasks(std::move(rows), std::move(done));
}

quint64 SqlStore::updateWithLog(TaskUpdate update, TaskLogRow log)
{
    return m_writer->updateWithLog(std::move(update), std::move(log));
}

VoidResult SqlStore::flush()
{
    return m_writer->flush();
}

void SqlStore::holdWrites()
{
    m_writer->hold();
}

void SqlStore::releaseWrites()
{
    m_writer->release();
}

void SqlStore::lowerWriterPriority(int niceDelta)
{
    m_writer->exec([niceDelta](QSqlDatabase&) {
        lowerCurrentThreadPriority(niceDelta);
        return VoidResult {};
    });
}

QFuture<VoidResult> SqlStore::upsertModel(const ModelConfig& model)
{
    return write<VoidResult>([model](QSqlDatabase& db) { return writes::upsertModel(db, model); });
}

QFuture<VoidResult> SqlStore::deleteModel(const QString& name)
{
    return write<VoidResult>([name](QSqlDatabase& db) { return writes::deleteModel(db, name); });
}

QFuture<VoidResult> SqlStore::setSetting(const QString& key, const QString& value)
{
    return write<VoidResult>([key, value](QSqlDatabase& db) { return writes::setSetting(db, key, value); });
}

QFuture<Result<qint64>> SqlStore::recoverInterrupted(const QString& reason)
{
    return write<Result<qint64>>([reason, node = m_options.nodeId](QSqlDatabase& db) { return writes::recoverInterrupted(db, reason, node); });
}

QFuture<Result<qint64>> SqlStore::purgeTasks(TaskState state, const QString& model, qint64 olderThanMs)
{
    return write<Result<qint64>>([=](QSqlDatabase& db) { return writes::purgeTasks(db, state, model, olderThanMs); });
}

void SqlStore::addStatsMinutes(std::vector<MinuteStats> rows)
{
    // Nobody waits for a rollup, so its failure would go unseen: say it.
    m_writer->exec([rows = std::move(rows)](QSqlDatabase& db) { return writes::addStatsMinutes(db, rows); },
        [](const VoidResult& r) {
            if (!r)
                qCWarning(lcStore).noquote() << "statistics not written:" << r.error().message;
        });
}

QFuture<VoidResult> SqlStore::heartbeat(const NodeInfo& node)
{
    return write<VoidResult>([node](QSqlDatabase& db) { return writes::heartbeat(db, node); });
}

QFuture<VoidResult> SqlStore::removeNode(const QString& nodeId)
{
    return write<VoidResult>([nodeId](QSqlDatabase& db) { return writes::removeNode(db, nodeId); });
}

QFuture<Result<NewToken>> SqlStore::createToken(const QString& name, Role role)
{
    return write<Result<NewToken>>([token = generateToken(name, role)](QSqlDatabase& db) -> Result<NewToken> {
        if (auto r = tokens::create(db, token); !r)
            return r.error();
        return token;
    });
}

QFuture<VoidResult> SqlStore::revokeToken(const QString& id)
{
    return write<VoidResult>([id](QSqlDatabase& db) { return tokens::revoke(db, id); });
}

void SqlStore::touchTokens(const QHash<QString, qint64>& lastUsed)
{
    m_writer->exec([lastUsed](QSqlDatabase& db) { return tokens::touch(db, lastUsed); });
}

void SqlStore::appendAudit(const QList<AuditEntry>& entries)
{
    m_writer->exec([entries](QSqlDatabase& db) { return tokens::audit(db, entries); });
}

QFuture<Result<QList<AuditEntry>>> SqlStore::auditLog(qint64 sinceMs, int limit)
{
    // Through the writer, not a reader connection: appendAudit() only queues
    // its rows, and a reader could run before they commit.
    return write<Result<QList<AuditEntry>>>([sinceMs, limit](QSqlDatabase& db) { return tokens::auditLog(db, sinceMs, limit); });
}

// ---- files and batches ------------------------------------------------------

QFuture<VoidResult> SqlStore::putFile(const StoredFile& file, const QByteArray& content)
{
    return write<VoidResult>([file, content](QSqlDatabase& db) { return batchdb::putFile(db, file, content); });
}

QFuture<VoidResult> SqlStore::deleteFile(const QString& id)
{
    return write<VoidResult>([id](QSqlDatabase& db) { return batchdb::deleteFile(db, id); });
}

QFuture<Result<qint64>> SqlStore::deleteFilesBefore(const QStringList& purposes, qint64 beforeMs)
{
    return write<Result<qint64>>([purposes, beforeMs](QSqlDatabase& db) { return batchdb::deleteFilesBefore(db, purposes, beforeMs); });
}

QFuture<VoidResult> SqlStore::putBatch(const BatchRecord& batch)
{
    return write<VoidResult>([batch](QSqlDatabase& db) { return batchdb::putBatch(db, batch); });
}

QFuture<Result<QList<StoredFile>>> SqlStore::files(const QStringList& purposes, int limit, const QString& after)
{
    return read([purposes, limit, after](QSqlDatabase& db) { return batchdb::files(db, purposes, limit, after); });
}

QFuture<Result<StoredFile>> SqlStore::file(const QString& id)
{
    return read([id](QSqlDatabase& db) { return batchdb::file(db, id); });
}

QFuture<Result<QByteArray>> SqlStore::fileContent(const QString& id)
{
    return read([id](QSqlDatabase& db) { return batchdb::fileContent(db, id); });
}

QFuture<Result<BatchRecord>> SqlStore::batch(const QString& id)
{
    return read([id](QSqlDatabase& db) { return batchdb::batch(db, id); });
}

QFuture<Result<QList<BatchRecord>>> SqlStore::batches(const QString& api, int limit, const QString& after)
{
    return read([api, limit, after](QSqlDatabase& db) { return batchdb::batches(db, api, limit, after); });
}

QFuture<Result<QList<BatchRecord>>> SqlStore::activeBatches()
{
    return read([](QSqlDatabase& db) { return batchdb::activeBatches(db); });
}

QFuture<Result<FinishedCounts>> SqlStore::groupCounts(const QString& group)
{
    return read([group](QSqlDatabase& db) { return batchdb::groupCounts(db, group); });
}

// ---- documents --------------------------------------------------------------

QFuture<VoidResult> SqlStore::putDoc(const StoredDoc& doc)
{
    return write<VoidResult>([doc](QSqlDatabase& db) { return docdb::putDoc(db, doc); });
}

QFuture<Result<qint64>> SqlStore::deleteDocsBefore(const QString& kindPrefix, const QStringList& statuses, qint64 updatedBeforeMs)
{
    return write<Result<qint64>>(
        [kindPrefix, statuses, updatedBeforeMs](QSqlDatabase& db) { return docdb::deleteDocsBefore(db, kindPrefix, statuses, updatedBeforeMs); });
}

QFuture<VoidResult> SqlStore::deleteDoc(const QString& kind, const QString& id)
{
    return write<VoidResult>([kind, id](QSqlDatabase& db) { return docdb::deleteDoc(db, kind, id); });
}

QFuture<Result<QHash<QString, TaskState>>> SqlStore::groupStates(const QString& group)
{
    return read([group](QSqlDatabase& db) { return batchdb::groupStates(db, group); });
}

QFuture<Result<bool>> SqlStore::casDoc(const StoredDoc& doc, qint64 expectedUpdatedMs)
{
    return write<Result<bool>>([doc, expectedUpdatedMs](QSqlDatabase& db) { return docdb::casDoc(db, doc, expectedUpdatedMs); });
}

QFuture<Result<StoredDoc>> SqlStore::doc(const QString& kind, const QString& id)
{
    return read([kind, id](QSqlDatabase& db) { return docdb::doc(db, kind, id); });
}

QFuture<Result<QList<StoredDoc>>> SqlStore::docs(const DocQuery& query)
{
    return read([query](QSqlDatabase& db) { return docdb::docs(db, query); });
}

// ---- reads ------------------------------------------------------------------

QFuture<Result<Task>> SqlStore::task(const QString& id)
{
    return read([id](QSqlDatabase& db) { return queries::taskById(db, id); });
}

QFuture<Result<QHash<QString, TaskState>>> SqlStore::taskStates(const QStringList& ids)
{
    return read([ids](QSqlDatabase& db) { return queries::taskStates(db, ids); });
}

QFuture<Result<QHash<qint64, Task>>> SqlStore::tasksBySeq(const QList<qint64>& seqs)
{
    return read([seqs](QSqlDatabase& db) { return queries::tasksBySeq(db, seqs); });
}

QFuture<Result<TaskPage>> SqlStore::tasks(const TaskFilter& filter)
{
    return read([filter](QSqlDatabase& db) { return queries::listTasks(db, filter); });
}

QFuture<Result<qint64>> SqlStore::countTasks(const TaskFilter& filter)
{
    return read([filter](QSqlDatabase& db) { return queries::countTasks(db, filter); });
}

QFuture<Result<QList<TaskLogEntry>>> SqlStore::taskLog(const QString& id)
{
    return read([id](QSqlDatabase& db) { return queries::taskLogById(db, id); });
}

QFuture<Result<QList<MinuteStats>>> SqlStore::statsMinutes(const StatsQuery& query)
{
    return read([query](QSqlDatabase& db) { return queries::statsMinutes(db, query); });
}

QFuture<Result<QList<ApiToken>>> SqlStore::apiTokens()
{
    return read([](QSqlDatabase& db) { return tokens::list(db); });
}

QFuture<Result<QHash<QByteArray, ApiToken>>> SqlStore::activeTokens()
{
    return read([](QSqlDatabase& db) { return tokens::active(db); });
}

QFuture<Result<QList<ModelConfig>>> SqlStore::models()
{
    return read([](QSqlDatabase& db) { return queries::loadModels(db); });
}

QFuture<Result<QList<NodeInfo>>> SqlStore::nodes()
{
    return read([](QSqlDatabase& db) { return queries::nodes(db); });
}

} // namespace llmsched
