#include "webhook.h"

#include "jsonreader.h"
#include "timeutil.h"

#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QUrl>

#include <algorithm>

namespace llmsched {

namespace {

constexpr int kMaxUrlChars = 2048;
constexpr qint64 kMaxDelayMs = 3'600'000;

const QStringList& scopeNames()
{
    static const QStringList names { QStringLiteral("named"), QStringLiteral("all"), QStringLiteral("model"), QStringLiteral("workflow"),
        QStringLiteral("schedule"), QStringLiteral("task") };
    return names;
}

QStringList defaultEvents()
{
    return { webhookevent::kTaskFinished, webhookevent::kWorkflowFinished };
}

} // namespace

QString deliveryKind(const QString& webhookId)
{
    return QStringLiteral("delivery/") + webhookId;
}

bool webhookevent::isKnown(const QString& name)
{
    return name == kTaskFinished || name == kTaskState || name == kWorkflowFinished;
}

QString webhookScopeName(WebhookScope s)
{
    return scopeNames().value(static_cast<int>(s));
}

std::optional<QString> webhookUrlProblem(const QString& text)
{
    if (text.size() > kMaxUrlChars)
        return QStringLiteral("is longer than %1 characters").arg(kMaxUrlChars);
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return QStringLiteral("must be an absolute http(s) URL with a host");
    if (!url.userInfo().isEmpty())
        return QStringLiteral("must not hold credentials (the signature proves the sender)");
    if (url.hasFragment())
        return QStringLiteral("must not have a fragment");
    return std::nullopt;
}

Result<WebhookSpec> WebhookSpec::fromJson(const QJsonObject& json)
{
    ObjectReader r(json);
    WebhookSpec s;
    s.url = r.requiredString(QStringLiteral("url"), kMaxUrlChars);
    const bool hasEvents = r.has(QStringLiteral("events"));
    s.events = r.stringList(QStringLiteral("events"), 8, 64);
    const QString scope = r.string(QStringLiteral("scope"), QStringLiteral("named"), 32);
    s.target = r.string(QStringLiteral("target"), {}, 256);
    s.secret = r.string(QStringLiteral("secret"), {}, 256);
    s.maxAttempts = static_cast<int>(r.integer(QStringLiteral("max_attempts"), kDefaultMaxAttempts, 1, kMaxMaxAttempts));
    s.description = r.string(QStringLiteral("description"), {}, 500);
    s.paused = r.boolean(QStringLiteral("paused"), false);
    if (auto err = r.finish())
        return *err;
    if (auto problem = webhookUrlProblem(s.url))
        return Error::invalid(QStringLiteral("url"), *problem);
    if (!hasEvents)
        s.events = defaultEvents();
    if (s.events.isEmpty())
        return Error::invalid(QStringLiteral("events"), QStringLiteral("must name at least one event"));
    for (qsizetype i = 0; i < s.events.size(); ++i)
        if (!webhookevent::isKnown(s.events.at(i)))
            return Error::invalid(QStringLiteral("events[%1]").arg(i),
                QStringLiteral("'%1' is not an event; one of task.finished, task.state, workflow.finished").arg(s.events.at(i).left(64)));
    s.events.removeDuplicates();
    const qsizetype scopeAt = scopeNames().indexOf(scope);
    if (scopeAt < 0)
        return Error::invalid(QStringLiteral("scope"), QStringLiteral("must be one of named, all, model, workflow, schedule, task"));
    s.scope = static_cast<WebhookScope>(scopeAt);
    const bool needsTarget = s.scope != WebhookScope::Named && s.scope != WebhookScope::All;
    if (needsTarget && s.target.isEmpty())
        return Error::invalid(QStringLiteral("target"), QStringLiteral("a webhook of scope %1 needs the %1 it follows").arg(scope));
    if (!needsTarget && !s.target.isEmpty())
        return Error::invalid(QStringLiteral("target"), QStringLiteral("a webhook of scope %1 takes no target").arg(scope));
    if (!s.secret.isEmpty() && s.secret.size() < kMinSecretChars)
        return Error::invalid(
            QStringLiteral("secret"), QStringLiteral("must be at least %1 characters (or left out: one is made)").arg(kMinSecretChars));
    return s;
}

WebhookSpec WebhookSpec::fromDoc(const StoredDoc& doc)
{
    const QJsonObject& d = doc.doc;
    WebhookSpec s;
    s.id = doc.id;
    s.url = d.value(QLatin1String("url")).toString();
    for (const QJsonValue& e : d.value(QLatin1String("events")).toArray())
        s.events.append(e.toString());
    s.scope = static_cast<WebhookScope>(std::max<qsizetype>(0, scopeNames().indexOf(d.value(QLatin1String("scope")).toString())));
    s.target = d.value(QLatin1String("target")).toString();
    s.secret = d.value(QLatin1String("secret")).toString();
    s.maxAttempts = d.value(QLatin1String("max_attempts")).toInt(kDefaultMaxAttempts);
    s.description = d.value(QLatin1String("description")).toString();
    s.paused = doc.status == QLatin1String("paused");
    s.createdMs = doc.createdMs;
    return s;
}

StoredDoc WebhookSpec::toDoc(qint64 nowMs) const
{
    StoredDoc doc;
    doc.kind = kDocWebhook;
    doc.id = id;
    doc.status = paused ? QStringLiteral("paused") : QStringLiteral("active");
    doc.createdMs = createdMs > 0 ? createdMs : nowMs;
    doc.updatedMs = nowMs;
    doc.doc = QJsonObject { { QStringLiteral("url"), url }, { QStringLiteral("events"), QJsonArray::fromStringList(events) },
        { QStringLiteral("scope"), webhookScopeName(scope) }, { QStringLiteral("target"), target }, { QStringLiteral("secret"), secret },
        { QStringLiteral("max_attempts"), maxAttempts }, { QStringLiteral("description"), description } };
    return doc;
}

QJsonObject WebhookSpec::toJson(bool withSecret) const
{
    QJsonObject o { { QStringLiteral("id"), id }, { QStringLiteral("url"), url }, { QStringLiteral("events"), QJsonArray::fromStringList(events) },
        { QStringLiteral("scope"), webhookScopeName(scope) }, { QStringLiteral("max_attempts"), maxAttempts },
        { QStringLiteral("description"), description }, { QStringLiteral("paused"), paused }, { QStringLiteral("created_at"), msToIso(createdMs) } };
    if (!target.isEmpty())
        o.insert(QStringLiteral("target"), target);
    if (withSecret)
        o.insert(QStringLiteral("secret"), secret);
    else
        o.insert(QStringLiteral("secret_hint"), QString(QStringLiteral("...") + secret.right(4)));
    return o;
}

bool WebhookSpec::wants(const QString& event) const
{
    return event == webhookevent::kPing || events.contains(event);
}

QString WebhookSpec::newSecret()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), bytes.size() / 4);
    return QStringLiteral("whsec_") + QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

namespace {

QByteArray hmacHex(const QByteArray& secret, const QByteArray& t, const QByteArray& body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, secret);
    mac.addData(t);
    mac.addData(".", 1);
    mac.addData(body);
    return mac.result().toHex();
}

} // namespace

QByteArray webhookSignature(const QByteArray& secret, qint64 unixSeconds, const QByteArray& body)
{
    const QByteArray t = QByteArray::number(unixSeconds);
    return QByteArrayLiteral("t=") + t + QByteArrayLiteral(",v1=") + hmacHex(secret, t, body);
}

bool verifyWebhookSignature(const QByteArray& secret, const QByteArray& header, const QByteArray& body, qint64 nowSeconds, qint64 toleranceSeconds)
{
    qint64 t = -1;
    QList<QByteArray> signatures;
    for (const QByteArray& part : header.split(',')) {
        const QByteArray item = part.trimmed();
        if (item.startsWith("t=")) {
            bool ok = false;
            t = item.mid(2).toLongLong(&ok);
            if (!ok)
                return false;
        } else if (item.startsWith("v1=")) {
            signatures.append(item.mid(3));
        }
    }
    if (t < 0 || signatures.isEmpty() || qAbs(nowSeconds - t) > toleranceSeconds)
        return false;
    const QByteArray expected = hmacHex(secret, QByteArray::number(t), body);
    for (const QByteArray& s : std::as_const(signatures)) {
        // Compared in constant time: how long a mismatch takes says nothing of where it is.
        if (s.size() != expected.size())
            continue;
        unsigned char diff = 0;
        for (qsizetype i = 0; i < s.size(); ++i)
            diff |= static_cast<unsigned char>(s.at(i) ^ expected.at(i));
        if (diff == 0)
            return true;
    }
    return false;
}

qint64 webhookRetryDelayMs(int failedAttempts, qint64 baseMs, std::optional<qint64> retryAfterMs)
{
    const int shift = std::clamp(failedAttempts - 1, 0, 30);
    const qint64 plain = std::min(kMaxDelayMs, baseMs << std::min(shift, 20));
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    qint64 delay = std::max<qint64>(1, static_cast<qint64>(plain * jitter));
    if (retryAfterMs)
        delay = std::max(delay, std::min(*retryAfterMs, kMaxDelayMs));
    return delay;
}

} // namespace llmsched
