#pragma once

#include "core/databaseurl.h"
#include "core/result.h"

#include <QSqlDatabase>
#include <QString>

namespace llmsched {

// Opens a connection of that name on the calling thread. A failure names the
// server, the database and the user, never the password.
Result<QSqlDatabase> openPostgres(const PostgresUrl& url, const QString& connectionName);

// After a failed statement: whether the connection died under it (a server
// restart, a cut network) and has been opened again, so the work may be
// retried. False when it still answers (the failure was the statement's) or
// cannot be reopened yet.
bool reconnectedPostgres(QSqlDatabase& db);

} // namespace llmsched
