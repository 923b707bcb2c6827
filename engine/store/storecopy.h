#pragma once

#include "core/result.h"
#include "core/storetypes.h"

namespace llmsched {

// Copies a SQLite store (tasks, their logs, models, endpoints, settings, API
// tokens, the audit log, statistics) into a PostgreSQL database, in one
// transaction: all of it or nothing. The source is migrated to this build's
// schema first (as a start would) and must not be in use; the target is
// created or migrated and must hold no store data unless `replace`, which
// empties it first. Refuses while a node runs on the target. Neither message
// nor report ever holds the target's password.
Result<StoreCopyReport> copySqliteToPostgres(const QString& sqlitePath, const QString& postgresUrl, bool replace);

} // namespace llmsched
