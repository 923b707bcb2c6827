#include "batchqueries.h"

#include "migrations.h"
#include "queries.h"
#include "sqlite.h"

#include <QJsonDocument>
#include <QSqlQuery>

namespace llmsched::batchdb {

namespace {

const QString kFileColumns = QStringLiteral("id, purpose, filename, bytes, created_at, expires_at");

StoredFile fileFrom(const QSqlQuery& q)
{
    StoredFile f;
    f.id = q.value(0).toString();
    f.purpose = q.value(1).toString();
    f.filename = q.value(2).toString();
    f.bytes = q.value(3).toLongLong();
    f.createdMs = q.value(4).toLongLong();
    f.expiresMs = q.value(5).toLongLong();
    return f;
}

} // namespace

VoidResult putFile(QSqlDatabase& db, const StoredFile& f, const QByteArray& content)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO files (id, purpose, filename, bytes, created_at, expires_at, content) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(f.id);
    q.addBindValue(f.purpose);
    q.addBindValue(f.filename);
    q.addBindValue(f.bytes);
    q.addBindValue(f.createdMs);
    q.addBindValue(f.expiresMs > 0 ? QVariant(f.expiresMs) : QVariant(QMetaType(QMetaType::LongLong)));
    q.addBindValue(content);
    if (!q.exec())
        return queryError(q, QStringLiteral("storing file %1").arg(f.id));
    return {};
}

Result<QList<StoredFile>> files(QSqlDatabase& db, const QStringList& purposes, int limit, const QString& after)
{
    QStringList where;
    QVariantList binds;
    if (!purposes.isEmpty()) {
        where << QStringLiteral("purpose IN %1").arg(valuesPlaceholders(1, static_cast<int>(purposes.size())));
        for (const QString& p : purposes)
            binds << p;
    }
    if (!after.isEmpty()) {
        where << QStringLiteral("(created_at, id) < (SELECT created_at, id FROM files WHERE id = ?)");
        binds << after;
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM files%2 ORDER BY created_at DESC, id DESC LIMIT %3")
                  .arg(kFileColumns, where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND ")))
                  .arg(limit));
    for (const QVariant& b : binds)
        q.addBindValue(b);
    if (!q.exec())
        return queryError(q, QStringLiteral("listing files"));
    QList<StoredFile> out;
    while (q.next())
        out.append(fileFrom(q));
    return out;
}

Result<StoredFile> file(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT %1 FROM files WHERE id = ?").arg(kFileColumns));
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading file %1").arg(id));
    if (!q.next())
        return Error::notFound(QStringLiteral("No such File object: %1").arg(id.left(64)));
    return fileFrom(q);
}

Result<QByteArray> fileContent(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT content FROM files WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading file %1").arg(id));
    if (!q.next())
        return Error::notFound(QStringLiteral("No such File object: %1").arg(id.left(64)));
    return q.value(0).toByteArray();
}

VoidResult deleteFile(QSqlDatabase& db, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM files WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q, QStringLiteral("deleting file %1").arg(id));
    if (q.numRowsAffected() == 0)
        return Error::notFound(QStringLiteral("No such File object: %1").arg(id.left(64)));
    return {};
}

Result<qint64> deleteFilesBefore(QSqlDatabase& db, const QStringList& purposes, qint64 beforeMs)
{
    QSqlQuery q(db);
    q.prepare(
        QStringLiteral("DELETE FROM files WHERE created_at < ? AND purpose IN %1").arg(valuesPlaceholders(1, static_cast<int>(purposes.size()))));
    q.addBindValue(beforeMs);
    for (const QString& p : purposes)
        q.addBindValue(p);
    if (!q.exec())
        return queryError(q, QStringLiteral("deleting old files"));
    return q.numRowsAffected();
}

VoidResult putBatch(QSqlDatabase& db, const BatchRecord& b)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO batches (id, api, status, created_at, doc) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc"));
    q.addBindValue(b.id);
    q.addBindValue(b.api);
    q.addBindValue(b.status);
    q.addBindValue(b.createdMs);
    q.addBindValue(QString::fromUtf8(QJsonDocument(b.toStored()).toJson(QJsonDocument::Compact)));
    if (!q.exec())
        return queryError(q, QStringLiteral("storing batch %1").arg(b.id));
    return {};
}

namespace {
Result<QList<BatchRecord>> batchesWhere(QSqlDatabase& db, const QString& where, const QVariantList& binds, int limit)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT doc FROM batches%1 ORDER BY created_at DESC, id DESC%2")
            .arg(where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where, limit > 0 ? QStringLiteral(" LIMIT %1").arg(limit) : QString()));
    for (const QVariant& b : binds)
        q.addBindValue(b);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading batches"));
    QList<BatchRecord> out;
    while (q.next())
        out.append(BatchRecord::fromStored(QJsonDocument::fromJson(q.value(0).toByteArray()).object()));
    return out;
}
} // namespace

Result<BatchRecord> batch(QSqlDatabase& db, const QString& id)
{
    auto found = batchesWhere(db, QStringLiteral("id = ?"), { id }, 1);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return Error::notFound(QStringLiteral("No batch found with id '%1'.").arg(id.left(64)));
    return found->constFirst();
}

Result<QList<BatchRecord>> batches(QSqlDatabase& db, const QString& api, int limit, const QString& after)
{
    QStringList where;
    QVariantList binds;
    if (!api.isEmpty()) {
        where << QStringLiteral("api = ?");
        binds << api;
    }
    if (!after.isEmpty()) {
        where << QStringLiteral("(created_at, id) < (SELECT created_at, id FROM batches WHERE id = ?)");
        binds << after;
    }
    return batchesWhere(db, where.join(QStringLiteral(" AND ")), binds, limit);
}

Result<QList<BatchRecord>> activeBatches(QSqlDatabase& db)
{
    return batchesWhere(db, QStringLiteral("status IN ('validating', 'in_progress', 'finalizing', 'cancelling')"), {}, 0);
}

Result<FinishedCounts> groupCounts(QSqlDatabase& db, const QString& group)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT state, count(*) FROM tasks WHERE parent = ? GROUP BY state"));
    q.addBindValue(group);
    if (!q.exec())
        return queryError(q, QStringLiteral("counting the tasks of group %1").arg(group));
    FinishedCounts counts {};
    while (q.next()) {
        const int state = q.value(0).toInt();
        if (state >= 0 && state < kTaskStateCount)
            counts[static_cast<size_t>(state)] = q.value(1).toLongLong();
    }
    return counts;
}

Result<QHash<QString, TaskState>> groupStates(QSqlDatabase& db, const QString& group)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, state FROM tasks WHERE parent = ?"));
    q.addBindValue(group);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading the tasks of group %1").arg(group));
    QHash<QString, TaskState> states;
    while (q.next()) {
        const int state = q.value(1).toInt();
        if (state >= 0 && state < kTaskStateCount)
            states.insert(q.value(0).toString(), static_cast<TaskState>(state));
    }
    return states;
}

} // namespace llmsched::batchdb

namespace llmsched::docdb {

namespace {
// Inserts d; onConflict says what an existing row of the same kind and id gets.
bool insertDoc(QSqlQuery& q, const StoredDoc& d, QLatin1String onConflict)
{
    q.prepare(QStringLiteral("INSERT INTO documents (kind, id, status, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT (kind, id) ")
        + onConflict);
    q.addBindValue(d.kind);
    q.addBindValue(d.id);
    q.addBindValue(d.status);
    q.addBindValue(d.createdMs);
    q.addBindValue(d.updatedMs);
    q.addBindValue(QString::fromUtf8(QJsonDocument(d.doc).toJson(QJsonDocument::Compact)));
    return q.exec();
}
} // namespace

VoidResult putDoc(QSqlDatabase& db, const StoredDoc& d)
{
    QSqlQuery q(db);
    if (!insertDoc(q, d, QLatin1String("DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, doc = excluded.doc")))
        return queryError(q, QStringLiteral("storing %1 %2").arg(d.kind, d.id));
    return {};
}

namespace {
Result<QList<StoredDoc>> docsWhere(QSqlDatabase& db, const QString& where, const QVariantList& binds, int limit)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT kind, id, status, created_at, updated_at, doc FROM documents WHERE %1 ORDER BY created_at DESC, id DESC%2")
                  .arg(where, limit > 0 ? QStringLiteral(" LIMIT %1").arg(limit) : QString()));
    for (const QVariant& b : binds)
        q.addBindValue(b);
    if (!q.exec())
        return queryError(q, QStringLiteral("reading documents"));
    QList<StoredDoc> out;
    while (q.next()) {
        StoredDoc d;
        d.kind = q.value(0).toString();
        d.id = q.value(1).toString();
        d.status = q.value(2).toString();
        d.createdMs = q.value(3).toLongLong();
        d.updatedMs = q.value(4).toLongLong();
        d.doc = QJsonDocument::fromJson(q.value(5).toByteArray()).object();
        out.append(std::move(d));
    }
    return out;
}
} // namespace

Result<StoredDoc> doc(QSqlDatabase& db, const QString& kind, const QString& id)
{
    auto found = docsWhere(db, QStringLiteral("kind = ? AND id = ?"), { kind, id }, 1);
    if (!found)
        return found.error();
    if (found->isEmpty())
        return Error::notFound(QStringLiteral("no %1 '%2'").arg(kind, id.left(64)));
    return found->constFirst();
}

Result<QList<StoredDoc>> docs(QSqlDatabase& db, const DocQuery& query)
{
    QString where = QStringLiteral("kind = ?");
    QVariantList binds { query.kind };
    if (!query.statuses.isEmpty()) {
        where += QStringLiteral(" AND status IN %1").arg(valuesPlaceholders(1, static_cast<int>(query.statuses.size())));
        for (const QString& s : query.statuses)
            binds << s;
    }
    if (!query.after.isEmpty()) {
        where += QStringLiteral(" AND (created_at, id) < (SELECT created_at, id FROM documents WHERE kind = ? AND id = ?)");
        binds << query.kind << query.after;
    }
    return docsWhere(db, where, binds, query.limit);
}

Result<bool> casDoc(QSqlDatabase& db, const StoredDoc& d, qint64 expectedUpdatedMs)
{
    QSqlQuery q(db);
    if (expectedUpdatedMs < 0) {
        if (!insertDoc(q, d, QLatin1String("DO NOTHING")))
            return queryError(q, QStringLiteral("storing %1 %2").arg(d.kind, d.id));
        return q.numRowsAffected() == 1;
    }
    q.prepare(QStringLiteral("UPDATE documents SET status = ?, updated_at = ?, doc = ? WHERE kind = ? AND id = ? AND updated_at = ?"));
    q.addBindValue(d.status);
    q.addBindValue(d.updatedMs);
    q.addBindValue(QString::fromUtf8(QJsonDocument(d.doc).toJson(QJsonDocument::Compact)));
    q.addBindValue(d.kind);
    q.addBindValue(d.id);
    q.addBindValue(expectedUpdatedMs);
    if (!q.exec())
        return queryError(q, QStringLiteral("storing %1 %2").arg(d.kind, d.id));
    return q.numRowsAffected() == 1;
}

Result<qint64> deleteDocsBefore(QSqlDatabase& db, const QString& kindPrefix, const QStringList& statuses, qint64 updatedBeforeMs)
{
    if (kindPrefix.isEmpty() || statuses.isEmpty())
        return qint64(0);
    // The prefix as a key range, which the primary key's index serves. In
    // byte order: PostgreSQL's default collation may ignore punctuation.
    QString upper = kindPrefix;
    upper.back() = QChar(upper.back().unicode() + 1);
    const QLatin1String kind = dialectOf(db) == SqlDialect::Postgres ? QLatin1String("kind COLLATE \"C\"") : QLatin1String("kind");
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM documents WHERE %1 >= ? AND %1 < ? AND updated_at < ? AND status IN %2")
                  .arg(kind, valuesPlaceholders(1, static_cast<int>(statuses.size()))));
    q.addBindValue(kindPrefix);
    q.addBindValue(upper);
    q.addBindValue(updatedBeforeMs);
    for (const QString& s : statuses)
        q.addBindValue(s);
    if (!q.exec())
        return queryError(q, QStringLiteral("deleting old %1 documents").arg(kindPrefix));
    return q.numRowsAffected();
}

VoidResult deleteDoc(QSqlDatabase& db, const QString& kind, const QString& id)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM documents WHERE kind = ? AND id = ?"));
    q.addBindValue(kind);
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q, QStringLiteral("deleting %1 %2").arg(kind, id));
    if (q.numRowsAffected() == 0)
        return Error::notFound(QStringLiteral("no %1 '%2'").arg(kind, id.left(64)));
    return {};
}

} // namespace llmsched::docdb
