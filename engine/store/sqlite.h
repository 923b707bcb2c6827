#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <functional>

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

// Writes `count` rows with multi-row INSERT statements ("<prefix> VALUES (...),(...)")
// of a few fixed chunk sizes (64, 16, 4, 1 rows), prepared once per thread
// (cachedStatement). bind(q, pos, row) binds one row's columns from pos on;
// what names the work in an error.
VoidResult insertRowsChunked(QSqlDatabase& db, int count, int columns, const QString& prefix,
    const std::function<void(QSqlQuery& q, int& pos, int row)>& bind, const char* what);

} // namespace llmsched
