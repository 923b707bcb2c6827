#include "secrets.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QtGlobal>

#include <QCoro/QCoroSignal>
#include <qt6keychain/keychain.h>

#include <algorithm>
#include <chrono>
#include <memory>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "logging.h"

namespace llmsched {

namespace {

const QString kEnvPrefix = QStringLiteral("env:");
const QString kFilePrefix = QStringLiteral("file:");
const QString kKeychainPrefix = QStringLiteral("keychain:");

constexpr qsizetype kMaxKeychainNameLength = 128;
// Longer first lines are not API keys; refuse rather than read a huge file.
constexpr qint64 kMaxSecretFileLine = 64 * 1024;
// Secrets shorter than this are not redacted: replacing every "ab" would only garble logs.
constexpr qsizetype kMinRedactLength = 4;
// A run that starts with this many characters of the key is treated as a (truncated) copy of it.
constexpr qsizetype kRedactPrefixLength = 8;
constexpr qsizetype kMaskMinLength = 12;
constexpr qsizetype kMaskHead = 3;
constexpr qsizetype kMaskTail = 4;
// A file reference that cannot be used is logged at most this often.
constexpr qint64 kFileProblemLogMs = 60'000;

const QString kRedacted = QStringLiteral("***");

bool isEnvName(QStringView name)
{
    if (name.isEmpty())
        return false;
    const auto isAlpha = [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) || c == QLatin1Char('_');
    };
    if (!isAlpha(name.front()))
        return false;
    for (QChar c : name)
        if (!isAlpha(c) && !(c >= QLatin1Char('0') && c <= QLatin1Char('9')))
            return false;
    return true;
}

bool isKeychainName(QStringView name)
{
    if (name.isEmpty() || name.size() > kMaxKeychainNameLength)
        return false;
    for (QChar c : name) {
        const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
            || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || QStringView(u"._:/@-").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

// Whether the clean absolute `path` lies in `dir` or below it.
bool isUnder(const QString& path, const QString& dir)
{
    const QString d = QDir::cleanPath(dir);
    return d == QLatin1String("/") ? path.startsWith(QLatin1Char('/')) : path.startsWith(d + QLatin1Char('/'));
}

bool endsRedactedRun(QChar c)
{
    return c.isSpace() || c == QLatin1Char('"') || c == QLatin1Char('\'') || c == QLatin1Char('`');
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Where `bytes` spell the secret from `from` on with some of its characters
// written as JSON escapes ("\u0073", "\/"): the end of that spelling, or -1.
qsizetype escapedSecretEnd(const QByteArray& bytes, qsizetype from, const QByteArray& secret)
{
    qsizetype pos = from;
    for (const char want : secret) {
        if (pos >= bytes.size())
            return -1;
        if (bytes.at(pos) != '\\') {
            if (bytes.at(pos) != want)
                return -1;
            ++pos;
            continue;
        }
        if (pos + 1 < bytes.size() && bytes.at(pos + 1) == want && (want == '/' || want == '\\' || want == '"')) {
            pos += 2;
            continue;
        }
        if (pos + 6 > bytes.size() || bytes.at(pos + 1) != 'u')
            return -1;
        int code = 0;
        for (qsizetype i = pos + 2; i < pos + 6; ++i) {
            const int digit = hexDigit(bytes.at(i));
            if (digit < 0)
                return -1;
            code = code * 16 + digit;
        }
        if (code != static_cast<uchar>(want))
            return -1;
        pos += 6;
    }
    return pos;
}

// Copies of the secret that JSON spells with escapes, replaced by ***: an
// answer stored that way becomes the key itself once it is parsed and written
// again (a task's output over the REST API, the facade's answers).
QByteArray redactEscapedSecret(const QByteArray& bytes, const QByteArray& secret)
{
    if (!bytes.contains('\\'))
        return bytes;
    QByteArray out;
    qsizetype copied = 0;
    for (qsizetype i = 0; i < bytes.size();) {
        if (bytes.at(i) == '\\' || bytes.at(i) == secret.at(0)) {
            if (const qsizetype end = escapedSecretEnd(bytes, i, secret); end > 0) {
                out += bytes.mid(copied, i - copied) + kRedacted.toUtf8();
                copied = i = end;
                continue;
            }
        }
        ++i;
    }
    if (copied == 0)
        return bytes;
    return out + bytes.mid(copied);
}

qint64 monotonicMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Error badRef(const QString& message)
{
    return Error { ErrorCode::InvalidArgument, message, {} };
}

// Deletes a keychain job later: the coroutine resumes inside the job's finished() emission.
struct DeleteLater
{
    void operator()(QObject* o) const { o->deleteLater(); }
};
template <typename Job> using JobPtr = std::unique_ptr<Job, DeleteLater>;

template <typename Job> JobPtr<Job> makeJob(const QString& name)
{
    JobPtr<Job> job(new Job(QString::fromLatin1(kKeychainService)));
    job->setAutoDelete(false);
    job->setKey(name);
    return job;
}

// Starts the job and waits for finished(). The signal is connected before start()
// so a job that finishes at once is not missed.
QCoro::Task<> runJob(QKeychain::Job* job)
{
    auto finished = qCoro(job, &QKeychain::Job::finished);
    job->start();
    co_await finished;
}

// The user-facing text for a failed keychain job on `ref`.
QString keychainFailure(const QString& ref, const QString& name, const QKeychain::Job& job)
{
    switch (job.error()) {
    case QKeychain::EntryNotFound:
        return ref + QStringLiteral(": no keychain entry named ") + name;
    case QKeychain::AccessDeniedByUser:
        return ref + QStringLiteral(": access to the keychain was denied (") + job.errorString() + QStringLiteral(")");
    default:
        return ref + QStringLiteral(": no keychain service available on this host (") + job.errorString() + QStringLiteral("); use env: or file:");
    }
}

Result<QByteArray> readEnv(const QString& ref, const QString& name)
{
    if (!qEnvironmentVariableIsSet(name.toLocal8Bit().constData()))
        return Error::unavailable(ref + QStringLiteral(": the variable is not set"));
    const QByteArray value = qEnvironmentVariable(name.toLocal8Bit().constData()).trimmed().toUtf8();
    if (value.isEmpty())
        return Error::unavailable(ref + QStringLiteral(": the variable is empty"));
    return value;
}

#ifdef Q_OS_UNIX
// Refuses anything but a regular file of the current user that no one else may access.
std::optional<QString> checkSecretFileStat(const QString& ref, const struct stat& st)
{
    if (!S_ISREG(st.st_mode))
        return ref + QStringLiteral(": not a regular file");
    if (st.st_uid != ::geteuid())
        return ref + QStringLiteral(": owned by another user (uid %1); it must belong to the user running llm-scheduler").arg(st.st_uid);
    const auto mode = static_cast<unsigned>(st.st_mode & 07777);
    if ((mode & 077) != 0) {
        const QString modeText = QStringLiteral("0%1").arg(mode, 3, 8, QLatin1Char('0'));
        const QString what = (mode & 044) != 0 ? QStringLiteral("readable by others") : QStringLiteral("accessible by group or others");
        return ref + QStringLiteral(": ") + what + QStringLiteral(" (mode ") + modeText + QStringLiteral("); chmod 600 it");
    }
    return std::nullopt;
}
#endif

Result<QByteArray> readFile(const QString& ref, const QString& path, const QStringList& dirs)
{
    // The directory the file is in, with its symbolic links resolved, must
    // still be an allowed one (a link inside a key directory to /home or /etc
    // would lead out of it); the file itself is opened without following links.
    const QString parent = QFileInfo(QFileInfo(path).path()).canonicalFilePath();
    const bool inside = !parent.isEmpty() && std::any_of(dirs.cbegin(), dirs.cend(), [&parent](const QString& dir) {
        const QString real = QFileInfo(dir).canonicalFilePath();
        return !real.isEmpty() && (parent == real || isUnder(parent, real));
    });
    if (!inside)
        return Error::unavailable(ref + QStringLiteral(": its directory does not exist or leads (by a symbolic link) out of the key directories"));
#ifdef Q_OS_UNIX
    // One open that follows no symlink and cannot block (a FIFO swapped in
    // would hang the engine thread), then checks on what was opened: no
    // window between a check and the open.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return Error::unavailable(ref + QStringLiteral(": no such file"));
        if (errno == ELOOP)
            return Error::unavailable(ref + QStringLiteral(": is a symbolic link; name the file itself"));
        return Error::unavailable(ref + QStringLiteral(": cannot read it (") + qt_error_string(errno) + QStringLiteral(")"));
    }
    const auto closeFd = qScopeGuard([fd] { ::close(fd); });
    struct stat st = {};
    if (::fstat(fd, &st) != 0)
        return Error::unavailable(ref + QStringLiteral(": cannot read it"));
    if (auto problem = checkSecretFileStat(ref, st))
        return Error::unavailable(*problem);
    QByteArray line;
    char buffer[4096];
    while (line.size() <= kMaxSecretFileLine && !line.contains('\n')) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::unavailable(ref + QStringLiteral(": cannot read it (") + qt_error_string(errno) + QStringLiteral(")"));
        if (n == 0)
            break;
        line.append(buffer, n);
    }
    const qsizetype newline = line.indexOf('\n');
    if (newline < 0 && line.size() > kMaxSecretFileLine)
        return Error::unavailable(ref + QStringLiteral(": the first line is longer than %1 bytes").arg(kMaxSecretFileLine));
    if (newline >= 0)
        line.truncate(newline);
#else
    const QFileInfo info(path);
    if (!info.exists())
        return Error::unavailable(ref + QStringLiteral(": no such file"));
    if (!info.isFile() || info.isSymLink())
        return Error::unavailable(ref + QStringLiteral(": not a regular file"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::unavailable(ref + QStringLiteral(": cannot read it (") + file.errorString() + QStringLiteral(")"));
    QByteArray line = file.readLine(kMaxSecretFileLine);
    if (!line.endsWith('\n') && !file.atEnd())
        return Error::unavailable(ref + QStringLiteral(": the first line is longer than %1 bytes").arg(kMaxSecretFileLine));
#endif
    line = line.trimmed();
    if (line.isEmpty())
        return Error::unavailable(ref + QStringLiteral(": the first line is empty"));
    return line;
}

} // namespace

std::optional<QString> checkSecretRef(const QString& ref)
{
    if (ref.isEmpty())
        return std::nullopt;
    if (ref.startsWith(kEnvPrefix)) {
        if (!isEnvName(QStringView(ref).sliced(kEnvPrefix.size())))
            return QStringLiteral("env: needs a variable name of letters, digits and '_' that does not start with a digit");
        return std::nullopt;
    }
    if (ref.startsWith(kFilePrefix)) {
        const QString path = ref.sliced(kFilePrefix.size());
        if (path.isEmpty() || !QDir::isAbsolutePath(path))
            return QStringLiteral("file: needs an absolute path, e.g. file:/home/me/.config/llm-scheduler/openai.key");
        return std::nullopt;
    }
    if (ref.startsWith(kKeychainPrefix)) {
        if (!isKeychainName(QStringView(ref).sliced(kKeychainPrefix.size())))
            return QStringLiteral("keychain: needs a name of 1 to %1 letters, digits or . _ : / @ -").arg(kMaxKeychainNameLength);
        return std::nullopt;
    }
    return QStringLiteral("must be env:NAME, file:/path or keychain:NAME (the key itself is never accepted here)");
}

QByteArray redactSecretBytes(QByteArray bytes, const QByteArray& secret)
{
    if (secret.size() < kMinRedactLength)
        return bytes;
    if (bytes.contains(secret))
        bytes.replace(secret, kRedacted.toUtf8());
    return redactEscapedSecret(bytes, secret);
}

QString redactSecret(const QString& text, const QByteArray& secret)
{
    if (secret.size() < kMinRedactLength || text.isEmpty())
        return text;
    const QString key = QString::fromUtf8(secret);
    QString result = text.contains(QLatin1Char('\\')) ? QString::fromUtf8(redactEscapedSecret(text.toUtf8(), secret)) : text;
    result.replace(key, kRedacted);
    if (key.size() < kRedactPrefixLength)
        return result;

    // Upstream error bodies often echo a truncated or partly starred key: drop
    // anything that starts like the key, up to the next space or quote.
    const QStringView prefix = QStringView(key).first(kRedactPrefixLength);
    qsizetype from = 0;
    while ((from = result.indexOf(prefix, from)) >= 0) {
        qsizetype end = from + prefix.size();
        while (end < result.size() && !endsRedactedRun(result.at(end)))
            ++end;
        result.replace(from, end - from, kRedacted);
        from += kRedacted.size();
    }
    return result;
}

QString maskSecret(const QByteArray& secret)
{
    if (secret.isEmpty())
        return {};
    const QString key = QString::fromUtf8(secret);
    if (key.size() < kMaskMinLength)
        return kRedacted;
    return key.first(kMaskHead) + QChar(0x2026) + key.last(kMaskTail);
}

QStringList SecretPolicy::defaultEnvNames()
{
    return { QStringLiteral("LLMSCHED_*"), QStringLiteral("OPENAI_API_KEY"), QStringLiteral("ANTHROPIC_API_KEY") };
}

QStringList SecretPolicy::defaultFileDirs()
{
    QStringList dirs { QStringLiteral("/etc/llm-scheduler") };
    const QString config = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    if (!config.isEmpty())
        dirs.append(config + QStringLiteral("/llm-scheduler"));
    return dirs;
}

namespace {
bool envNameAllowed(const QStringList& patterns, QStringView name)
{
    for (const QString& p : patterns) {
        if (p.endsWith(QLatin1Char('*')) ? name.startsWith(QStringView(p).chopped(1)) : name == p)
            return true;
    }
    return false;
}

std::optional<QString> fileDirProblem(const QString& ref, const QString& path, const QStringList& dirs)
{
    // Lexically first: no "..", "." or doubled slashes that would make a
    // path look as if it were inside a directory it is not in.
    if (QDir::cleanPath(path) != path)
        return ref + QStringLiteral(": name the file by a plain absolute path (no '.', '..' or '//')");
    for (const QString& dir : dirs)
        if (isUnder(path, dir))
            return std::nullopt;
    return ref
        + QStringLiteral(" is outside the directories key files are read from (%1); put the key file there, or allow its directory "
                         "(llm-schedulerd --secret-dir)")
              .arg(dirs.isEmpty() ? QStringLiteral("none") : dirs.join(QStringLiteral(", ")));
}
} // namespace

std::optional<QString> SecretPolicy::refusal(const QString& ref) const
{
    if (ref.startsWith(kEnvPrefix)) {
        if (envNameAllowed(envNames, QStringView(ref).sliced(kEnvPrefix.size())))
            return std::nullopt;
        return ref
            + QStringLiteral(" is not a variable keys are read from (%1); use one of those names, or allow it (llm-schedulerd --secret-env)")
                  .arg(envNames.isEmpty() ? QStringLiteral("none") : envNames.join(QStringLiteral(", ")));
    }
    if (ref.startsWith(kFilePrefix))
        return fileDirProblem(ref, ref.sliced(kFilePrefix.size()), fileDirs);
    return std::nullopt;
}

SecretStore::SecretStore(QObject* parent)
    : QObject(parent)
{
}

SecretStore::~SecretStore() = default;

void SecretStore::setPolicy(SecretPolicy policy)
{
    m_policy = std::move(policy);
    m_cache.clear();
}

QCoro::Task<Result<QByteArray>> SecretStore::resolve(QString ref)
{
    if (ref.isEmpty())
        co_return QByteArray {}; // no key (local servers)
    if (auto problem = checkSecretRef(ref))
        co_return badRef(*problem);
    if (auto refused = m_policy.refusal(ref))
        co_return Error::unavailable(*refused);

    if (m_cacheMs > 0) {
        const auto it = m_cache.constFind(ref);
        if (it != m_cache.cend() && monotonicMs() - it->atMs < m_cacheMs)
            co_return it->value;
    }

    Result<QByteArray> result;
    if (ref.startsWith(kEnvPrefix)) {
        result = readEnv(ref, ref.sliced(kEnvPrefix.size()));
    } else if (ref.startsWith(kFilePrefix)) {
        result = readFile(ref, ref.sliced(kFilePrefix.size()), m_policy.fileDirs);
        if (!result.ok()) {
            // The detail (exists? a directory? whose? which mode?) is for the
            // host's operator: the log. Callers get a text any viewer may see.
            const qint64 now = monotonicMs();
            const auto logged = m_loggedAt.constFind(ref);
            if (logged == m_loggedAt.cend() || now - logged.value() >= kFileProblemLogMs) {
                m_loggedAt.insert(ref, now);
                qCWarning(lcCore).noquote() << "api_key_ref" << result.error().message;
            }
            result = Error::unavailable(ref + QStringLiteral(": cannot be used as a key file (the log of llm-scheduler says why)"));
        }
    } else {
        const QString name = ref.sliced(kKeychainPrefix.size());
        const auto job = makeJob<QKeychain::ReadPasswordJob>(name);
        co_await runJob(job.get());
        if (job->error() != QKeychain::NoError) {
            qCDebug(lcCore) << "keychain read failed for" << ref << job->error() << job->errorString();
            result = Error::unavailable(keychainFailure(ref, name, *job));
        } else if (job->binaryData().trimmed().isEmpty()) {
            result = Error::unavailable(ref + QStringLiteral(": the keychain entry is empty"));
        } else {
            result = job->binaryData().trimmed();
        }
    }

    if (result.ok() && m_cacheMs > 0)
        m_cache.insert(ref, Cached { result.value(), monotonicMs() });
    else
        m_cache.remove(ref);
    co_return result;
}

QCoro::Task<VoidResult> SecretStore::storeInKeychain(QString name, QByteArray key)
{
    const QString ref = kKeychainPrefix + name;
    if (!isKeychainName(name))
        co_return badRef(*checkSecretRef(ref));
    if (key.trimmed().isEmpty())
        co_return Error::invalid(QStringLiteral("key"), QStringLiteral("the key is empty"));

    m_cache.remove(ref);
    const auto job = makeJob<QKeychain::WritePasswordJob>(name);
    job->setBinaryData(key.trimmed());
    co_await runJob(job.get());
    m_cache.remove(ref); // again: a read queued before this job may have cached the old value
    if (job->error() != QKeychain::NoError) {
        qCDebug(lcCore) << "keychain write failed for" << ref << job->error() << job->errorString();
        co_return Error::unavailable(keychainFailure(ref, name, *job));
    }
    co_return VoidResult {};
}

QCoro::Task<VoidResult> SecretStore::removeFromKeychain(QString name)
{
    const QString ref = kKeychainPrefix + name;
    if (!isKeychainName(name))
        co_return badRef(*checkSecretRef(ref));

    m_cache.remove(ref);
    const auto job = makeJob<QKeychain::DeletePasswordJob>(name);
    co_await runJob(job.get());
    m_cache.remove(ref); // again: a read queued before this job may have cached the old value
    if (job->error() != QKeychain::NoError) {
        qCDebug(lcCore) << "keychain delete failed for" << ref << job->error() << job->errorString();
        co_return Error::unavailable(keychainFailure(ref, name, *job));
    }
    co_return VoidResult {};
}

} // namespace llmsched
