#pragma once

#include "core/batchtypes.h"
#include "core/result.h"
#include "core/storetypes.h"
#include "core/task.h"

#include <QFuture>
#include <QHash>
#include <QSet>
#include <QObject>
#include <QTimer>

#include <memory>

namespace llmsched {

class Engine;
class Store;

// Runs the batches of the OpenAI Batch API and Anthropic's Message Batches.
// A batch's lines become ordinary tasks of one group (parent = the batch's
// group id), low priority by default, numbered by an idempotency key per
// line, so a batch cut off while it was being queued (kill -9) is queued
// again after a restart without a line twice. Its life:
//
//   validating -> in_progress -> finalizing -> completed
//   validating -> failed                            (OpenAI: a line is invalid)
//   in_progress -> cancelling -> finalizing -> cancelled   (cancel)
//   in_progress -> finalizing -> expired             (the 24 h window passed:
//                                                      what is left is cancelled)
//
// Progress is read from the store (tasks per state of the group) twice a
// second; when every line has ended, the results are written as files (the
// output and error files of OpenAI, the results of Anthropic). Everything a
// batch is lives in the store: a restarted engine resumes where it stopped.
// Lives on the engine thread; Engine's batch methods call in.
class BatchManager final : public QObject
{
    Q_OBJECT

public:
    BatchManager(Engine& engine, Store& store, qint64 windowMs, int retentionDays, QObject* parent = nullptr);

    // Resumes the batches that had not ended, then keeps them moving.
    void start();
    // Stores a new batch (validating) and answers it; the rest runs on.
    QFuture<Result<BatchRecord>> create(BatchRecord request);
    QFuture<Result<BatchRecord>> cancel(const QString& id);

    static constexpr qint64 kMaxOpenAiLines = 50'000;
    static constexpr qint64 kMaxAnthropicLines = 100'000;
    static constexpr int kPollMs = 500;

private:
    struct Lines; // what validation made of the input
    struct Run
    {
        BatchRecord record;
        std::shared_ptr<Lines> lines; // while lines remain to be queued
        bool submitting = false;
        int inflight = 0; // chunks of lines being queued
        bool stopSubmitting = false; // cancelled or expired while being queued
        bool finalizing = false;
        bool polling = false;
        qint64 lastDone = 0, lastPollMs = 0; // the pace of the lines, for the next poll
    };

    void validate(const QString& id);
    void onParsed(
        const QString& id, QList<TaskSpec> specs, const QList<BatchLineError>& fatal, const QList<BatchLineError>& lineErrors, qint64 lines);
    void submitNext(const QString& id);
    void sendChunk(const QString& id, qsizetype from, qsizetype n);
    void poll();
    void pollOne(const QString& id);
    void cancelRemaining(const QString& id);
    void finalize(const QString& id);
    void finish(const QString& id, const QByteArray& output, const QByteArray& errors, qint64 outputLines, qint64 errorLines);
    void save(const BatchRecord& record);
    void fail(const QString& id, QList<BatchLineError> errors);

    Engine& m_engine;
    Store& m_store;
    QHash<QString, Run> m_runs; // batches that have not ended, by id
    QSet<QString> m_created; // batches created since start(): never resumed
    QTimer m_timer;
    qint64 m_windowMs;
    int m_retentionDays; // 0: files are kept
    qint64 m_lastRetentionMs = 0;
};

} // namespace llmsched
