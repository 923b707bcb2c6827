#pragma once

#include "result.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>

#include <QCoro/QCoroTask>

#include <optional>

namespace llmsched {

// Provider API keys are never stored in the database or logs; an endpoint holds
// a reference to where the key lives:
//   env:NAME          an environment variable (headless hosts, containers)
//   file:/abs/path    the first line of a file only its owner can read (mode 0600 or 0400)
//   keychain:NAME     the OS keychain (QtKeychain) entry NAME of service "llm-scheduler"
// An empty reference means "no key" (local servers).

inline constexpr auto kKeychainService = "llm-scheduler";

// Checks the shape of a reference for config validation. Returns an error
// message or nothing. Never repeats the reference in the message when it does
// not start with a known prefix: a user may have pasted the key itself.
std::optional<QString> checkSecretRef(const QString& ref);

// Replaces every occurrence of `secret` (and of its first 8+ characters
// followed by anything up to the next space/quote) in `text` with "***".
// Use on anything that came back from upstream before logging or storing it.
// Secrets shorter than 4 bytes are left alone (they would garble the text).
QString redactSecret(const QString& text, const QByteArray& secret);
// Every copy of the secret in bytes that come back from an upstream (answers,
// streamed chunks, echoed headers) replaced by ***, so a key that an upstream
// echoes never reaches the store or a viewer. Copies that JSON spells with
// escapes ("\u0073k-...", "\/") count too: parsed and written again (a task's
// output over the REST API) they are the key itself. redactSecret() does the same.
QByteArray redactSecretBytes(QByteArray bytes, const QByteArray& secret);

// A short form for display: "sk-…wxyz" (at most the first 3 and last 4
// characters, and none of them for keys shorter than 12 characters: "***").
// An empty key (none configured) gives an empty string.
QString maskSecret(const QByteArray& secret);

// Resolves references to keys. Lives on the engine thread; results are cached
// for cacheMs() so a rotated env var or file is picked up without a restart.
class SecretStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    explicit SecretStore(QObject* parent = nullptr);
    ~SecretStore() override;

    // The key, or an error that names the reference (never the key), e.g.
    // "env:OPENAI_API_KEY: the variable is not set", "file:/x: readable by others
    // (mode 0644); chmod 600 it", "keychain:openai: no keychain service available
    // on this host; use env: or file:". An empty reference gives an empty key.
    QCoro::Task<Result<QByteArray>> resolve(QString ref);

    // Keychain writes for the GUI and REST ("store this key as keychain:NAME").
    QCoro::Task<VoidResult> storeInKeychain(QString name, QByteArray key);
    QCoro::Task<VoidResult> removeFromKeychain(QString name);

    void setCacheMs(qint64 ms) { m_cacheMs = ms; }
    qint64 cacheMs() const { return m_cacheMs; }
    void clearCache() { m_cache.clear(); }

private:
    struct Cached
    {
        QByteArray value;
        qint64 atMs = 0;
    };
    QHash<QString, Cached> m_cache;
    qint64 m_cacheMs = 60'000;
};

} // namespace llmsched
