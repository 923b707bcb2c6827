#include "tokens.h"

#include "core/timeutil.h"
#include "store/sqlite.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>

namespace llmsched {

namespace {
constexpr const char* kRoleNames[] = { "viewer", "operator", "admin" };

Error sqlError(const QSqlQuery& q, const QString& what)
{
    return Error::store(QStringLiteral("%1: %2").arg(what, q.lastError().text()));
}

ApiToken fromRow(const QSqlQuery& q)
{
    ApiToken t;
    t.id = q.value(0).toString();
    t.name = q.value(1).toString();
    t.role = roleFromName(q.value(2).toString()).value_or(Role::Viewer);
    t.createdMs = q.value(3).toLongLong();
    t.lastUsedMs = q.value(4).toLongLong();
    t.revokedMs = q.value(5).toLongLong();
    return t;
}
} // namespace

QString roleName(Role role)
{
    return QLatin1String(kRoleNames[static_cast<int>(role)]);
}

std::optional<Role> roleFromName(QStringView name)
{
    for (int i = 0; i < 3; ++i)
        if (name == QLatin1String(kRoleNames[i]))
            return static_cast<Role>(i);
    return std::nullopt;
}

QJsonObject ApiToken::toJson() const
{
    QJsonObject o { { QStringLiteral("id"), id }, { QStringLiteral("name"), name }, { QStringLiteral("role"), roleName(role) },
        { QStringLiteral("created_at"), msToIso(createdMs) } };
    o.insert(QStringLiteral("last_used_at"), lastUsedMs ? QJsonValue(msToIso(lastUsedMs)) : QJsonValue());
    o.insert(QStringLiteral("revoked_at"), revokedMs ? QJsonValue(msToIso(revokedMs)) : QJsonValue());
    return o;
}

QByteArray hashTokenSecret(QStringView secret)
{
    return QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256).toHex();
}

QString generateTokenSecret()
{
    QByteArray random(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32*>(random.data()), reinterpret_cast<quint32*>(random.data() + random.size()));
    return QStringLiteral("llms_") + QString::fromLatin1(random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

namespace tokens {

Result<NewToken> create(QSqlDatabase& db, const QString& name, Role role)
{
    NewToken t;
    t.secret = generateTokenSecret();
    QByteArray idRandom(9, Qt::Uninitialized);
    for (char& c : idRandom)
        c = static_cast<char>(QRandomGenerator::system()->bounded(256));
    t.token.id = QStringLiteral("tok_") + QString::fromLatin1(idRandom.toBase64(QByteArray::Base64UrlEncoding));
    t.token.name = name;
    t.token.role = role;
    t.token.createdMs = nowMs();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO api_tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)"));
    q.addBindValue(t.token.id);
    q.addBindValue(name);
    q.addBindValue(roleName(role));
    q.addBindValue(QString::fromLatin1(hashTokenSecret(t.secret)));
    q.addBindValue(t.token.createdMs);
    if (!q.exec())
        return sqlError(q, QStringLiteral("creating a token"));
    return t;
}

Result<QList<ApiToken>> list(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at")))
        return sqlError(q, QStringLiteral("listing tokens"));
    QList<ApiToken> out;
    while (q.next())
        out.append(fromRow(q));
    return out;
}

VoidResult revoke(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
    q.addBindValue(nowMs());
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(q, QStringLiteral("revoking a token"));
    if (q.numRowsAffected() == 0)
        return Error::notFound(QStringLiteral("no active token with id '%1'").arg(id.left(64)));
    return {};
}

Result<QHash<QByteArray, ApiToken>> active(QSqlDatabase& db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT id, name, role, created_at, last_used_at, revoked_at, hash FROM api_tokens WHERE revoked_at IS NULL")))
        return sqlError(q, QStringLiteral("loading tokens"));
    QHash<QByteArray, ApiToken> out;
    while (q.next())
        out.insert(q.value(6).toString().toLatin1(), fromRow(q));
    return out;
}

VoidResult touch(QSqlDatabase& db, const QHash<QString, qint64>& lastUsed)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"));
    for (auto it = lastUsed.cbegin(); it != lastUsed.cend(); ++it) {
        q.addBindValue(it.value());
        q.addBindValue(it.key());
        if (!q.exec())
            return sqlError(q, QStringLiteral("recording token use"));
    }
    return {};
}

VoidResult audit(QSqlDatabase& db, const QList<AuditEntry>& entries)
{
    return insertRowsChunked(
        db, static_cast<int>(entries.size()), 7, QStringLiteral("INSERT INTO audit_log (time, token_id, method, path, status, remote, summary)"),
        [&entries](QSqlQuery& q, int& pos, int row) {
            const AuditEntry& e = entries.at(row);
            q.bindValue(pos++, e.timeMs);
            q.bindValue(pos++, e.tokenId.isEmpty() ? QVariant() : QVariant(e.tokenId));
            q.bindValue(pos++, e.method);
            q.bindValue(pos++, e.path);
            q.bindValue(pos++, e.status);
            q.bindValue(pos++, e.remote);
            q.bindValue(pos++, e.summary);
        },
        "writing the audit log");
}

Result<QList<AuditEntry>> auditLog(QSqlDatabase& db, qint64 sinceMs, int limit)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT time, token_id, method, path, status, remote, summary FROM audit_log WHERE time >= ? "
                             "ORDER BY seq DESC LIMIT ?"));
    q.addBindValue(sinceMs);
    q.addBindValue(limit);
    if (!q.exec())
        return sqlError(q, QStringLiteral("reading the audit log"));
    QList<AuditEntry> out;
    while (q.next())
        out.append({ q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString(), q.value(4).toInt(),
            q.value(5).toString(), q.value(6).toString() });
    return out;
}

} // namespace tokens

} // namespace llmsched
