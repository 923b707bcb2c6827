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

namespace llmsched {

PgArrays::PgArrays(int columns)
    : m_columns(static_cast<size_t>(columns))
{
}

QByteArray& PgArrays::next()
{
    QByteArray& c = m_columns[m_column];
    c += c.isEmpty() ? '{' : ',';
    if (++m_column == m_columns.size()) {
        m_column = 0;
        ++m_rows;
    }
    return c;
}

void PgArrays::null()
{
    next() += "NULL";
}

void PgArrays::integer(qint64 v)
{
    next() += QByteArray::number(v);
}

void PgArrays::real(double v)
{
    next() += QByteArray::number(v, 'g', 17);
}

void PgArrays::intOrNull(qint64 v)
{
    if (v == 0)
        null();
    else
        integer(v);
}

void PgArrays::quoted(const char* data, qsizetype size)
{
    // An element in double quotes: only '"' and '\' need a backslash.
    QByteArray& c = next();
    c.reserve(c.size() + size + 8);
    c += '"';
    const char* end = data + size;
    for (const char* run = data; run < end;) {
        const char* p = run;
        while (p < end && *p != '"' && *p != '\\')
            ++p;
        c.append(run, p - run);
        if (p < end) {
            c += '\\';
            c += *p++;
        }
        run = p;
    }
    c += '"';
    m_size += size;
}

void PgArrays::text(const QString& v)
{
    const QByteArray utf8 = v.toUtf8();
    quoted(utf8.constData(), utf8.size());
}

void PgArrays::textOrNull(const QString& v)
{
    if (v.isEmpty())
        null();
    else
        text(v);
}

void PgArrays::bytes(const QByteArray& utf8)
{
    quoted(utf8.constData(), utf8.size());
}

void PgArrays::blobOrNull(const QByteArray& utf8)
{
    if (utf8.isEmpty())
        null();
    else
        bytes(utf8);
}

QList<QString> PgArrays::take()
{
    QList<QString> literals;
    literals.reserve(static_cast<qsizetype>(m_columns.size()));
    for (QByteArray& c : m_columns) {
        c += c.isEmpty() ? "{}" : "}";
        literals.append(QString::fromUtf8(c));
        c.clear();
    }
    m_column = 0;
    m_rows = 0;
    m_size = 0;
    return literals;
}

QString pgUnnest(const QList<QLatin1String>& types)
{
    QStringList casts;
    for (const QLatin1String& t : types)
        casts << QStringLiteral("CAST(? AS %1[])").arg(t);
    return QStringLiteral("unnest(") + casts.join(QStringLiteral(", ")) + QLatin1Char(')');
}

} // namespace llmsched
