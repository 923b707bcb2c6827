#pragma once

#include "core/batchtypes.h"
#include "core/documents.h"
#include "core/result.h"
#include "core/storetypes.h"

#include <QSqlDatabase>

// The files and batches tables (migration 8), for both back ends. Internal to
// store/, like queries.h.
namespace llmsched::batchdb {

VoidResult putFile(QSqlDatabase& db, const StoredFile& file, const QByteArray& content);
// Newest first; purposes empty: any. after: the id of the last file of the page before.
Result<QList<StoredFile>> files(QSqlDatabase& db, const QStringList& purposes, int limit, const QString& after);
Result<StoredFile> file(QSqlDatabase& db, const QString& id);
Result<QByteArray> fileContent(QSqlDatabase& db, const QString& id);
// NotFound when there is no such file.
VoidResult deleteFile(QSqlDatabase& db, const QString& id);
// Files of these purposes created before beforeMs (retention); answers how many went.
Result<qint64> deleteFilesBefore(QSqlDatabase& db, const QStringList& purposes, qint64 beforeMs);

VoidResult putBatch(QSqlDatabase& db, const BatchRecord& batch);
Result<BatchRecord> batch(QSqlDatabase& db, const QString& id);
// Newest first, of one API (empty: both); after: the id of the last batch of the page before.
Result<QList<BatchRecord>> batches(QSqlDatabase& db, const QString& api, int limit, const QString& after);
Result<QList<BatchRecord>> activeBatches(QSqlDatabase& db);
// The tasks of a group in each state.
Result<FinishedCounts> groupCounts(QSqlDatabase& db, const QString& group);
// The state of every task of a group, by id.
Result<QHash<QString, TaskState>> groupStates(QSqlDatabase& db, const QString& group);

} // namespace llmsched::batchdb

// The documents table (migration 9): workflows and the other workflow
// features' records (core/documents.h).
namespace llmsched::docdb {

// Inserts or replaces; created_at is kept from the first put.
VoidResult putDoc(QSqlDatabase& db, const StoredDoc& doc);
Result<StoredDoc> doc(QSqlDatabase& db, const QString& kind, const QString& id);
Result<QList<StoredDoc>> docs(QSqlDatabase& db, const DocQuery& query);
// Replaces the document only if it is still as it was written at
// expectedUpdatedMs (one node of several wins a schedule's fire); whether it did.
Result<bool> casDoc(QSqlDatabase& db, const StoredDoc& doc, qint64 expectedUpdatedMs);
Result<qint64> deleteDocsBefore(QSqlDatabase& db, const QString& kindPrefix, const QStringList& statuses, qint64 updatedBeforeMs);
// NotFound when there is no such document.
VoidResult deleteDoc(QSqlDatabase& db, const QString& kind, const QString& id);

} // namespace llmsched::docdb
