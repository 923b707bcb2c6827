#include "sqlite.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace llmsched {

namespace {
bool isBusy(const QSqlError& e)
{
    const QString code = e.nativeErrorCode();
    return code == QLatin1String("5") || code == QLatin1String("6") || e.text().contains(QLatin1String("locked"));
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
        const QString message = isBusy(e)
            ? QStringLiteral("%1 is locked by another process: %2").arg(path, e.text())
            : QStringLiteral("%1: %2: %3").arg(path, what, e.text());
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connectionName);
        return Error::store(message);
    };
    if (!db.open())
        return fail(QStringLiteral("cannot open"), db.lastError());

    QSqlQuery q(db);
    const QStringList pragmas = readOnly
        ? QStringList { QStringLiteral("PRAGMA query_only = ON"), QStringLiteral("PRAGMA cache_size = -32768") }
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

void clearStatementCache()
{
    t_statements.clear();
}

VoidResult insertRowsChunked(QSqlDatabase& db, int count, int columns, const QString& prefix,
    const std::function<void(QSqlQuery& q, int& pos, int row)>& bind, const char* what)
{
    // Qt turns each "?" into a named placeholder, and SQLite looks names up in a
    // list, so preparing a statement costs the square of its parameters: 256 rows
    // x 20 columns took tens of milliseconds per prepare; 64 rows stay ~1 ms.
    static constexpr int kChunks[] = { 64, 16, 4, 1 };
    int row = 0;
    while (row < count) {
        const int remaining = count - row;
        const int chunk = *std::find_if(std::begin(kChunks), std::end(kChunks), [&](int c) { return c <= remaining; });
        QSqlQuery& q = cachedStatement(db, prefix + QStringLiteral(" VALUES ") + valuesPlaceholders(chunk, columns));
        int pos = 0;
        for (int k = 0; k < chunk; ++k)
            bind(q, pos, row + k);
        if (!q.exec())
            return Error::store(QStringLiteral("%1 failed: %2").arg(QLatin1String(what), q.lastError().text()));
        row += chunk;
    }
    return {};
}

} // namespace llmsched
