#include "credentialscontroller.h"

#include "core/echolimits.h"

#include "core/httpstatus.h"

#include "engine.h"

#include "core/jsonreader.h"
#include "core/secrets.h"
#include "core/futures.h"

#include <QJsonArray>

namespace llmsched {

CredentialsController::CredentialsController(ApiServer& server, Engine& engine)
    : ApiController(server, engine)
{
    addRoute("GET", QStringLiteral("/api/v1/tokens"), Role::Admin, Audit::No, [this](const CallPtr& c) { listTokens(c); });
    addRoute("POST", QStringLiteral("/api/v1/tokens"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { createToken(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/tokens/{id}"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { revokeToken(c); });
    addRoute("PUT", QStringLiteral("/api/v1/secrets/{name}"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { putSecret(c); });
    addRoute("DELETE", QStringLiteral("/api/v1/secrets/{name}"), Role::Admin, Audit::Yes, [this](const CallPtr& c) { deleteSecret(c); });
}

void CredentialsController::listTokens(const CallPtr& c)
{
    onResult(m_engine.apiTokens(), this, [c](const Result<QList<ApiToken>>& r) {
        answerResult(c, r, [](const QList<ApiToken>& tokens) {
            QJsonArray out;
            for (const ApiToken& t : tokens)
                out.append(t.toJson());
            return QJsonObject { { QStringLiteral("tokens"), out } };
        });
    });
}

void CredentialsController::createToken(const CallPtr& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    ObjectReader r(*body);
    const QString name = r.requiredString(QStringLiteral("name"), 128);
    const QString roleText = r.requiredString(QStringLiteral("role"), 16);
    const auto role = roleFromName(roleText);
    if (!r.failed() && !role)
        r.fail(QStringLiteral("role"), QStringLiteral("must be viewer, operator or admin"));
    if (auto err = r.finish())
        return c->answerError(*err);
    c->summary = QStringLiteral("created %1 token '%2'").arg(roleText, name);
    onResult(m_engine.createToken(name, *role), this, [this, c](const Result<NewToken>& t) {
        if (t)
            m_server.rememberToken(hashTokenSecret(t->secret), t->token);
        answerResult(
            c, t,
            [](const NewToken& created) {
                QJsonObject o = created.token.toJson();
                o.insert(QStringLiteral("token"), created.secret); // shown once
                return o;
            },
            http::Created);
    });
}

void CredentialsController::revokeToken(const CallPtr& c)
{
    const QString id = c->param(0);
    c->summary = QStringLiteral("revoked token %1").arg(id.left(kEchoIdChars));
    onResult(m_engine.revokeToken(id), this, [this, c, id](const VoidResult& r) {
        if (r)
            m_server.forgetToken(id);
        answerNoContent(c, r);
    });
}

void CredentialsController::putSecret(const CallPtr& c)
{
    auto body = c->bodyObject();
    if (!body)
        return;
    const QString name = c->param(0);
    if (auto problem = checkSecretRef(QStringLiteral("keychain:") + name))
        return c->answerError(
            http::UnprocessableEntity, QStringLiteral("invalid_argument"), QStringLiteral("the name %1").arg(*problem), QStringLiteral("name"));
    ObjectReader r(*body);
    const QString value = r.requiredString(QStringLiteral("value"), 8192);
    if (auto err = r.finish())
        return c->answerError(*err); // never echoes the value: the reader names fields, not contents
    const QByteArray key = value.toUtf8();
    c->summary = QStringLiteral("stored secret keychain:%1").arg(name);
    onResult(m_engine.storeSecret(name, key), this, [c, name, key](const VoidResult& res) {
        answerResult(c, res, [&name, &key] {
            return QJsonObject { { QStringLiteral("ref"), QString(QStringLiteral("keychain:") + name) },
                { QStringLiteral("masked"), maskSecret(key) } };
        });
    });
}

void CredentialsController::deleteSecret(const CallPtr& c)
{
    const QString name = c->param(0);
    c->summary = QStringLiteral("removed secret keychain:%1").arg(name);
    onResult(m_engine.removeSecret(name), this, [c](const VoidResult& res) { answerNoContent(c, res); });
}

} // namespace llmsched
