#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <QHash>

#include <functional>
#include <memory>

namespace llmsched {

constexpr int kBusyTimeoutMs = 2000;

// Opens a SQLite connection with the engine's settings (WAL, synchronous=NORMAL,
// busy timeout). Errors are phrased for the operator: what is wrong with which file.
Result<QSqlDatabase> openSqlite(const QString& path, const QString& connectionName, bool readOnly);

// Checks that a file that exists is a SQLite database at all, without opening
// it for writing: a corrupt or foreign file is refused and left untouched.
VoidResult checkSqliteHeader(const QString& path);

// "(?,?,?),(?,?,?)" for rows x columns.
QString valuesPlaceholders(int rows, int columns);

// A prepared statement for sql on db, kept for the calling thread and connection:
// for the store writer, whose one connection lives on its thread. Preparing is
// not cheap (see insertRowsChunked), so work that runs often should use this.
// Call clearStatementCache() on that thread before closing the connection.
QSqlQuery& cachedStatement(QSqlDatabase& db, const QString& sql);
void clearStatementCache();
// Drops this thread's cached statements of one connection (before it closes).
void forgetStatements(const QSqlDatabase& db);

// Writes `count` rows with multi-row INSERT statements ("<prefix> VALUES (...),(...)")
// of a few fixed chunk sizes (64, 16, 4, 1 rows), prepared once per thread
// (cachedStatement). bind(q, pos, row) binds one row's columns from pos on;
// what names the work in an error.
VoidResult insertRowsChunked(QSqlDatabase& db, int count, int columns, const QString& prefix,
    const std::function<void(QSqlQuery& q, int& pos, int row)>& bind, const char* what);

// The same for any statement made of repeated rows: head, `count` copies of
// row joined by commas, tail (e.g. UPDATE ... FROM (VALUES ...) AS v WHERE ...).
VoidResult execRowsChunked(QSqlDatabase& db, int count, const QString& head, const QString& row, const QString& tail,
    const std::function<void(QSqlQuery& q, int& pos, int row)>& bind, const char* what);

// SQLite's own API on a Qt connection's handle, for the store writer's hottest
// statement (Qt binds each value through a placeholder name, a QVariant and a
// hash lookup: twice the time SQLite itself spends on a plain task row).
// Only where it is safe: built with LLMSCHED_SQLITE_DIRECT (Linux, the system
// libsqlite3 found) and Qt's SQLite driver using that same library at run time
// (a Qt that bundles its own copy makes this return null, and the Qt path is
// used). Otherwise everything goes through Qt Sql as before.
struct DirectSqlite;
// Whether this build has the direct path at all (tests hold it to its use).
bool directSqliteBuilt();
class DirectStatements
{
public:
    // Null when the direct path is not available for db.
    static std::unique_ptr<DirectStatements> open(QSqlDatabase& db);
    ~DirectStatements(); // finalizes its statements: call before closing db
    DirectStatements(const DirectStatements&) = delete;
    DirectStatements& operator=(const DirectStatements&) = delete;

    // Binder: one row's columns, 1-based positions from pos on.
    using Bind = std::function<void(DirectSqlite& s, int& pos, int row)>;
    // insertRowsChunked through the C API, with larger chunks (no Qt prepare cost).
    VoidResult insertRows(int count, int columns, const QString& prefix, const Bind& bind, const char* what);
    // One statement, prepared once per key (sql() is called only then), bound
    // by bind (1-based positions) and stepped to its end.
    VoidResult execOne(quint64 key, const std::function<QString()>& sql, const std::function<void(DirectSqlite& s)>& bind, const char* what);

private:
    explicit DirectStatements(void* db);
    void* m_db; // sqlite3*
    QHash<QString, void*> m_statements; // sql -> sqlite3_stmt*
    QHash<quint64, void*> m_keyed; // execOne's key -> sqlite3_stmt*
};

// Binding into the statement being filled (for DirectStatements::Bind).
struct DirectSqlite
{
    void* stmt; // sqlite3_stmt*
    void bindInt64(int pos, qint64 v);
    void bindNull(int pos);
    void bindText(int pos, const QString& s); // NULL for a null string, as Qt does
    void bindAscii(int pos, const char* data, int size); // copied
    void bindBlob(int pos, const QByteArray& b); // NULL for a null array, as Qt does
    void bindBlobCopy(int pos, const QByteArray& b); // the same, for bytes that do not outlive the step
    void bindDouble(int pos, double v);
};

} // namespace llmsched
