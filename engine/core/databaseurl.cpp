#include "databaseurl.h"

#include <QStringList>
#include <QUrl>
#include <QUrlQuery>

namespace llmsched {

namespace {
// libpq options a URL may carry through to the connection.
const QStringList kPassedOptions = { QStringLiteral("sslmode"), QStringLiteral("sslrootcert"), QStringLiteral("sslcert"), QStringLiteral("sslkey"),
    QStringLiteral("connect_timeout"), QStringLiteral("application_name"), QStringLiteral("target_session_attrs") };
constexpr int kDefaultConnectTimeoutS = 10;
} // namespace

QString PostgresUrl::display() const
{
    QString s = QStringLiteral("postgresql://");
    if (!user.isEmpty())
        s += user + QLatin1Char('@');
    s += host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return s + QStringLiteral(":%1/%2").arg(port).arg(database);
}

bool isPostgresUrl(const QString& s)
{
    return s.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) || s.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
}

Result<PostgresUrl> parsePostgresUrl(const QString& s)
{
    const auto invalid = [](const QString& why) {
        return Error::invalid(QStringLiteral("database"), QStringLiteral("%1; expected postgresql://user:password@host:port/dbname").arg(why));
    };
    if (!isPostgresUrl(s))
        return invalid(QStringLiteral("not a postgresql:// URL"));
    const QUrl url(s, QUrl::StrictMode);
    if (!url.isValid())
        return invalid(QStringLiteral("the URL is malformed"));
    PostgresUrl out;
    out.host = url.host();
    if (out.host.isEmpty())
        return invalid(QStringLiteral("the URL names no host"));
    out.port = url.port(5432);
    out.user = url.userName(QUrl::FullyDecoded);
    out.password = url.password(QUrl::FullyDecoded);
    if (out.password.isEmpty())
        out.password = qEnvironmentVariable("LLMSCHED_DATABASE_PASSWORD");
    // Empty still: libpq reads PGPASSWORD and ~/.pgpass itself.
    out.database = url.path(QUrl::FullyDecoded).mid(1);
    if (out.database.isEmpty() || out.database.contains(QLatin1Char('/')))
        return invalid(QStringLiteral("the URL names no database"));
    QStringList options;
    bool timeout = false;
    for (const auto& [key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        if (!kPassedOptions.contains(key))
            return invalid(QStringLiteral("unknown option '%1' (known: %2)").arg(key.left(40), kPassedOptions.join(QStringLiteral(", "))));
        if (value.contains(QLatin1Char(';')))
            return invalid(QStringLiteral("option '%1' holds a ';'").arg(key));
        options << key + QLatin1Char('=') + value;
        timeout = timeout || key == QLatin1String("connect_timeout");
    }
    if (!timeout)
        options << QStringLiteral("connect_timeout=%1").arg(kDefaultConnectTimeoutS);
    out.connectOptions = options.join(QLatin1Char(';'));
    return out;
}

} // namespace llmsched
