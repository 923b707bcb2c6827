#include "sqlite.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

#if LLMSCHED_SQLITE_DIRECT
#include <dlfcn.h>
#include <link.h>
#include <sqlite3.h>
#endif

namespace llmsched {

namespace {
bool isBusy(const QSqlError& e)
{
    const QString code = e.nativeErrorCode();
    return code == QLatin1String("5") || code == QLatin1String("6") || e.text().contains(QLatin1String("locked"));
}
bool isCorrupt(const QSqlError& e)
{
    const int primary = e.nativeErrorCode().toInt() & 0xff; // SQLITE_CORRUPT, SQLITE_NOTADB
    return primary == 11 || primary == 26 || e.text().contains(QLatin1String("malformed")) || e.text().contains(QLatin1String("not a database"));
}
// The largest of the chunk sizes (descending, ending in 1) that fits.
template <size_t N> int largestChunk(const int (&chunks)[N], int remaining)
{
    return *std::find_if(std::begin(chunks), std::end(chunks), [&](int c) { return c <= remaining; });
}
} // namespace

VoidResult checkSqliteHeader(const QString& path)
{
    QFile f(path);
    if (!f.exists() || f.size() == 0)
        return {};
    if (!f.open(QIODevice::ReadOnly))
        return Error::store(QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    const QByteArray header = f.read(16);
    if (header != QByteArray("SQLite format 3\0", 16))
        return Error::store(QStringLiteral("%1 is not an SQLite database (corrupt or a different kind of file); "
                                           "it was left untouched")
                                .arg(path));
    return {};
}

Result<QSqlDatabase> openSqlite(const QString& path, const QString& connectionName, bool readOnly)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db.setDatabaseName(path);
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs);
    if (readOnly)
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    db.setConnectOptions(options);
    const auto fail = [&](const QString& what, const QSqlError& e) -> Result<QSqlDatabase> {
        QString message = QStringLiteral("%1: %2: %3").arg(path, what, e.text());
        if (isBusy(e))
            message = QStringLiteral("%1 is locked by another process: %2").arg(path, e.text());
        else if (readOnly && isCorrupt(e)) // a read-only connection changed nothing (the store checks files this way)
            message = QStringLiteral("%1 is corrupt (%2); it was left untouched — restore a backup or move it away").arg(path, e.text());
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connectionName);
        return Error::store(message);
    };
    if (!db.open())
        return fail(QStringLiteral("cannot open"), db.lastError());

    QSqlQuery q(db);
    const QStringList pragmas = readOnly ? QStringList { QStringLiteral("PRAGMA query_only = ON"), QStringLiteral("PRAGMA cache_size = -32768") }
                                         : QStringList {
                                               QStringLiteral("PRAGMA journal_mode = WAL"),
                                               QStringLiteral("PRAGMA synchronous = NORMAL"),
                                               QStringLiteral("PRAGMA foreign_keys = ON"),
                                               QStringLiteral("PRAGMA temp_store = MEMORY"),
                                               QStringLiteral("PRAGMA cache_size = -65536"),
                                               QStringLiteral("PRAGMA wal_autocheckpoint = 4000"),
                                               QStringLiteral("PRAGMA journal_size_limit = 67108864"),
                                           };
    for (const QString& p : pragmas) {
        if (!q.exec(p)) {
            const QSqlError e = q.lastError();
            q = QSqlQuery();
            return fail(p, e);
        }
    }
    if (!readOnly) {
        // journal_mode answers with the mode it got; anything but wal means the
        // file system or another process prevented it.
        if (!q.exec(QStringLiteral("PRAGMA journal_mode")) || !q.next() || q.value(0).toString() != QLatin1String("wal")) {
            q = QSqlQuery();
            return fail(QStringLiteral("cannot switch to WAL mode"), db.lastError());
        }
    }
    return db;
}

QString valuesPlaceholders(int rows, int columns)
{
    QString one = QStringLiteral("(?");
    for (int c = 1; c < columns; ++c)
        one += QStringLiteral(",?");
    one += QLatin1Char(')');
    QString all;
    all.reserve(rows * (one.size() + 1));
    for (int r = 0; r < rows; ++r) {
        if (r > 0)
            all += QLatin1Char(',');
        all += one;
    }
    return all;
}

namespace {
thread_local QHash<QString, QSqlQuery> t_statements; // connection name + '\n' + sql
}

QSqlQuery& cachedStatement(QSqlDatabase& db, const QString& sql)
{
    const QString key = db.connectionName() + QLatin1Char('\n') + sql;
    auto it = t_statements.find(key);
    if (it == t_statements.end()) {
        QSqlQuery q(db);
        q.prepare(sql);
        it = t_statements.insert(key, q);
    }
    return it.value();
}

void forgetStatements(const QSqlDatabase& db)
{
    const QString prefix = db.connectionName() + QLatin1Char('\n');
    for (auto it = t_statements.begin(); it != t_statements.end();)
        it = it.key().startsWith(prefix) ? t_statements.erase(it) : std::next(it);
}

void clearStatementCache()
{
    t_statements.clear();
}

VoidResult insertRowsChunked(QSqlDatabase& db, int count, int columns, const QString& prefix,
    const std::function<void(QSqlQuery& q, int& pos, int row)>& bind, const char* what)
{
    return execRowsChunked(db, count, prefix + QStringLiteral(" VALUES "), valuesPlaceholders(1, columns), QString(), bind, what);
}

VoidResult execRowsChunked(QSqlDatabase& db, int count, const QString& head, const QString& row, const QString& tail,
    const std::function<void(QSqlQuery& q, int& pos, int row)>& bind, const char* what)
{
    // Qt turns each "?" into a named placeholder, and SQLite looks names up in a
    // list, so preparing a statement costs the square of its parameters: 256 rows
    // x 20 columns took tens of milliseconds per prepare; 64 rows stay ~1 ms.
    static constexpr int kChunks[] = { 64, 16, 4, 1 };
    int done = 0;
    while (done < count) {
        const int chunk = largestChunk(kChunks, count - done);
        QString sql = head;
        for (int k = 0; k < chunk; ++k) {
            if (k > 0)
                sql += QLatin1Char(',');
            sql += row;
        }
        sql += tail;
        QSqlQuery& q = cachedStatement(db, sql);
        int pos = 0;
        for (int k = 0; k < chunk; ++k)
            bind(q, pos, done + k);
        if (!q.exec())
            return Error::store(QStringLiteral("%1 failed: %2").arg(QLatin1String(what), q.lastError().text()));
        done += chunk;
    }
    return {};
}

// ---- the C API on Qt's handle -------------------------------------------------

#if LLMSCHED_SQLITE_DIRECT
namespace {
// Whether Qt's SQLite driver calls the libsqlite3 this process links: its
// plugin's own view of sqlite3_bind_int64 must be ours. A plugin with a copy of
// SQLite inside has no such symbol (or another one), and then a handle it made
// must not be touched by our copy.
bool qtUsesOurSqlite()
{
    static const bool same = [] {
        QByteArray plugin;
        dl_iterate_phdr(
            [](dl_phdr_info* info, size_t, void* data) {
                const QByteArray name(info->dlpi_name ? info->dlpi_name : "");
                if (!name.endsWith("/libqsqlite.so"))
                    return 0;
                *static_cast<QByteArray*>(data) = name;
                return 1;
            },
            &plugin);
        if (plugin.isEmpty())
            return false;
        void* handle = dlopen(plugin.constData(), RTLD_LAZY | RTLD_NOLOAD);
        if (!handle)
            return false;
        void* theirs = dlsym(handle, "sqlite3_bind_int64");
        dlclose(handle);
        return theirs && theirs == reinterpret_cast<void*>(&sqlite3_bind_int64);
    }();
    return same;
}

sqlite3_stmt* stmtOf(const DirectSqlite& s)
{
    return static_cast<sqlite3_stmt*>(s.stmt);
}
} // namespace

bool directSqliteBuilt()
{
    return true;
}

std::unique_ptr<DirectStatements> DirectStatements::open(QSqlDatabase& db)
{
    // LLMSCHED_SQLITE_VIA_QT=1: everything through Qt Sql (to compare, or to rule this out).
    if (!db.isOpen() || qEnvironmentVariableIntValue("LLMSCHED_SQLITE_VIA_QT") == 1 || !qtUsesOurSqlite())
        return {};
    const QVariant v = db.driver()->handle();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return {};
    sqlite3* handle = *static_cast<sqlite3* const*>(v.data());
    if (!handle)
        return {};
    return std::unique_ptr<DirectStatements>(new DirectStatements(handle));
}

DirectStatements::DirectStatements(void* db)
    : m_db(db)
{
}

DirectStatements::~DirectStatements()
{
    for (void* st : std::as_const(m_statements))
        sqlite3_finalize(static_cast<sqlite3_stmt*>(st));
    for (void* st : std::as_const(m_keyed))
        sqlite3_finalize(static_cast<sqlite3_stmt*>(st));
}

namespace {
Error directFailure(sqlite3* db, const char* what, const char* step)
{
    return Error::store(QStringLiteral("%1 failed (%2): %3").arg(QLatin1String(what), QLatin1String(step), QString::fromUtf8(sqlite3_errmsg(db))));
}

// A persistent statement for sql, or null (sqlite3_errmsg says why).
sqlite3_stmt* prepareDirect(sqlite3* db, const QString& sql)
{
    sqlite3_stmt* st = nullptr;
    const QByteArray utf8 = sql.toUtf8();
    if (sqlite3_prepare_v3(db, utf8.constData(), static_cast<int>(utf8.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
        return nullptr;
    return st;
}

// Runs a bound statement to its end and makes it ready for the next use
// (bindings cleared: they point into the caller's rows).
bool stepOnce(sqlite3_stmt* st)
{
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE;
}
} // namespace

VoidResult DirectStatements::execOne(
    quint64 key, const std::function<QString()>& sql, const std::function<void(DirectSqlite& s)>& bind, const char* what)
{
    auto* db = static_cast<sqlite3*>(m_db);
    auto it = m_keyed.find(key);
    if (it == m_keyed.end()) {
        sqlite3_stmt* st = prepareDirect(db, sql());
        if (!st)
            return directFailure(db, what, "prepare");
        it = m_keyed.insert(key, st);
    }
    DirectSqlite s { it.value() };
    bind(s);
    if (!stepOnce(stmtOf(s)))
        return directFailure(db, what, "step");
    return {};
}

VoidResult DirectStatements::insertRows(int count, int columns, const QString& prefix, const Bind& bind, const char* what)
{
    // Preparing costs SQLite linear time here (plain "?"), so chunks can be
    // larger than Qt's; 256 rows of 11 columns stay far below SQLite's limit of
    // 32,766 parameters.
    static constexpr int kChunks[] = { 256, 64, 16, 4, 1 };
    auto* db = static_cast<sqlite3*>(m_db);
    int row = 0;
    while (row < count) {
        const int chunk = largestChunk(kChunks, count - row);
        const QString sql = prefix + QStringLiteral(" VALUES ") + valuesPlaceholders(chunk, columns);
        auto it = m_statements.find(sql);
        if (it == m_statements.end()) {
            sqlite3_stmt* st = prepareDirect(db, sql);
            if (!st)
                return directFailure(db, what, "prepare");
            it = m_statements.insert(sql, st);
        }
        DirectSqlite s { it.value() };
        int pos = 1;
        for (int k = 0; k < chunk; ++k)
            bind(s, pos, row + k);
        if (!stepOnce(stmtOf(s)))
            return directFailure(db, what, "step");
        row += chunk;
    }
    return {};
}

void DirectSqlite::bindInt64(int pos, qint64 v)
{
    sqlite3_bind_int64(stmtOf(*this), pos, v);
}

void DirectSqlite::bindNull(int pos)
{
    sqlite3_bind_null(stmtOf(*this), pos);
}

void DirectSqlite::bindText(int pos, const QString& s)
{
    if (s.isNull())
        sqlite3_bind_null(stmtOf(*this), pos);
    else // UTF-16, as Qt binds it; the row outlives the step
        sqlite3_bind_text16(stmtOf(*this), pos, s.utf16(), static_cast<int>(s.size() * 2), SQLITE_STATIC);
}

void DirectSqlite::bindAscii(int pos, const char* data, int size)
{
    sqlite3_bind_text(stmtOf(*this), pos, data, size, SQLITE_TRANSIENT);
}

void DirectSqlite::bindBlob(int pos, const QByteArray& b)
{
    if (b.isNull())
        sqlite3_bind_null(stmtOf(*this), pos);
    else
        sqlite3_bind_blob(stmtOf(*this), pos, b.constData(), static_cast<int>(b.size()), SQLITE_STATIC);
}

void DirectSqlite::bindBlobCopy(int pos, const QByteArray& b)
{
    if (b.isNull())
        sqlite3_bind_null(stmtOf(*this), pos);
    else
        sqlite3_bind_blob(stmtOf(*this), pos, b.constData(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
}

void DirectSqlite::bindDouble(int pos, double v)
{
    sqlite3_bind_double(stmtOf(*this), pos, v);
}
#else
bool directSqliteBuilt()
{
    return false;
}
std::unique_ptr<DirectStatements> DirectStatements::open(QSqlDatabase&)
{
    return {};
}
DirectStatements::DirectStatements(void* db)
    : m_db(db)
{
}
DirectStatements::~DirectStatements() = default;
VoidResult DirectStatements::insertRows(int, int, const QString&, const Bind&, const char*)
{
    return Error::store(QStringLiteral("direct SQLite access is not built in"));
}
VoidResult DirectStatements::execOne(quint64, const std::function<QString()>&, const std::function<void(DirectSqlite&)>&, const char*)
{
    return Error::store(QStringLiteral("direct SQLite access is not built in"));
}
void DirectSqlite::bindInt64(int, qint64) { }
void DirectSqlite::bindNull(int) { }
void DirectSqlite::bindText(int, const QString&) { }
void DirectSqlite::bindAscii(int, const char*, int) { }
void DirectSqlite::bindBlob(int, const QByteArray&) { }
void DirectSqlite::bindBlobCopy(int, const QByteArray&) { }
void DirectSqlite::bindDouble(int, double) { }
#endif

} // namespace llmsched
