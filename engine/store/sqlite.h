#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QString>

namespace llmsched {

constexpr int kBusyTimeoutMs = 2000;

// Opens a SQLite connection with the engine's settings (WAL, synchronous=NORMAL,
// busy timeout). Errors are phrased for the operator: what is wrong with which file.
Result<QSqlDatabase> openSqlite(const QString& path, const QString& connectionName, bool readOnly);

// Checks that a file that exists is a SQLite database at all, without opening
// it for writing: a corrupt or foreign file is refused and left untouched.
VoidResult checkSqliteHeader(const QString& path);

} // namespace llmsched
