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

// Which env: and file: references this process may read a key from. Without
// it, whoever may edit an endpoint could have any variable of the daemon's
// environment or any file its user can read sent to any origin as a key.
// keychain: references (entries of our own service) are always allowed.
struct SecretPolicy
{
    // Variable names; a trailing '*' matches any rest ("LLMSCHED_*").
    // Default: LLMSCHED_* and the two names the official SDKs read,
    // OPENAI_API_KEY and ANTHROPIC_API_KEY (they hold LLM keys by convention).
    QStringList envNames = defaultEnvNames();
    // Absolute directories: file: may name a file in one of them or below.
    // The engine adds its data directory; hosts add their configuration
    // directories (defaultFileDirs()) and what the operator allows.
    QStringList fileDirs;

    static QStringList defaultEnvNames();
    // /etc/llm-scheduler and the user's configuration directory (~/.config/llm-scheduler).
    static QStringList defaultFileDirs();
    // Why `ref` may not be used under this policy (a message naming the
    // reference and what is allowed), or nullopt. Only the reference's text
    // is looked at: nothing is read from the file system.
    std::optional<QString> refusal(const QString& ref) const;
};

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
    // "env:OPENAI_API_KEY: the variable is not set", "keychain:openai: no
    // keychain service available on this host; use env: or file:". A file that
    // cannot be used gives "file:/x: cannot be used as a key file (the log says
    // why)": these errors reach task and endpoint views, so whether a file
    // exists, its type, owner and mode go to the log only (warning, once a
    // minute per reference). References outside the policy are refused. An
    // empty reference gives an empty key.
    QCoro::Task<Result<QByteArray>> resolve(QString ref);

    void setPolicy(SecretPolicy policy);
    const SecretPolicy& policy() const { return m_policy; }

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
    QHash<QString, qint64> m_loggedAt; // file problems logged, by reference
    qint64 m_cacheMs = 60'000;
    SecretPolicy m_policy;
};

} // namespace llmsched
