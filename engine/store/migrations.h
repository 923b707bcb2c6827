#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QStringList>

namespace llmsched {

// One numbered schema step. Steps run in order at start-up, each in its own
// transaction, and are never edited once released: a change is a new step.
struct Migration
{
    int version;
    const char* description;
    QStringList statements;
};

// The SQL dialect of a connection: the steps have the same numbers and
// meaning in both, spelled for each (PostgreSQL's INTEGER is 32 bits, so
// times and counts are BIGINT there; SQLite's rowid is a BIGSERIAL).
enum class SqlDialect : quint8 { Sqlite, Postgres };
SqlDialect dialectOf(const QSqlDatabase& db);

const QList<Migration>& migrations(SqlDialect dialect = SqlDialect::Sqlite);
int latestSchemaVersion();

// The version recorded in the database (0 for an empty database).
Result<int> currentSchemaVersion(QSqlDatabase& db);

// Applies every step above the current version. Refuses a database written by
// a newer build, leaving it untouched.
VoidResult migrate(QSqlDatabase& db);

} // namespace llmsched
