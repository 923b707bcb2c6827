#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace llmsched {

// What a bearer token may do: viewers read, operators also submit and steer
// tasks, admins also manage models and tokens.
enum class Role : quint8 { Viewer = 0, Operator = 1, Admin = 2 };
QString roleName(Role role);
std::optional<Role> roleFromName(QStringView name);

struct ApiToken
{
    QString id; // "tok_" + 12 characters; safe to show and log
    QString name;
    Role role = Role::Viewer;
    qint64 createdMs = 0;
    qint64 lastUsedMs = 0;
    qint64 revokedMs = 0;

    QJsonObject toJson() const;
};

// A token as created: the secret exists only here and is shown once.
struct NewToken
{
    ApiToken token;
    QString secret; // "llms_" + 43 URL-safe characters (256 random bits)
};

// One change made through the API.
struct AuditEntry
{
    qint64 timeMs = 0;
    QString tokenId;
    QString method;
    QString path;
    int status = 0;
    QString remote;
    QString summary;
};

// SHA-256 of the secret, hex. Secrets are random, so no salt or stretching is needed.
QByteArray hashTokenSecret(QStringView secret);
QString generateTokenSecret();

// A new token with a random id and secret; the store keeps only the secret's hash.
NewToken generateToken(const QString& name, Role role);

} // namespace llmsched
