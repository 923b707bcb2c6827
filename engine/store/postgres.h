#pragma once

#include "core/databaseurl.h"
#include "core/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <vector>

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

namespace llmsched {

// A batch of rows as one PostgreSQL statement: each column's values become
// one array literal, bound as one parameter and unnested on the server
// ("... FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), ...)"). Qt's
// driver sends every bound value as a literal of an EXECUTE, which the server
// parses, coerces and plans per statement: 64-row VALUES chunks of 11 columns
// cost 704 of them each; a batch of any size costs one per column here.
// Fill it row by row, in column order, with the binder calls of the store
// writer (integer, real, intOrNull, text, textOrNull, bytes, blobOrNull).
class PgArrays
{
public:
    explicit PgArrays(int columns);
    void integer(qint64 v);
    void real(double v);
    void intOrNull(qint64 v); // 0 is NULL
    void text(const QString& v);
    void textOrNull(const QString& v); // empty is NULL
    void bytes(const QByteArray& utf8);
    void blobOrNull(const QByteArray& utf8); // empty is NULL
    int rows() const { return m_rows; }
    int columns() const { return static_cast<int>(m_columns.size()); }
    // Bytes of text added so far (to keep one statement's parameters small).
    qint64 size() const { return m_size; }
    // The literals, one per column; the builder is empty afterwards.
    QList<QString> take();

private:
    QByteArray& next();
    void null();
    void quoted(const char* data, qsizetype size);
    std::vector<QByteArray> m_columns;
    size_t m_column = 0;
    int m_rows = 0;
    qint64 m_size = 0;
};

// "unnest(CAST(? AS t1[]), CAST(? AS t2[]), ...)" for these column types.
QString pgUnnest(const QList<QLatin1String>& types);

} // namespace llmsched
