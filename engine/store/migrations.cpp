#include "migrations.h"

#include "core/storetypes.h"
#include "core/logging.h"
#include "core/timeutil.h"

#include <QSqlError>
#include <QSqlQuery>

namespace llmsched {

namespace {
constexpr qint64 kMigrationLockKey = 0x4c4c4d5343484544; // "LLMSCHED"
}

SqlDialect dialectOf(const QSqlDatabase& db)
{
    return db.driverName() == QLatin1String("QPSQL") ? SqlDialect::Postgres : SqlDialect::Sqlite;
}

namespace {
// The columns of a statistics row after its key, as stats_minute has them
// since migration 3: the tables of migration 5 repeat them.
constexpr QLatin1String sqliteStatsColumns("submitted INTEGER NOT NULL DEFAULT 0, succeeded INTEGER NOT NULL DEFAULT 0, "
                                           "failed INTEGER NOT NULL DEFAULT 0, retried INTEGER NOT NULL DEFAULT 0, "
                                           "dead INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0, "
                                           "latency_count INTEGER NOT NULL DEFAULT 0, latency_sum_ms REAL NOT NULL DEFAULT 0, "
                                           "latency_buckets TEXT, wait_sum_ms REAL NOT NULL DEFAULT 0, "
                                           "prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0, "
                                           "cost_usd REAL NOT NULL DEFAULT 0, queue_depth INTEGER NOT NULL DEFAULT 0, "
                                           "latency_min_ms REAL, latency_max_ms REAL, ");
constexpr QLatin1String postgresStatsColumns("submitted BIGINT NOT NULL DEFAULT 0, succeeded BIGINT NOT NULL DEFAULT 0, "
                                             "failed BIGINT NOT NULL DEFAULT 0, retried BIGINT NOT NULL DEFAULT 0, "
                                             "dead BIGINT NOT NULL DEFAULT 0, cancelled BIGINT NOT NULL DEFAULT 0, "
                                             "latency_count BIGINT NOT NULL DEFAULT 0, latency_sum_ms DOUBLE PRECISION NOT NULL DEFAULT 0, "
                                             "latency_buckets TEXT, wait_sum_ms DOUBLE PRECISION NOT NULL DEFAULT 0, "
                                             "prompt_tokens BIGINT NOT NULL DEFAULT 0, completion_tokens BIGINT NOT NULL DEFAULT 0, "
                                             "cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0, queue_depth BIGINT NOT NULL DEFAULT 0, "
                                             "latency_min_ms DOUBLE PRECISION, latency_max_ms DOUBLE PRECISION, ");

const QList<Migration>& sqliteMigrations()
{
    static const QList<Migration> all = {
        { 1, "initial schema",
            {
                QStringLiteral("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                               "applied_at INTEGER NOT NULL)"),
                QStringLiteral("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
                QStringLiteral("CREATE TABLE models (name TEXT PRIMARY KEY, config TEXT NOT NULL, "
                               "created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)"),
                QStringLiteral("CREATE TABLE endpoints (model TEXT NOT NULL REFERENCES models(name) ON DELETE CASCADE, "
                               "name TEXT NOT NULL, config TEXT NOT NULL, PRIMARY KEY (model, name))"),
                // seq is the rowid: appends stay at the end of the table b-tree.
                QStringLiteral("CREATE TABLE tasks ("
                               "seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, model TEXT NOT NULL, "
                               "kind INTEGER NOT NULL, state INTEGER NOT NULL, priority INTEGER NOT NULL, "
                               "attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, "
                               "timeout_ms INTEGER NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, "
                               "created_at INTEGER NOT NULL, queued_at INTEGER, run_at INTEGER, deadline INTEGER, "
                               "started_at INTEGER, finished_at INTEGER, idempotency_key TEXT, tags TEXT, "
                               "labels TEXT, parent TEXT, depends_on TEXT, session_key TEXT, lease_node TEXT, "
                               "endpoint TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, cost_usd REAL)"),
                QStringLiteral("CREATE UNIQUE INDEX tasks_idempotency ON tasks (model, idempotency_key) "
                               "WHERE idempotency_key IS NOT NULL"),
                QStringLiteral("CREATE INDEX tasks_state ON tasks (state, seq)"),
                QStringLiteral("CREATE INDEX tasks_model ON tasks (model, seq)"),
                QStringLiteral("CREATE TABLE task_logs (task_seq INTEGER NOT NULL, time INTEGER NOT NULL, "
                               "level INTEGER NOT NULL, message TEXT NOT NULL, data TEXT)"),
                QStringLiteral("CREATE INDEX task_logs_task ON task_logs (task_seq)"),
                QStringLiteral("CREATE TABLE stats_minute (minute INTEGER NOT NULL, model TEXT NOT NULL, "
                               "submitted INTEGER NOT NULL DEFAULT 0, succeeded INTEGER NOT NULL DEFAULT 0, "
                               "failed INTEGER NOT NULL DEFAULT 0, retried INTEGER NOT NULL DEFAULT 0, "
                               "dead INTEGER NOT NULL DEFAULT 0, cancelled INTEGER NOT NULL DEFAULT 0, "
                               "latency_count INTEGER NOT NULL DEFAULT 0, latency_sum_ms REAL NOT NULL DEFAULT 0, "
                               "latency_buckets TEXT, wait_sum_ms REAL NOT NULL DEFAULT 0, "
                               "prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0, "
                               "cost_usd REAL NOT NULL DEFAULT 0, queue_depth INTEGER NOT NULL DEFAULT 0, "
                               "PRIMARY KEY (minute, model)) WITHOUT ROWID"),
                QStringLiteral("CREATE TABLE nodes (node_id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, "
                               "started_at INTEGER NOT NULL, lease_expires INTEGER NOT NULL)"),
            } },
        { 2, "api tokens and audit log",
            {
                // Tokens are stored as SHA-256 of the secret; the secret is shown once.
                QStringLiteral("CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
                               "hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, last_used_at INTEGER, "
                               "revoked_at INTEGER)"),
                QStringLiteral("CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, token_id TEXT, "
                               "method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, remote TEXT, summary TEXT)"),
                QStringLiteral("CREATE INDEX audit_log_time ON audit_log (time)"),
            } },
        { 3, "fastest and slowest attempt per stats minute",
            {
                // So a stored minute's percentiles stay within its calls, as
                // live ones do. NULL (rows written before, or no attempts):
                // the bound from latency_sum_ms applies.
                QStringLiteral("ALTER TABLE stats_minute ADD COLUMN latency_min_ms REAL"),
                QStringLiteral("ALTER TABLE stats_minute ADD COLUMN latency_max_ms REAL"),
            } },
        { 4, "node registry details",
            {
                // What GET /api/v1/nodes and the Nodes view show of each node.
                QStringLiteral("ALTER TABLE nodes ADD COLUMN address TEXT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN version TEXT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN heartbeat_at INTEGER"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN running INTEGER"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN tasks_per_s REAL"),
            } },
        { 5, "statistics per endpoint and per 10 seconds",
            {
                // What each endpoint of a model ran, minute by minute (see
                // ModelStats): the Statistics view's per-endpoint split.
                QStringLiteral("CREATE TABLE stats_minute_endpoint (minute INTEGER NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL, ")
                    + sqliteStatsColumns + QStringLiteral("PRIMARY KEY (minute, model, endpoint)) WITHOUT ROWID"),
                // The last two hours in 10-second slots, of models (endpoint '')
                // and endpoints: the Statistics view's 15-minute range.
                QStringLiteral("CREATE TABLE stats_slot (slot INTEGER NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL, ") + sqliteStatsColumns
                    + QStringLiteral("PRIMARY KEY (slot, model, endpoint)) WITHOUT ROWID"),
            } },
        { 6, "nodes share the queue",
            {
                // One file serves one process; the lease table and the
                // registry's columns keep both schemas the same shape.
                QStringLiteral("CREATE TABLE leases (name TEXT PRIMARY KEY, node_id TEXT NOT NULL, expires INTEGER NOT NULL)"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN members INTEGER"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN inflight TEXT"),
            } },
        { 7, "task counts per node",
            {
                QStringLiteral("ALTER TABLE nodes ADD COLUMN states TEXT"),
            } },
        { 8, "files and batches",
            {
                // The Files API's files (batch input and output) and the
                // batches of both Batch APIs; see engine/batchmanager.h.
                QStringLiteral("CREATE TABLE files (id TEXT PRIMARY KEY, purpose TEXT NOT NULL, filename TEXT NOT NULL, bytes INTEGER NOT NULL, "
                               "created_at INTEGER NOT NULL, expires_at INTEGER, content BLOB NOT NULL)"),
                QStringLiteral("CREATE INDEX files_created ON files (created_at)"),
                QStringLiteral("CREATE TABLE batches (id TEXT PRIMARY KEY, api TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, "
                               "doc TEXT NOT NULL)"),
                QStringLiteral("CREATE INDEX batches_created ON batches (api, created_at)"),
                // The lines of a batch are the tasks of its group.
                QStringLiteral("CREATE INDEX tasks_parent ON tasks (parent, seq) WHERE parent IS NOT NULL"),
            } },
        { 9, "workflow documents",
            {
                // Workflows, schedules, templates and webhook deliveries: a
                // JSON document each, by kind (see core/documents.h).
                QStringLiteral("CREATE TABLE documents (kind TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, "
                               "updated_at INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))"),
                QStringLiteral("CREATE INDEX documents_created ON documents (kind, created_at)"),
            } },
    };
    return all;
}

// The same steps for PostgreSQL. seq is assigned by the nodes (as in SQLite),
// not by a sequence; task_logs and audit_log keep their insertion order in a
// BIGSERIAL, where SQLite has its rowid.
const QList<Migration>& postgresMigrations()
{
    static const QList<Migration> all = {
        { 1, "initial schema",
            {
                QStringLiteral("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                               "applied_at BIGINT NOT NULL)"),
                QStringLiteral("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
                QStringLiteral("CREATE TABLE models (name TEXT PRIMARY KEY, config TEXT NOT NULL, "
                               "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)"),
                QStringLiteral("CREATE TABLE endpoints (model TEXT NOT NULL REFERENCES models(name) ON DELETE CASCADE, "
                               "name TEXT NOT NULL, config TEXT NOT NULL, PRIMARY KEY (model, name))"),
                QStringLiteral("CREATE TABLE tasks ("
                               "seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, model TEXT NOT NULL, "
                               "kind INTEGER NOT NULL, state INTEGER NOT NULL, priority INTEGER NOT NULL, "
                               "attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, "
                               "timeout_ms BIGINT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, "
                               "created_at BIGINT NOT NULL, queued_at BIGINT, run_at BIGINT, deadline BIGINT, "
                               "started_at BIGINT, finished_at BIGINT, idempotency_key TEXT, tags TEXT, "
                               "labels TEXT, parent TEXT, depends_on TEXT, session_key TEXT, lease_node TEXT, "
                               "endpoint TEXT, prompt_tokens BIGINT, completion_tokens BIGINT, cost_usd DOUBLE PRECISION)"),
                QStringLiteral("CREATE UNIQUE INDEX tasks_idempotency ON tasks (model, idempotency_key) "
                               "WHERE idempotency_key IS NOT NULL"),
                QStringLiteral("CREATE INDEX tasks_state ON tasks (state, seq)"),
                QStringLiteral("CREATE INDEX tasks_model ON tasks (model, seq)"),
                QStringLiteral("CREATE TABLE task_logs (id BIGSERIAL PRIMARY KEY, task_seq BIGINT NOT NULL, time BIGINT NOT NULL, "
                               "level INTEGER NOT NULL, message TEXT NOT NULL, data TEXT)"),
                QStringLiteral("CREATE INDEX task_logs_task ON task_logs (task_seq)"),
                QStringLiteral("CREATE TABLE stats_minute (minute BIGINT NOT NULL, model TEXT NOT NULL, "
                               "submitted BIGINT NOT NULL DEFAULT 0, succeeded BIGINT NOT NULL DEFAULT 0, "
                               "failed BIGINT NOT NULL DEFAULT 0, retried BIGINT NOT NULL DEFAULT 0, "
                               "dead BIGINT NOT NULL DEFAULT 0, cancelled BIGINT NOT NULL DEFAULT 0, "
                               "latency_count BIGINT NOT NULL DEFAULT 0, latency_sum_ms DOUBLE PRECISION NOT NULL DEFAULT 0, "
                               "latency_buckets TEXT, wait_sum_ms DOUBLE PRECISION NOT NULL DEFAULT 0, "
                               "prompt_tokens BIGINT NOT NULL DEFAULT 0, completion_tokens BIGINT NOT NULL DEFAULT 0, "
                               "cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0, queue_depth BIGINT NOT NULL DEFAULT 0, "
                               "PRIMARY KEY (minute, model))"),
                QStringLiteral("CREATE TABLE nodes (node_id TEXT PRIMARY KEY, host TEXT NOT NULL, pid BIGINT NOT NULL, "
                               "started_at BIGINT NOT NULL, lease_expires BIGINT NOT NULL)"),
            } },
        { 2, "api tokens and audit log",
            {
                QStringLiteral("CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
                               "hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, last_used_at BIGINT, "
                               "revoked_at BIGINT)"),
                QStringLiteral("CREATE TABLE audit_log (seq BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL, token_id TEXT, "
                               "method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, remote TEXT, summary TEXT)"),
                QStringLiteral("CREATE INDEX audit_log_time ON audit_log (time)"),
            } },
        { 3, "fastest and slowest attempt per stats minute",
            {
                QStringLiteral("ALTER TABLE stats_minute ADD COLUMN latency_min_ms DOUBLE PRECISION"),
                QStringLiteral("ALTER TABLE stats_minute ADD COLUMN latency_max_ms DOUBLE PRECISION"),
            } },
        { 4, "node registry details",
            {
                QStringLiteral("ALTER TABLE nodes ADD COLUMN address TEXT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN version TEXT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN heartbeat_at BIGINT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN running BIGINT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN tasks_per_s DOUBLE PRECISION"),
            } },
        { 5, "statistics per endpoint and per 10 seconds",
            {
                QStringLiteral("CREATE TABLE stats_minute_endpoint (minute BIGINT NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL, ")
                    + postgresStatsColumns + QStringLiteral("PRIMARY KEY (minute, model, endpoint))"),
                QStringLiteral("CREATE TABLE stats_slot (slot BIGINT NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL, ") + postgresStatsColumns
                    + QStringLiteral("PRIMARY KEY (slot, model, endpoint))"),
            } },
        { 6, "nodes share the queue",
            {
                // Task numbers in blocks of kSeqBlock, one block per nextval:
                // nodes number their submits without asking each time.
                QStringLiteral("CREATE SEQUENCE task_seq_blocks"),
                QStringLiteral("SELECT setval('task_seq_blocks', (SELECT coalesce(max(seq), 0) FROM tasks) / %1 + 1)").arg(kSeqBlock),
                // What a node claims: unfinished tasks no node owns (see docs/scaling.md).
                QStringLiteral("CREATE INDEX tasks_unowned ON tasks (model, priority, queued_at, seq) WHERE lease_node IS NULL AND state < 5"),
                // What a node owns: recovery of a lost node, release at stop.
                QStringLiteral("CREATE INDEX tasks_owner ON tasks (lease_node) WHERE lease_node IS NOT NULL"),
                // Duties that run on one node at a time (the leader).
                QStringLiteral("CREATE TABLE leases (name TEXT PRIMARY KEY, node_id TEXT NOT NULL, expires BIGINT NOT NULL)"),
                // Cluster-wide limits: how many nodes a node counts, and its calls in flight.
                QStringLiteral("ALTER TABLE nodes ADD COLUMN members BIGINT"),
                QStringLiteral("ALTER TABLE nodes ADD COLUMN inflight TEXT"),
            } },
        { 7, "task counts per node",
            {
                // What each node holds and has finished, per model: every
                // node's counters and views show the whole cluster.
                QStringLiteral("ALTER TABLE nodes ADD COLUMN states TEXT"),
            } },
        { 8, "files and batches",
            {
                QStringLiteral("CREATE TABLE files (id TEXT PRIMARY KEY, purpose TEXT NOT NULL, filename TEXT NOT NULL, bytes BIGINT NOT NULL, "
                               "created_at BIGINT NOT NULL, expires_at BIGINT, content BYTEA NOT NULL)"),
                QStringLiteral("CREATE INDEX files_created ON files (created_at)"),
                QStringLiteral("CREATE TABLE batches (id TEXT PRIMARY KEY, api TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, "
                               "doc TEXT NOT NULL)"),
                QStringLiteral("CREATE INDEX batches_created ON batches (api, created_at)"),
                // The lines of a batch are the tasks of its group.
                QStringLiteral("CREATE INDEX tasks_parent ON tasks (parent, seq) WHERE parent IS NOT NULL"),
            } },
        { 9, "workflow documents",
            {
                QStringLiteral("CREATE TABLE documents (kind TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, "
                               "updated_at BIGINT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))"),
                QStringLiteral("CREATE INDEX documents_created ON documents (kind, created_at)"),
            } },
    };
    return all;
}
} // namespace

const QList<Migration>& migrations(SqlDialect dialect)
{
    return dialect == SqlDialect::Postgres ? postgresMigrations() : sqliteMigrations();
}

int latestSchemaVersion()
{
    Q_ASSERT(sqliteMigrations().constLast().version == postgresMigrations().constLast().version);
    return migrations().constLast().version;
}

Result<int> currentSchemaVersion(QSqlDatabase& db)
{
    QSqlQuery q(db);
    const bool pg = dialectOf(db) == SqlDialect::Postgres;
    const QString tables = pg ? QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
                              : QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    const QString versionTable = pg ? QStringLiteral(" AND table_name = 'schema_version'") : QStringLiteral(" AND name = 'schema_version'");
    if (!q.exec(tables + versionTable))
        return Error::store(q.lastError().text());
    if (!q.next() || q.value(0).toInt() == 0) {
        // No version table: either a new database or not ours.
        if (!q.exec(tables) || !q.next())
            return Error::store(q.lastError().text());
        if (q.value(0).toInt() != 0)
            return Error::store(pg ? QStringLiteral("the database holds tables that are not an LLM Scheduler store")
                                   : QStringLiteral("the file holds tables that are not an LLM Scheduler store"));
        return 0;
    }
    if (!q.exec(QStringLiteral("SELECT coalesce(max(version), 0) FROM schema_version")) || !q.next())
        return Error::store(q.lastError().text());
    return q.value(0).toInt();
}

VoidResult migrate(QSqlDatabase& db)
{
    // Nodes starting together on one PostgreSQL database take turns: the
    // first migrates, the others then find the schema current.
    struct Turn
    {
        QSqlDatabase& db;
        bool held = false;
        ~Turn()
        {
            if (held)
                QSqlQuery(db).exec(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kMigrationLockKey));
        }
    } turn { db };
    if (dialectOf(db) == SqlDialect::Postgres) {
        QSqlQuery lock(db);
        if (!lock.exec(QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kMigrationLockKey)))
            return Error::store(QStringLiteral("cannot take the migration lock: %1").arg(lock.lastError().text()));
        turn.held = true;
    }
    auto current = currentSchemaVersion(db);
    if (!current)
        return current.error();
    const int latest = latestSchemaVersion();
    if (*current > latest) {
        return Error::store(QStringLiteral("the database has schema version %1, newer than this build supports (%2); "
                                           "use a newer llm-scheduler or another database")
                                .arg(*current)
                                .arg(latest));
    }
    for (const Migration& m : migrations(dialectOf(db))) {
        if (m.version <= *current)
            continue;
        qCInfo(lcStore) << "applying migration" << m.version << m.description;
        if (!db.transaction())
            return Error::store(QStringLiteral("cannot start migration %1: %2").arg(m.version).arg(db.lastError().text()));
        QSqlQuery q(db);
        for (const QString& sql : m.statements) {
            if (!q.exec(sql)) {
                const QString err = q.lastError().text();
                db.rollback();
                return Error::store(QStringLiteral("migration %1 failed: %2").arg(m.version).arg(err));
            }
        }
        q.prepare(QStringLiteral("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)"));
        q.addBindValue(m.version);
        q.addBindValue(QString::fromLatin1(m.description));
        q.addBindValue(nowMs());
        if (!q.exec() || !db.commit()) {
            const QString err = q.lastError().isValid() ? q.lastError().text() : db.lastError().text();
            db.rollback();
            return Error::store(QStringLiteral("migration %1 failed: %2").arg(m.version).arg(err));
        }
    }
    return {};
}

} // namespace llmsched
