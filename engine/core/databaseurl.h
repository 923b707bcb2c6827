#pragma once

#include "result.h"

#include <QString>

namespace llmsched {

// Where a PostgreSQL store is: postgresql://user:password@host:port/dbname
// (postgres:// too), with libpq options such as sslmode as query items. The
// password may instead come from LLMSCHED_DATABASE_PASSWORD or PGPASSWORD, so
// it need not be on a command line.
struct PostgresUrl
{
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString database;
    QString connectOptions; // "key=value;..." for QPSQL

    // The URL without the password, for messages and logs.
    QString display() const;
};

bool isPostgresUrl(const QString& s);
// A malformed URL is refused with a message that never repeats its password.
Result<PostgresUrl> parsePostgresUrl(const QString& s);

} // namespace llmsched
