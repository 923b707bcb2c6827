#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

namespace llmsched::ui {

// A server the operator connects the window to (File > Connect to server).
struct ServerEntry
{
    QString name;
    QUrl url;
};

// The saved servers, in QSettings (names and URLs only), and their tokens, in
// the OS keychain (service "llm-scheduler-servers", one entry per URL): a
// token is never written to the settings file. Where no keychain answers
// (a headless host) tokens live for the session only, and callers are told.
class ServerList
{
public:
    static QList<ServerEntry> load();
    static void save(const QList<ServerEntry>& servers);

    // The token stored for `url`; empty when there is none (or no keychain).
    // `done` runs on `context`'s thread, unless context is gone by then.
    static void readToken(const QUrl& url, QObject* context, std::function<void(const QString& token)> done);
    // Stores (or with an empty token, removes) the token for `url`; `done`
    // gets an empty string, or why the keychain refused (the token is then
    // kept for this session only).
    static void writeToken(const QUrl& url, const QString& token, QObject* context, std::function<void(const QString& problem)> done);

    // The address the installed service listens on: http://127.0.0.1:8787,
    // or $LLMSCHED_SERVICE_URL (a service moved to another port; tests).
    static QUrl localService();
};

} // namespace llmsched::ui
