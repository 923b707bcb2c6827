#include "sqlitestore.h"

#include "postgresstore.h"

#include "migrations.h"
#include "queries.h"
#include "sqlite.h"

#include "core/logging.h"
#include "core/threadpriority.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPromise>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadStorage>

namespace llmsched {

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options)
{
    if (isPostgresUrl(options.databasePath)) {
        auto store = PostgresStore::open(options);
        if (!store)
            return store.error();
        return std::unique_ptr<Store>(std::move(*store));
    }
    auto store = SqliteStore::open(options);
    if (!store)
        return store.error();
    return std::unique_ptr<Store>(std::move(*store));
}

SqliteStore::SqliteStore(const StoreOptions& options)
    : SqlStore(
        options, options.databasePath, [path = options.databasePath](const QString& name, bool readOnly) { return openSqlite(path, name, readOnly); })
{
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const StoreOptions& options)
{
    std::unique_ptr<SqliteStore> store(new SqliteStore(options));
    const QString path = options.databasePath;
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error::store(QStringLiteral("cannot create the data directory %1").arg(info.absolutePath()));

    // One process per database: a second daemon on the same file would run every task twice.
    store->m_lock = std::make_unique<QLockFile>(path + QStringLiteral(".lock"));
    store->m_lock->setStaleLockTime(0);
    if (!store->m_lock->tryLock(0)) {
        qint64 pid = 0;
        QString host, app;
        store->m_lock->getLockInfo(&pid, &host, &app);
        if (store->m_lock->error() == QLockFile::LockFailedError)
            return Error::store(QStringLiteral("%1 is in use by another process (%2, pid %3 on %4); stop it or choose "
                                               "another data directory")
                                    .arg(path, app.isEmpty() ? QStringLiteral("unknown") : app)
                                    .arg(pid)
                                    .arg(host));
        return Error::store(QStringLiteral("cannot create the lock file %1.lock").arg(path));
    }

    if (auto r = checkSqliteHeader(path); !r)
        return r.error();

    // Look before writing: an existing file is first read with a read-only
    // connection, so a corrupt or newer file is refused without a byte changed.
    if (info.exists() && info.size() > 0) {
        // A read-only connection to a WAL database creates the -wal and -shm
        // files; a file refused here is left as it was found, without them.
        const QString wal = path + QStringLiteral("-wal");
        const QString shm = path + QStringLiteral("-shm");
        const bool hadWal = QFileInfo::exists(wal);
        const bool hadShm = QFileInfo::exists(shm);
        const auto refuse = [&](const Error& e) {
            if (!hadWal && QFileInfo(wal).size() == 0)
                QFile::remove(wal);
            if (!hadShm)
                QFile::remove(shm);
            return e;
        };
        const QString name = QStringLiteral("llmsched-check-%1").arg(reinterpret_cast<quintptr>(store.get()));
        VoidResult checked;
        {
            auto db = openSqlite(path, name, true);
            if (!db)
                return refuse(db.error());
            auto version = currentSchemaVersion(*db);
            if (!version) {
                checked = Error::store(QStringLiteral("%1 cannot be read (the file may be corrupt): %2").arg(path, version.error().message));
            } else if (*version > latestSchemaVersion()) {
                checked = Error::store(QStringLiteral("%1 has schema version %2, newer than this build supports (%3); "
                                                      "use a newer llm-scheduler or another data directory")
                                           .arg(path)
                                           .arg(*version)
                                           .arg(latestSchemaVersion()));
            } else {
                QSqlQuery q(*db);
                if (!q.exec(QStringLiteral("PRAGMA quick_check(1)")) || !q.next() || q.value(0).toString() != QLatin1String("ok")) {
                    // quick_check's answer spans lines ("*** in database main ***\nPage 21: ..."); the message is one.
                    const QString found = q.lastError().isValid() ? q.lastError().text() : q.value(0).toString();
                    checked = Error::store(QStringLiteral("%1 is corrupt (%2); it was left untouched — restore a backup "
                                                          "or move it away")
                                               .arg(path, found.simplified()));
                }
            }
            db->close();
        }
        QSqlDatabase::removeDatabase(name);
        if (!checked)
            return refuse(checked.error());
    }

    if (auto r = store->openAndMigrate(); !r)
        return r.error();
    if (auto r = store->startWriter(); !r)
        return r.error();
    return store;
}

qint64 SqliteStore::sizeBytes() const
{
    const QString p = m_options.databasePath;
    return QFileInfo(p).size() + QFileInfo(p + QStringLiteral("-wal")).size();
}

} // namespace llmsched
