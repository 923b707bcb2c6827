#include "apitoken.h"

#include "core/timeutil.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace llmsched {

namespace {
constexpr const char* kRoleNames[] = { "viewer", "operator", "admin" };
} // namespace

QString roleName(Role role)
{
    return QLatin1String(kRoleNames[static_cast<int>(role)]);
}

std::optional<Role> roleFromName(QStringView name)
{
    for (int i = 0; i < int(std::size(kRoleNames)); ++i)
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

NewToken generateToken(const QString& name, Role role)
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
    return t;
}

} // namespace llmsched
