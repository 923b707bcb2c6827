#include "postgres.h"

#include "core/logging.h"

#include <QSqlError>
#include <QSqlQuery>

namespace llmsched {

namespace {

void configureSession(QSqlDatabase& db)
{
    QSqlQuery q(db);
    // Warnings (e.g. "there is no transaction in progress") are not for the log.
    q.exec(QStringLiteral("SET client_min_messages = error"));
    // Qt prepares every statement; after five runs PostgreSQL may switch to a
    // generic plan, which for the writer's multi-row UPDATE ... FROM (VALUES)
    // cost a third of its throughput (bench_engine, 50k tasks: 2,288 vs 3,700/s).
    q.exec(QStringLiteral("SET plan_cache_mode = force_custom_plan"));
}

bool dialectIsPostgres(const QSqlDatabase& db)
{
    return db.driverName() == QLatin1String("QPSQL");
}
} // namespace

Result<QSqlDatabase> openPostgres(const PostgresUrl& url, const QString& connectionName)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return Error::store(QStringLiteral("Qt's PostgreSQL driver is not installed (Debian: libqt6sql6-psql); cannot open %1").arg(url.display()));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
    db.setHostName(url.host);
    db.setPort(url.port);
    db.setUserName(url.user);
    db.setPassword(url.password);
    db.setDatabaseName(url.database);
    db.setConnectOptions(url.connectOptions);
    if (!db.open()) {
        // libpq's words name the server and what went wrong; QSqlError's
        // text adds "Unable to connect" and line breaks.
        QString why = db.lastError().databaseText().simplified();
        if (why.isEmpty())
            why = db.lastError().text().simplified();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connectionName);
        return Error::store(QStringLiteral("cannot connect to PostgreSQL database \"%1\" on %2:%3 as %4: %5")
                                .arg(url.database, url.host)
                                .arg(url.port)
                                .arg(url.user.isEmpty() ? QStringLiteral("the default user") : url.user, why));
    }
    configureSession(db);
    return db;
}

bool reconnectedPostgres(QSqlDatabase& db)
{
    if (dialectIsPostgres(db)) {
        QSqlQuery q(db);
        if (q.exec(QStringLiteral("SELECT 1")))
            return false;
    } else {
        return false;
    }
    db.close();
    if (!db.open()) {
        qCWarning(lcStore).noquote() << "PostgreSQL is unreachable:" << db.lastError().databaseText().simplified();
        return false;
    }
    configureSession(db);
    qCInfo(lcStore) << "reconnected to PostgreSQL";
    return true;
}

} // namespace llmsched
