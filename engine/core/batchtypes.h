#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace llmsched {

// A file of the Files API (POST /v1/files): batch input, and the output and
// error files of finished batches. Its content is kept in the store, so
// every node of a cluster serves it.
struct StoredFile
{
    QString id; // "file-" + ULID
    QString purpose; // "batch", "batch_output"; internal: "anthropic_batch", "anthropic_batch_results"
    QString filename;
    qint64 bytes = 0;
    qint64 createdMs = 0;
    qint64 expiresMs = 0; // 0: kept until deleted (or the retention setting)

    QJsonObject toJson() const; // OpenAI's File object
};

// What may go wrong with one line of a batch's input, found when it is read.
struct BatchLineError
{
    qint64 line = 0; // 1-based
    QString customId;
    QString code;
    QString message;
    QString param;
};

// A batch of either Batch API. Its lines run as tasks whose parent is
// `group` (a ULID), so the queue view and every task listing can filter them.
struct BatchRecord
{
    QString id; // "batch_" + group (OpenAI), "msgbatch_" + group (Anthropic)
    QString api; // "openai" or "anthropic"
    QString group;
    QString endpoint; // OpenAI: "/v1/chat/completions", "/v1/completions", "/v1/embeddings"
    QString inputFileId;
    QString completionWindow = QStringLiteral("24h");
    // validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled
    QString status = QStringLiteral("validating");
    qint64 createdMs = 0, inProgressMs = 0, finalizingMs = 0, completedMs = 0, failedMs = 0, expiredMs = 0, cancellingMs = 0, cancelledMs = 0,
           expiresMs = 0;
    QString outputFileId, errorFileId;
    QList<BatchLineError> errors; // a failed batch: why (OpenAI); otherwise lines that could not run
    QJsonObject metadata;
    int priority = 8; // of its tasks: low, so interactive calls go first
    // Counts: lines, lines submitted as tasks, and their ends.
    qint64 total = 0, submitted = 0, succeeded = 0, failed = 0, cancelled = 0, expired = 0;
    bool expiring = false; // the window passed: what is left is being cancelled as expired

    bool active() const
    {
        return status == QLatin1String("validating") || status == QLatin1String("in_progress") || status == QLatin1String("finalizing")
            || status == QLatin1String("cancelling");
    }
    QJsonObject toStored() const; // everything, for the store
    static BatchRecord fromStored(const QJsonObject& o);
};

} // namespace llmsched
