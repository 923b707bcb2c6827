#pragma once

// Shared helpers for tests that run a real Engine on a real SQLite file, or
// on a real PostgreSQL database when LLMSCHED_TEST_BACKEND=postgres (CTest's
// *_pg entries): each data directory then gets a database of its own on the
// private instance that scripts/start-postgres.sh started in
// LLMSCHED_TEST_PG_DIR (its URL in DIR/url).

#include "engine.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QUrl>
#include <QDeadlineTimer>
#include <QFuture>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

namespace testutil {

using namespace llmsched;

// Processes events until the future is done (the engine answers on its own
// thread; queued events to this thread keep flowing meanwhile).
template <typename T> T await(QFuture<T> f, int timeoutMs = 20000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!f.isFinished() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    if (!f.isFinished())
        qFatal("timed out waiting for the engine");
    return f.result();
}

inline QByteArray chatInput(const QString& text)
{
    return QJsonDocument(
        QJsonObject { { QStringLiteral("messages"),
            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), text } } } } })
        .toJson(QJsonDocument::Compact);
}

inline TaskSpec spec(const QString& model, int priority = 5, const QString& text = QStringLiteral("hi"))
{
    TaskSpec s;
    s.model = model;
    s.priority = priority;
    s.input = chatInput(text);
    return s;
}

inline ModelConfig simModel(const QString& name, double latencyMs = 0, int concurrency = 4)
{
    ModelConfig m;
    m.name = name;
    m.concurrency = concurrency;
    m.retry.initialDelayMs = 20;
    m.retry.maxDelayMs = 200;
    EndpointConfig e;
    e.name = QStringLiteral("sim");
    e.simulation.latencyMs = latencyMs;
    m.endpoints.append(e);
    return m;
}

// The first choice's message text of a chat completion.
inline QString firstContent(const QJsonObject& completion)
{
    const QJsonObject choice = completion.value(QLatin1String("choices")).toArray().at(0).toObject();
    return choice.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString();
}

inline bool testsOnPostgres()
{
    return qEnvironmentVariable("LLMSCHED_TEST_BACKEND") == QLatin1String("postgres");
}

// The private instance's URL (database "llmsched"); empty when there is none.
inline QString postgresBaseUrl()
{
    QFile f(qEnvironmentVariable("LLMSCHED_TEST_PG_DIR", QStringLiteral("/tmp/llmsched-pg")) + QStringLiteral("/url"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).trimmed() : QString();
}

// A database of its own for `key` (a data directory) on the private
// instance, created on first use; its URL.
inline QString postgresDatabaseFor(const QString& key)
{
    const QString base = postgresBaseUrl();
    if (base.isEmpty())
        qFatal("LLMSCHED_TEST_BACKEND=postgres, but no PostgreSQL instance: run scripts/start-postgres.sh");
    const QString name
        = QStringLiteral("t_") + QString::fromLatin1(QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha1).toHex().left(20));
    QUrl url(base);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("pg-admin"));
        db.setHostName(url.host());
        db.setPort(url.port(5432));
        db.setUserName(url.userName());
        db.setPassword(url.password());
        db.setDatabaseName(url.path().mid(1));
        if (!db.open())
            qFatal("cannot reach the test PostgreSQL: %s", qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT 1 FROM pg_database WHERE datname = '%1'").arg(name));
        if (!q.next() && !q.exec(QStringLiteral("CREATE DATABASE %1").arg(name)))
            qFatal("cannot create a test database: %s", qPrintable(q.lastError().text()));
        q = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("pg-admin"));
    url.setPath(QLatin1Char('/') + name);
    return url.toString();
}

// A plain connection of the test's own (not the engine's), removed when
// it goes out of scope. Queries made from it must not outlive it.
class RawConnection
{
public:
    // path: a SQLite file, or a postgresql:// URL.
    explicit RawConnection(const QString& path, const QString& options = {})
        : m_name(QStringLiteral("raw-%1").arg(++s_counter))
    {
        if (path.startsWith(QLatin1String("postgresql://"))) {
            const QUrl url(path);
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
            db.setHostName(url.host());
            db.setPort(url.port(5432));
            db.setUserName(url.userName());
            db.setPassword(url.password());
            db.setDatabaseName(url.path().mid(1));
            m_open = db.open();
            return;
        }
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(options);
        m_open = db.open();
    }
    ~RawConnection()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool isOpen() const { return m_open; }
    bool isPostgres() const { return db().driverName() == QLatin1String("QPSQL"); }
    // Makes every insert into tasks fail with `message` (as a full disk
    // would), or (refuse = false) lets them through again.
    bool refuseTaskInserts(bool refuse, const QString& message = QStringLiteral("simulated full disk")) const
    {
        if (!isPostgres()) {
            return exec(refuse
                    ? QStringLiteral("CREATE TRIGGER refuse_tasks BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, '%1'); END").arg(message)
                    : QStringLiteral("DROP TRIGGER refuse_tasks"));
        }
        if (!refuse)
            return exec(QStringLiteral("DROP TRIGGER refuse_tasks ON tasks")) && exec(QStringLiteral("DROP FUNCTION refuse_tasks()"));
        return exec(QStringLiteral("CREATE FUNCTION refuse_tasks() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '%1'; END $$ LANGUAGE plpgsql")
                        .arg(message))
            && exec(QStringLiteral("CREATE TRIGGER refuse_tasks BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION refuse_tasks()"));
    }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }
    bool exec(const QString& sql) const
    {
        QSqlQuery q(db());
        return q.exec(sql);
    }
    // The first column of the first row; invalid when the query fails or has no row.
    QVariant scalar(const QString& sql) const
    {
        QSqlQuery q(db());
        if (!q.exec(sql) || !q.next())
            return {};
        return q.value(0);
    }

private:
    static inline int s_counter = 0;
    QString m_name;
    bool m_open = false;
};

// An engine on a fresh data directory that records every event it emits.
class EngineFixture
{
public:
    explicit EngineFixture(QString dir = {})
        : m_dirPath(dir.isEmpty() ? m_dir.path() : dir)
    {
    }
    ~EngineFixture() { stop(); }

    // dispatch = false: the engine stores and recovers but runs nothing.
    bool start(bool dispatch = true)
    {
        EngineOptions o;
        o.dataDir = m_dirPath;
        if (testsOnPostgres())
            o.databasePath = dbPath();
        o.randomSeed = 42;
        o.dispatch = dispatch;
        if (!nodeId.isEmpty())
            o.nodeId = nodeId;
        if (walRewindBytes > 0)
            o.walRewindBytes = walRewindBytes;
        if (batchWindowMs > 0)
            o.batchWindowMs = batchWindowMs;
        o.clock = clock;
        o.secrets.fileDirs += keyDirs;
        o.webhookPrivateHosts = webhookPrivateHosts;
        if (webhookRetryBaseMs > 0)
            o.webhookRetryBaseMs = webhookRetryBaseMs;
        if (webhookDeliveryRetentionMs >= 0)
            o.webhookDeliveryRetentionMs = webhookDeliveryRetentionMs;
        engine = std::make_unique<Engine>(o);
        QObject::connect(engine.get(), &Engine::taskEvents, engine.get(), [this](const TaskEvents& evs) { events += evs; });
        const VoidResult r = engine->start();
        if (!r)
            qWarning() << "engine start failed:" << r.error().message;
        return r.ok();
    }
    void stop()
    {
        if (engine) {
            engine->shutdown(0);
            engine.reset();
        }
    }
    QString dir() const { return m_dirPath; }
    // The SQLite file, or the PostgreSQL URL, the engine uses.
    QString dbPath() const
    {
        if (testsOnPostgres()) {
            if (m_pgUrl.isEmpty())
                m_pgUrl = postgresDatabaseFor(m_dirPath);
            return m_pgUrl;
        }
        return m_dirPath + QStringLiteral("/llm-scheduler.db");
    }

    bool addModel(const ModelConfig& m) { return await(engine->upsertModel(m)).ok(); }
    QList<SubmitOutcome> submit(QList<TaskSpec> specs)
    {
        auto r = await(engine->submit(std::move(specs)));
        if (!r)
            qWarning() << "submit failed:" << r.error().toString();
        return r ? *r : QList<SubmitOutcome> {};
    }
    Ulid submitOne(const TaskSpec& s)
    {
        const auto out = submit({ s });
        return out.isEmpty() ? Ulid {} : out.constFirst().id;
    }
    // Events of one task, in order.
    QList<TaskEvent> eventsOf(const Ulid& id) const
    {
        QList<TaskEvent> out;
        for (const TaskEvent& e : events)
            if (e.id == id)
                out.append(e);
        return out;
    }
    QList<TaskState> statesOf(const Ulid& id) const
    {
        QList<TaskState> out;
        for (const TaskEvent& e : eventsOf(id))
            out.append(e.state);
        return out;
    }
    TaskState lastState(const Ulid& id) const
    {
        const auto evs = eventsOf(id);
        return evs.isEmpty() ? TaskState::Queued : evs.constLast().state;
    }
    // Tasks in the order they started running.
    QList<Ulid> runOrder() const
    {
        QList<Ulid> out;
        for (const TaskEvent& e : events)
            if (e.state == TaskState::Running)
                out.append(e.id);
        return out;
    }
    qint64 countFinal() const
    {
        qint64 n = 0;
        for (const TaskEvent& e : events)
            n += isFinal(e.state) ? 1 : 0;
        return n;
    }

    std::unique_ptr<Engine> engine;
    TaskEvents events;
    qint64 walRewindBytes = 0; // set before start(); 0: the engine's default
    qint64 batchWindowMs = 0; // set before start(); 0: the engine's default (24 h)
    std::function<qint64()> clock; // set before start(): the schedules' wall clock; empty: the real one
    QStringList keyDirs; // set before start(): more directories file: key references may name
    QStringList webhookPrivateHosts; // set before start(): hosts webhooks may reach on non-public addresses
    QString nodeId; // set before start(); empty: the engine's default (host-pid)
    qint64 webhookRetryBaseMs = 0; // set before start(): the first webhook retry's wait; 0: the engine's default
    qint64 webhookDeliveryRetentionMs = -1; // set before start(): how long ended deliveries are kept; -1: the engine's default

private:
    QTemporaryDir m_dir;
    QString m_dirPath;
    mutable QString m_pgUrl;
};

} // namespace testutil
