#include "serverlist.h"

#include <QHash>
#include <QPointer>
#include <QSettings>

#include <qt6keychain/keychain.h>

namespace llmsched::ui {

namespace {
const QString kService = QStringLiteral("llm-scheduler-servers");

// Tokens the keychain would not keep, for this session (never on disk).
QHash<QString, QString>& sessionTokens()
{
    static QHash<QString, QString> tokens;
    return tokens;
}

QString keyOf(const QUrl& url)
{
    return url.adjusted(QUrl::StripTrailingSlash).toString();
}
} // namespace

QList<ServerEntry> ServerList::load()
{
    QSettings s;
    QList<ServerEntry> out;
    const int n = s.beginReadArray(QStringLiteral("servers"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        ServerEntry e { s.value(QStringLiteral("name")).toString(), QUrl(s.value(QStringLiteral("url")).toString()) };
        if (e.url.isValid())
            out.append(e);
    }
    s.endArray();
    return out;
}

void ServerList::save(const QList<ServerEntry>& servers)
{
    QSettings s;
    s.beginWriteArray(QStringLiteral("servers"), static_cast<int>(servers.size()));
    for (int i = 0; i < servers.size(); ++i) {
        s.setArrayIndex(i);
        s.setValue(QStringLiteral("name"), servers.at(i).name);
        s.setValue(QStringLiteral("url"), servers.at(i).url.toString());
    }
    s.endArray();
}

void ServerList::readToken(const QUrl& url, QObject* context, std::function<void(const QString&)> done)
{
    const QString key = keyOf(url);
    if (sessionTokens().contains(key)) {
        done(sessionTokens().value(key));
        return;
    }
    auto* job = new QKeychain::ReadPasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context,
        [job, done = std::move(done)] { done(job->error() == QKeychain::NoError ? job->textData() : QString()); });
    job->start();
}

void ServerList::writeToken(const QUrl& url, const QString& token, QObject* context, std::function<void(const QString&)> done)
{
    const QString key = keyOf(url);
    QKeychain::Job* job = nullptr;
    if (token.isEmpty()) {
        sessionTokens().remove(key);
        job = new QKeychain::DeletePasswordJob(kService);
    } else {
        auto* write = new QKeychain::WritePasswordJob(kService);
        write->setTextData(token);
        job = write;
    }
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context, [job, key, token, done = std::move(done)] {
        const bool ok = job->error() == QKeychain::NoError || (token.isEmpty() && job->error() == QKeychain::EntryNotFound);
        if (ok) {
            sessionTokens().remove(key);
            done({});
            return;
        }
        if (!token.isEmpty())
            sessionTokens().insert(key, token);
        done(job->errorString());
    });
    job->start();
}

QUrl ServerList::localService()
{
    const QString configured = qEnvironmentVariable("LLMSCHED_SERVICE_URL");
    return QUrl(configured.isEmpty() ? QStringLiteral("http://127.0.0.1:8787") : configured);
}

} // namespace llmsched::ui
