// Unit tests for secret references: checkSecretRef, redactSecret, maskSecret and
// SecretStore (env:, file: and keychain: resolution, caching, keychain writes).
#include "core/secrets.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <QCoro/QCoroTask>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

using namespace llmsched;

namespace {

const QString kPastedKey = QStringLiteral("sk-proj-abc123DEF456ghi789JKL012mno345PQR678");

// Everything logged while a test runs, to prove keys never reach the log.
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    g_log.append(message);
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

bool logMentions(const QByteArray& secret)
{
    for (const QString& line : std::as_const(g_log))
        if (line.contains(QString::fromUtf8(secret)))
            return true;
    return false;
}

// The last log line that names `ref` (file problems are told there, not to callers).
QString loggedAbout(const QString& ref)
{
    for (auto it = g_log.crbegin(); it != g_log.crend(); ++it)
        if (it->contains(ref))
            return *it;
    return {};
}

// What any caller (and so any viewer of a task or an endpoint) learns of a key file that cannot be used.
QString unusableFile(const QString& path)
{
    return QStringLiteral("file:") + path + QStringLiteral(": cannot be used as a key file (the log of llm-scheduler says why)");
}

// A store that may read key files in `dir`.
void allowDir(SecretStore& store, const QString& dir)
{
    store.setPolicy({ SecretPolicy::defaultEnvNames(), { dir } });
}

Result<QByteArray> resolveNow(SecretStore& store, const QString& ref)
{
    return QCoro::waitFor(store.resolve(ref));
}

bool writeFile(const QString& path, const QByteArray& content, QFile::Permissions permissions)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        return false;
    file.close();
    return QFile::setPermissions(path, permissions);
}

constexpr QFile::Permissions kOwnerOnly = QFile::ReadOwner | QFile::WriteOwner;

bool keyringTestRequested()
{
    return qEnvironmentVariableIntValue("LLMSCHED_TEST_KEYRING") == 1;
}

} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void checkSecretRef_data();
    void checkSecretRef();
    void pastedKeyIsNotEchoed();
    void redact_data();
    void redact();
    void mask_data();
    void mask();

    void emptyRefMeansNoKey();
    void invalidRefIsRejected();
    void envResolves();
    void envUnsetOrEmpty();
    void fileResolves_data();
    void fileResolves();
    void fileRefused_data();
    void fileRefused();
    void fileMissingOrEmpty();
    void fileSymlinkAndFifoRefused();
    void policyLimitsVariables();
    void policyLimitsFiles();
    void fileErrorsTellCallersNothing();
    void cacheKeepsValueWithinCacheMs();
    void cacheDisabledWithZero();
    void errorsAreNotCached();

    void keychainWithoutServiceFailsCleanly();
    void keychainBadNames();
    void keychainRoundTrip();

private:
    QTemporaryDir m_dir;
};

void TestSecrets::initTestCase()
{
    QVERIFY(m_dir.isValid());
    if (!keyringTestRequested()) {
        // Play a host without a secret service, so the developer's own keyring is
        // never touched (or asked to unlock): no session bus, no display to autolaunch one.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        qunsetenv("DISPLAY");
        qunsetenv("WAYLAND_DISPLAY");
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_dir.path()));
    }
    QLoggingCategory::setFilterRules(QStringLiteral("llmsched.*.debug=true"));
    g_previousHandler = qInstallMessageHandler(captureMessage);
}

void TestSecrets::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
}

void TestSecrets::init()
{
    g_log.clear();
}

void TestSecrets::checkSecretRef_data()
{
    QTest::addColumn<QString>("ref");
    QTest::addColumn<bool>("valid");

    QTest::newRow("empty") << QString() << true;
    QTest::newRow("env") << QStringLiteral("env:OPENAI_API_KEY") << true;
    QTest::newRow("env underscore start") << QStringLiteral("env:_key1") << true;
    QTest::newRow("env single letter") << QStringLiteral("env:K") << true;
    QTest::newRow("file") << QStringLiteral("file:/home/me/.config/llm-scheduler/openai.key") << true;
    QTest::newRow("file root") << QStringLiteral("file:/k") << true;
    QTest::newRow("keychain") << QStringLiteral("keychain:openai") << true;
    QTest::newRow("keychain all chars") << QStringLiteral("keychain:A-z_0.9:x/y@host") << true;
    QTest::newRow("keychain 128 chars") << QStringLiteral("keychain:") + QString(128, QLatin1Char('k')) << true;

    QTest::newRow("pasted key") << kPastedKey << false;
    QTest::newRow("bearer header") << QStringLiteral("Bearer ") + kPastedKey << false;
    QTest::newRow("env empty name") << QStringLiteral("env:") << false;
    QTest::newRow("env digit start") << QStringLiteral("env:1KEY") << false;
    QTest::newRow("env dash") << QStringLiteral("env:MY-KEY") << false;
    QTest::newRow("env space") << QStringLiteral("env:MY KEY") << false;
    QTest::newRow("env dollar") << QStringLiteral("env:$KEY") << false;
    QTest::newRow("env uppercase prefix") << QStringLiteral("ENV:KEY") << false;
    QTest::newRow("leading space") << QStringLiteral(" env:KEY") << false;
    QTest::newRow("file empty") << QStringLiteral("file:") << false;
    QTest::newRow("file relative") << QStringLiteral("file:keys/openai.key") << false;
    QTest::newRow("file tilde") << QStringLiteral("file:~/openai.key") << false;
    QTest::newRow("keychain empty") << QStringLiteral("keychain:") << false;
    QTest::newRow("keychain 129 chars") << QStringLiteral("keychain:") + QString(129, QLatin1Char('k')) << false;
    QTest::newRow("keychain space") << QStringLiteral("keychain:my key") << false;
    QTest::newRow("keychain non-ASCII") << QStringLiteral("keychain:cl\u00e9") << false;
    QTest::newRow("url") << QStringLiteral("https://api.openai.com") << false;
}

void TestSecrets::checkSecretRef()
{
    QFETCH(QString, ref);
    QFETCH(bool, valid);
    const std::optional<QString> problem = llmsched::checkSecretRef(ref);
    QCOMPARE(!problem.has_value(), valid);
    if (problem)
        QVERIFY(!problem->isEmpty());
}

void TestSecrets::pastedKeyIsNotEchoed()
{
    for (const QString& ref : QStringList { kPastedKey, QStringLiteral("Bearer ") + kPastedKey, QStringLiteral("\"") + kPastedKey }) {
        const std::optional<QString> problem = llmsched::checkSecretRef(ref);
        QVERIFY(problem.has_value());
        QVERIFY2(!problem->contains(QStringLiteral("abc123")), qPrintable(*problem));
        QVERIFY2(!problem->contains(QStringLiteral("sk-")), qPrintable(*problem));
        QCOMPARE(*problem, QStringLiteral("must be env:NAME, file:/path or keychain:NAME (the key itself is never accepted here)"));
    }
}

void TestSecrets::redact_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QString>("expected");

    const QByteArray key = "sk-abcdefghijklmnop";
    QTest::newRow("whole key") << QStringLiteral("error: key sk-abcdefghijklmnop is invalid") << key << QStringLiteral("error: key *** is invalid");
    QTest::newRow("twice") << QStringLiteral("sk-abcdefghijklmnop,sk-abcdefghijklmnop") << key << QStringLiteral("***,***");
    QTest::newRow("twice with space") << QStringLiteral("sk-abcdefghijklmnop sk-abcdefghijklmnop") << key << QStringLiteral("*** ***");
    QTest::newRow("starred echo (OpenAI)") << QStringLiteral("Incorrect API key provided: sk-abcde**********mnop. You can find your API key at ...")
                                           << key << QStringLiteral("Incorrect API key provided: *** You can find your API key at ...");
    QTest::newRow("truncated echo in JSON") << QStringLiteral(R"({"error":"bad key 'sk-abcdefgh...'","key":"sk-abcdef"})") << key
                                            << QStringLiteral(R"({"error":"bad key '***'","key":"***"})");
    QTest::newRow("prefix of 7 kept") << QStringLiteral("sk-abcd is not it") << key << QStringLiteral("sk-abcd is not it");
    QTest::newRow("key inside a word") << QStringLiteral("Bearer=sk-abcdefghijklmnop;next") << key << QStringLiteral("Bearer=***;next");
    QTest::newRow("no key in text") << QStringLiteral("rate limited, retry in 20s") << key << QStringLiteral("rate limited, retry in 20s");
    QTest::newRow("short secret (4) replaced whole") << QStringLiteral("xabcdx abcd") << QByteArray("abcd") << QStringLiteral("x***x ***");
    QTest::newRow("secret of 3 left alone") << QStringLiteral("abc abc") << QByteArray("abc") << QStringLiteral("abc abc");
    QTest::newRow("secret of 1 left alone") << QStringLiteral("a b") << QByteArray("a") << QStringLiteral("a b");
    QTest::newRow("empty secret") << QStringLiteral("anything") << QByteArray() << QStringLiteral("anything");
    QTest::newRow("empty text") << QString() << key << QString();
}

void TestSecrets::redact()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, secret);
    QFETCH(QString, expected);
    QCOMPARE(redactSecret(text, secret), expected);
}

void TestSecrets::mask_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("3 chars") << QByteArray("abc") << QStringLiteral("***");
    QTest::newRow("11 chars") << QByteArray("abcdefghijk") << QStringLiteral("***");
    QTest::newRow("12 chars") << QByteArray("abcdefghijkl") << QStringLiteral("abc\u2026ijkl");
    QTest::newRow("OpenAI key") << kPastedKey.toUtf8() << QStringLiteral("sk-\u2026R678");
}

void TestSecrets::mask()
{
    QFETCH(QByteArray, secret);
    QFETCH(QString, expected);
    QCOMPARE(maskSecret(secret), expected);
}

void TestSecrets::emptyRefMeansNoKey()
{
    SecretStore store;
    const auto r = resolveNow(store, QString());
    QVERIFY(r.ok());
    QVERIFY(r.value().isEmpty());
}

void TestSecrets::invalidRefIsRejected()
{
    SecretStore store;
    const auto r = resolveNow(store, kPastedKey);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
    QVERIFY(!r.error().toString().contains(QStringLiteral("abc123")));
    QVERIFY(!logMentions(kPastedKey.toUtf8()));
}

void TestSecrets::envResolves()
{
    SecretStore store;
    const QByteArray key = "sk-env-key-0123456789";
    qputenv("LLMSCHED_TEST_ENV_KEY", key);
    auto r = resolveNow(store, QStringLiteral("env:LLMSCHED_TEST_ENV_KEY"));
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    QCOMPARE(r.value(), key);

    // A trailing newline from `export KEY=$(cat file)` style set-ups is dropped.
    store.clearCache();
    qputenv("LLMSCHED_TEST_ENV_KEY", key + "\n");
    r = resolveNow(store, QStringLiteral("env:LLMSCHED_TEST_ENV_KEY"));
    QVERIFY(r.ok());
    QCOMPARE(r.value(), key);
    QVERIFY(!logMentions(key));
    qunsetenv("LLMSCHED_TEST_ENV_KEY");
}

void TestSecrets::envUnsetOrEmpty()
{
    SecretStore store;
    qunsetenv("LLMSCHED_TEST_UNSET");
    auto r = resolveNow(store, QStringLiteral("env:LLMSCHED_TEST_UNSET"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    QCOMPARE(r.error().message, QStringLiteral("env:LLMSCHED_TEST_UNSET: the variable is not set"));

    qputenv("LLMSCHED_TEST_UNSET", QByteArray());
    r = resolveNow(store, QStringLiteral("env:LLMSCHED_TEST_UNSET"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    QVERIFY2(r.error().message.startsWith(QStringLiteral("env:LLMSCHED_TEST_UNSET: ")), qPrintable(r.error().message));
    qunsetenv("LLMSCHED_TEST_UNSET");
}

void TestSecrets::fileResolves_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("permissions");
    QTest::addColumn<QByteArray>("expected");

    const int rw = int(kOwnerOnly);
    QTest::newRow("one line") << QByteArray("sk-file-key-123") << rw << QByteArray("sk-file-key-123");
    QTest::newRow("trailing newline") << QByteArray("sk-file-key-123\n") << rw << QByteArray("sk-file-key-123");
    QTest::newRow("CRLF and spaces") << QByteArray("  sk-file-key-123 \r\n") << rw << QByteArray("sk-file-key-123");
    QTest::newRow("first line only") << QByteArray("sk-first\nsk-second\n") << rw << QByteArray("sk-first");
    QTest::newRow("mode 0400") << QByteArray("sk-read-only") << int(QFile::ReadOwner) << QByteArray("sk-read-only");
}

void TestSecrets::fileResolves()
{
    QFETCH(QByteArray, content);
    QFETCH(int, permissions);
    QFETCH(QByteArray, expected);
    const QString path = m_dir.filePath(QStringLiteral("ok.key"));
    QFile::remove(path);
    QVERIFY(writeFile(path, content, QFile::Permissions(permissions)));

    SecretStore store;
    allowDir(store, m_dir.path());
    const auto r = resolveNow(store, QStringLiteral("file:") + path);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    QCOMPARE(r.value(), expected);
    QVERIFY(!logMentions(expected));
}

void TestSecrets::fileRefused_data()
{
    QTest::addColumn<int>("permissions");
    QTest::addColumn<QString>("mode");

    QTest::newRow("0644") << int(kOwnerOnly | QFile::ReadGroup | QFile::ReadOther) << QStringLiteral("0644");
    QTest::newRow("0640") << int(kOwnerOnly | QFile::ReadGroup) << QStringLiteral("0640");
    QTest::newRow("0604") << int(kOwnerOnly | QFile::ReadOther) << QStringLiteral("0604");
    QTest::newRow("0620") << int(kOwnerOnly | QFile::WriteGroup) << QStringLiteral("0620");
    QTest::newRow("0601") << int(kOwnerOnly | QFile::ExeOther) << QStringLiteral("0601");
}

void TestSecrets::fileRefused()
{
#ifndef Q_OS_UNIX
    QSKIP("file modes are only checked on Unix");
#endif
    QFETCH(int, permissions);
    QFETCH(QString, mode);
    const QString path = m_dir.filePath(QStringLiteral("open.key"));
    QFile::remove(path);
    QVERIFY(writeFile(path, "sk-exposed-key", QFile::Permissions(permissions)));

    SecretStore store;
    allowDir(store, m_dir.path());
    const auto r = resolveNow(store, QStringLiteral("file:") + path);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    QCOMPARE(r.error().message, unusableFile(path));
    // The operator learns why from the log.
    const QString message = loggedAbout(QStringLiteral("file:") + path);
    QVERIFY2(message.contains(QStringLiteral("(mode ") + mode + QLatin1Char(')')), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("chmod 600")), qPrintable(message));
    QVERIFY(!logMentions("sk-exposed-key"));
}

void TestSecrets::fileMissingOrEmpty()
{
    SecretStore store;
    allowDir(store, m_dir.path());
    const auto refusedWithLog = [&store](const QString& path, const QString& logged) -> QString {
        const auto r = resolveNow(store, QStringLiteral("file:") + path);
        if (r.ok())
            return QStringLiteral("resolved");
        if (r.error().code != ErrorCode::Unavailable || r.error().message != unusableFile(path))
            return QStringLiteral("told the caller: ") + r.error().message;
        const QString line = loggedAbout(QStringLiteral("file:") + path);
        return line.contains(logged) ? QString() : QStringLiteral("logged: ") + line;
    };
    QCOMPARE(refusedWithLog(m_dir.filePath(QStringLiteral("missing.key")), QStringLiteral(": no such file")), QString());

    const QString empty = m_dir.filePath(QStringLiteral("empty.key"));
    QVERIFY(writeFile(empty, QByteArray(), kOwnerOnly));
    QCOMPARE(refusedWithLog(empty, QStringLiteral("the first line is empty")), QString());

    const QString blankFirst = m_dir.filePath(QStringLiteral("blank.key"));
    QVERIFY(writeFile(blankFirst, "  \nsk-on-line-two\n", kOwnerOnly));
    QCOMPARE(refusedWithLog(blankFirst, QStringLiteral("the first line is empty")), QString());

#ifdef Q_OS_UNIX
    const QString dir = m_dir.filePath(QStringLiteral("adir"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(QFile::setPermissions(dir, kOwnerOnly | QFile::ExeOwner));
    QCOMPARE(refusedWithLog(dir, QStringLiteral(": not a regular file")), QString());
#endif
}

// The key file is opened with O_NOFOLLOW | O_NONBLOCK: a symlink (to any
// file the daemon can read) is refused, and a FIFO never blocks the engine.
void TestSecrets::fileSymlinkAndFifoRefused()
{
#ifndef Q_OS_UNIX
    QSKIP("O_NOFOLLOW and FIFOs are Unix");
#else
    const QString target = m_dir.filePath(QStringLiteral("target.key"));
    QVERIFY(writeFile(target, "sk-behind-a-link", kOwnerOnly));
    const QString link = m_dir.filePath(QStringLiteral("link.key"));
    QFile::remove(link);
    QVERIFY(QFile::link(target, link));
    SecretStore store;
    allowDir(store, m_dir.path());
    auto r = resolveNow(store, QStringLiteral("file:") + link);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, unusableFile(link));
    QVERIFY2(loggedAbout(QStringLiteral("file:") + link).contains(QStringLiteral("symbolic link")), qPrintable(loggedAbout(link)));
    QVERIFY(!logMentions("sk-behind-a-link"));

    const QString fifo = m_dir.filePath(QStringLiteral("fifo.key"));
    QFile::remove(fifo);
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    r = resolveNow(store, QStringLiteral("file:") + fifo); // no writer: a blocking open would hang here
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, unusableFile(fifo));
    QVERIFY(loggedAbout(QStringLiteral("file:") + fifo).contains(QStringLiteral(": not a regular file")));
#endif
}

// env: reaches only the variables the policy names (LLMSCHED_* and the SDKs'
// two key variables by default): not HOME, not a cloud credential.
void TestSecrets::policyLimitsVariables()
{
    qputenv("LLMSCHED_TEST_POLICY_SECRET", "sk-policy-secret-1234");
    const auto unset = qScopeGuard([] { qunsetenv("LLMSCHED_TEST_POLICY_SECRET"); });
    SecretStore store;
    auto r = resolveNow(store, QStringLiteral("env:HOME"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.startsWith(QStringLiteral("env:HOME is not a variable keys are read from (LLMSCHED_*, OPENAI_API_KEY, "
                                                         "ANTHROPIC_API_KEY)")),
        qPrintable(r.error().message));
    QVERIFY(r.error().message.contains(QStringLiteral("--secret-env")));
    QVERIFY(!r.error().message.contains(qEnvironmentVariable("HOME")));
    QVERIFY(!resolveNow(store, QStringLiteral("env:LLMSCHED")).ok()); // the prefix is LLMSCHED_
    r = resolveNow(store, QStringLiteral("env:LLMSCHED_TEST_POLICY_SECRET"));
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-policy-secret-1234"));

    // An operator's own names and prefixes; the defaults are then what they say.
    store.setPolicy({ { QStringLiteral("VAULT_LLM_*"), QStringLiteral("MY_KEY") }, {} });
    QVERIFY(!resolveNow(store, QStringLiteral("env:LLMSCHED_TEST_POLICY_SECRET")).ok());
    qputenv("VAULT_LLM_A", "sk-vault-a-1234");
    qputenv("MY_KEY", "sk-my-key-1234");
    QCOMPARE(resolveNow(store, QStringLiteral("env:VAULT_LLM_A")).value(), QByteArray("sk-vault-a-1234"));
    QCOMPARE(resolveNow(store, QStringLiteral("env:MY_KEY")).value(), QByteArray("sk-my-key-1234"));
    QVERIFY(!resolveNow(store, QStringLiteral("env:MY_KEY2")).ok());
    qunsetenv("VAULT_LLM_A");
    qunsetenv("MY_KEY");
}

// file: reaches only files in the key directories: not by '..', not through a
// symbolic link to a directory elsewhere.
void TestSecrets::policyLimitsFiles()
{
#ifndef Q_OS_UNIX
    QSKIP("symbolic links to directories are tested on Unix");
#else
    QTemporaryDir outside;
    QVERIFY(outside.isValid());
    const QString secretElsewhere = outside.filePath(QStringLiteral("other.key"));
    QVERIFY(writeFile(secretElsewhere, "sk-someone-elses-secret", kOwnerOnly));
    const QString keys = m_dir.filePath(QStringLiteral("keys"));
    QVERIFY(QDir().mkpath(keys));
    QVERIFY(writeFile(keys + QStringLiteral("/mine.key"), "sk-mine-1234", kOwnerOnly));

    SecretStore store;
    allowDir(store, keys);
    QCOMPARE(resolveNow(store, QStringLiteral("file:") + keys + QStringLiteral("/mine.key")).value(), QByteArray("sk-mine-1234"));
    // Outside: refused before anything is opened, with where keys may live.
    auto r = resolveNow(store, QStringLiteral("file:") + secretElsewhere);
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.contains(QStringLiteral("is outside the directories key files are read from (") + keys + QLatin1Char(')')),
        qPrintable(r.error().message));
    QVERIFY(r.error().message.contains(QStringLiteral("--secret-dir")));
    // Climbing out by name.
    r = resolveNow(
        store, QStringLiteral("file:") + keys + QStringLiteral("/../../") + QFileInfo(outside.path()).fileName() + QStringLiteral("/other.key"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.contains(QStringLiteral("plain absolute path")), qPrintable(r.error().message));
    // Through a link to a directory elsewhere.
    QVERIFY(QFile::link(outside.path(), keys + QStringLiteral("/linked")));
    r = resolveNow(store, QStringLiteral("file:") + keys + QStringLiteral("/linked/other.key"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, unusableFile(keys + QStringLiteral("/linked/other.key")));
    QVERIFY(loggedAbout(keys + QStringLiteral("/linked/other.key")).contains(QStringLiteral("out of the key directories")));
    QVERIFY(!logMentions("sk-someone-elses-secret"));
    // The default directories: /etc/llm-scheduler and the user's configuration directory.
    const SecretPolicy defaults { SecretPolicy::defaultEnvNames(), SecretPolicy::defaultFileDirs() };
    QVERIFY(defaults.fileDirs.contains(QStringLiteral("/etc/llm-scheduler")));
    QVERIFY(!defaults.refusal(QStringLiteral("file:/etc/llm-scheduler/openai.key")));
    QVERIFY(defaults.refusal(QStringLiteral("file:/etc/shadow")));
    QVERIFY(defaults.refusal(QStringLiteral("file:/etc/llm-scheduler-evil/openai.key")));
    // A store nobody gave directories reads no file at all.
    QVERIFY(SecretStore().policy().refusal(QStringLiteral("file:/etc/llm-scheduler/openai.key")));
#endif
}

// Whether a file exists, is a directory, whose it is and its mode: none of it
// reaches callers (task errors and endpoint states that viewers read).
void TestSecrets::fileErrorsTellCallersNothing()
{
    const QString missing = m_dir.filePath(QStringLiteral("probe-missing"));
    const QString present = m_dir.filePath(QStringLiteral("probe-present"));
    QVERIFY(writeFile(present, "sk-probe-1234", QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    SecretStore store;
    allowDir(store, m_dir.path());
    const auto a = resolveNow(store, QStringLiteral("file:") + missing);
    const auto b = resolveNow(store, QStringLiteral("file:") + present);
    QVERIFY(!a.ok() && !b.ok());
    QCOMPARE(QString(a.error().message).replace(missing, QStringLiteral("X")), QString(b.error().message).replace(present, QStringLiteral("X")));
    QCOMPARE(a.error().code, b.error().code);
}

void TestSecrets::cacheKeepsValueWithinCacheMs()
{
    SecretStore store;
    store.setCacheMs(60'000);
    const QString ref = QStringLiteral("env:LLMSCHED_TEST_CACHED");
    qputenv("LLMSCHED_TEST_CACHED", "sk-first-value");
    auto r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-first-value"));

    qputenv("LLMSCHED_TEST_CACHED", "sk-rotated-value");
    r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-first-value"));

    store.clearCache();
    r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-rotated-value"));
    qunsetenv("LLMSCHED_TEST_CACHED");
}

void TestSecrets::cacheDisabledWithZero()
{
    SecretStore store;
    store.setCacheMs(0);
    allowDir(store, m_dir.path());
    const QString ref = QStringLiteral("env:LLMSCHED_TEST_UNCACHED");
    qputenv("LLMSCHED_TEST_UNCACHED", "sk-one");
    auto r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-one"));

    qputenv("LLMSCHED_TEST_UNCACHED", "sk-two");
    r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-two"));

    // Also when the file behind a reference is rotated.
    const QString path = m_dir.filePath(QStringLiteral("rotated.key"));
    QVERIFY(writeFile(path, "sk-file-one", kOwnerOnly));
    r = resolveNow(store, QStringLiteral("file:") + path);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-file-one"));
    QVERIFY(writeFile(path, "sk-file-two", kOwnerOnly));
    r = resolveNow(store, QStringLiteral("file:") + path);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-file-two"));
    qunsetenv("LLMSCHED_TEST_UNCACHED");
}

void TestSecrets::errorsAreNotCached()
{
    SecretStore store;
    store.setCacheMs(60'000);
    const QString ref = QStringLiteral("env:LLMSCHED_TEST_LATE");
    qunsetenv("LLMSCHED_TEST_LATE");
    QVERIFY(!resolveNow(store, ref).ok());
    qputenv("LLMSCHED_TEST_LATE", "sk-late");
    const auto r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), QByteArray("sk-late"));
    qunsetenv("LLMSCHED_TEST_LATE");
}

void TestSecrets::keychainWithoutServiceFailsCleanly()
{
    if (keyringTestRequested())
        QSKIP("a keyring is running (LLMSCHED_TEST_KEYRING=1)");

    SecretStore store;
    const QString ref = QStringLiteral("keychain:llmsched-test-absent");
    const auto r = resolveNow(store, ref);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    const QString message = r.error().message;
    QVERIFY2(message.startsWith(ref + QStringLiteral(": no keychain service available on this host (")), qPrintable(message));
    QVERIFY2(message.endsWith(QStringLiteral("); use env: or file:")), qPrintable(message));

    // Writes fail the same way, without a crash.
    const auto stored = QCoro::waitFor(store.storeInKeychain(QStringLiteral("llmsched-test-absent"), "sk-never-0123"));
    QVERIFY(!stored.ok());
    QCOMPARE(stored.error().code, ErrorCode::Unavailable);
    QVERIFY2(stored.error().message.contains(QStringLiteral("no keychain service available")), qPrintable(stored.error().message));
    const auto removed = QCoro::waitFor(store.removeFromKeychain(QStringLiteral("llmsched-test-absent")));
    QVERIFY(!removed.ok());
    QCOMPARE(removed.error().code, ErrorCode::Unavailable);
    QVERIFY(!logMentions("sk-never-0123"));
}

void TestSecrets::keychainBadNames()
{
    SecretStore store;
    const auto stored = QCoro::waitFor(store.storeInKeychain(QStringLiteral("bad name"), "sk-x-123456"));
    QVERIFY(!stored.ok());
    QCOMPARE(stored.error().code, ErrorCode::InvalidArgument);
    const auto empty = QCoro::waitFor(store.storeInKeychain(QStringLiteral("good"), QByteArray()));
    QVERIFY(!empty.ok());
    QCOMPARE(empty.error().code, ErrorCode::InvalidArgument);
    const auto removed = QCoro::waitFor(store.removeFromKeychain(QString()));
    QVERIFY(!removed.ok());
    QCOMPARE(removed.error().code, ErrorCode::InvalidArgument);
}

void TestSecrets::keychainRoundTrip()
{
    if (!keyringTestRequested())
        QSKIP("set LLMSCHED_TEST_KEYRING=1 and run inside a session with a secret service "
              "(run_with_keyring.sh)");

    SecretStore store;
    store.setCacheMs(60'000);
    const QString name = QStringLiteral("llmsched-test-%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    const QString ref = QStringLiteral("keychain:") + name;
    const QByteArray first = "sk-keyring-first-0123456789";
    const QByteArray second = "sk-keyring-second-9876543210";

    auto missing = resolveNow(store, ref);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().message, ref + QStringLiteral(": no keychain entry named ") + name);

    auto stored = QCoro::waitFor(store.storeInKeychain(name, first));
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().message));
    auto r = resolveNow(store, ref);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    QCOMPARE(r.value(), first);

    // Storing again replaces the entry and drops the cached value.
    stored = QCoro::waitFor(store.storeInKeychain(name, second));
    QVERIFY(stored.ok());
    r = resolveNow(store, ref);
    QVERIFY(r.ok());
    QCOMPARE(r.value(), second);

    const auto removed = QCoro::waitFor(store.removeFromKeychain(name));
    QVERIFY2(removed.ok(), qPrintable(removed.ok() ? QString() : removed.error().message));
    r = resolveNow(store, ref);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    QCOMPARE(r.error().message, ref + QStringLiteral(": no keychain entry named ") + name);

    QVERIFY(!logMentions(first));
    QVERIFY(!logMentions(second));
}

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
