// Opening the store: refusals leave the file untouched and say why.

#include "enginetestutil.h"

#include "core/timeutil.h"

#include "store/migrations.h"
#include "store/store.h"
#include "store/storewriter.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QtTest>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

using namespace llmsched;
using namespace testutil;

namespace {
QByteArray fileHash(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

QString startError(const QString& dir)
{
    EngineOptions o;
    o.dataDir = dir;
    Engine e(o);
    const VoidResult r = e.start();
    return r ? QString() : r.error().message;
}

// One minute of model m whose attempts took these many seconds.
MinuteStats minuteOf(qint64 minuteMs, const QList<double>& seconds)
{
    MinuteStats m;
    m.minuteMs = minuteMs;
    m.model = QStringLiteral("m");
    m.counters.succeeded = seconds.size();
    for (double s : seconds)
        m.latency.record(s);
    return m;
}

// The stored minutes of model m in [fromMs, fromMs + 1 min).
QList<MinuteStats> storedMinute(Store& store, qint64 fromMs)
{
    const auto rows = await(store.statsMinutes({ fromMs, fromMs + 60'000, QStringLiteral("m") }));
    if (!rows) {
        qWarning() << rows.error().message;
        return {};
    }
    return *rows;
}

// Creates a store with a few tasks and closes it cleanly.
void makeStore(const QString& dir, int tasks)
{
    EngineFixture f(dir);
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.paused = true;
    QVERIFY(f.addModel(m));
    QList<TaskSpec> specs;
    for (int i = 0; i < tasks; ++i)
        specs.append(spec(m.name, i % 10, QStringLiteral("some text to fill pages %1").arg(i).repeated(8)));
    QCOMPARE(f.submit(specs).size(), tasks);
}
} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private slots:
    void freshStoreIsMigrated();
    void reopenKeepsTasks();
    void garbageFileIsRefusedUntouched();
    void corruptPagesAreRefusedUntouched();
    void truncatedFileIsRefusedUntouched();
    void newerSchemaIsRefusedUntouched();
    void secondEngineOnSameStoreIsRefused();
    void callsDuringShutdownAreAnsweredOrRefused();
    void commitFailureBacksOffPausesAndRecovers();
    void storeLockedByAnotherProgramIsRefused();
    void fullDiskAndForeignLockAreNamed();
    void checkpointsKeepTheWalBounded();
    void rowsBoundDirectlyMatchQtsRows();
    void heldWritesCommitTogether();
    void updatesAndLogsBoundDirectlyMatchQts();
    void storedMinutesKeepTheSlowestCall();
    void minutesStoredBeforeMigration3StillRead();
    void failedStatisticsWriteIsLogged();
};

// Nobody waits for a rollup: when its write fails (here the slot table is
// gone), the log says so, and the minutes of that write roll back with it.
void TestStore::failedStatisticsWriteIsLogged()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    auto store = Store::open({ path, QStringLiteral("node"), 1 });
    QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
    {
        RawConnection raw(path);
        QVERIFY(raw.isOpen());
        QVERIFY(raw.exec(QStringLiteral("DROP TABLE stats_slot")));
    }
    const qint64 minute = 1'700'000'040'000;
    MinuteStats slot = minuteOf(minute, { 0.5 });
    slot.spanMs = kStatsSlotMs;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^statistics not written: writing statistics")));
    (*store)->addStatsMinutes({ minuteOf(minute, { 0.5 }), slot });
    QVERIFY((*store)->flush());
    QVERIFY(storedMinute(**store, minute).isEmpty());
}

// Issue 18: 8 calls whose slowest took 1.1 s read p99 2.48 s. Live
// histograms know their slowest call; a stored minute keeps it too (migration
// 3), so the Statistics view's history reads the same.
void TestStore::storedMinutesKeepTheSlowestCall()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    const qint64 minute = 1'700'000'040'000;
    {
        auto store = Store::open({ path, QStringLiteral("node"), 1 });
        QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
        (*store)->addStatsMinutes({ minuteOf(minute, { 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.1 }) });
        QVERIFY((*store)->flush());
        const QList<MinuteStats> rows = storedMinute(**store, minute);
        QCOMPARE(rows.size(), 1);
        const Histogram& h = rows.constFirst().latency;
        QCOMPARE(h.count(), qint64(8));
        QVERIFY2(h.quantile(0.99) <= 1.1, qPrintable(QString::number(h.quantile(0.99))));
        QVERIFY(h.observedRange());
        QCOMPARE(h.observedRange()->low, 1.05);
        QCOMPARE(h.observedRange()->high, 1.1);

        // The same minute written again (a restart within it): the fastest of
        // both fastest and the slowest of both slowest calls.
        (*store)->addStatsMinutes({ minuteOf(minute, { 0.2, 1.3 }) });
        QVERIFY((*store)->flush());
        const Histogram merged = storedMinute(**store, minute).value(0).latency;
        QCOMPARE(merged.count(), qint64(10));
        QVERIFY(merged.observedRange());
        QCOMPARE(merged.observedRange()->low, 0.2);
        QCOMPARE(merged.observedRange()->high, 1.3);
        QVERIFY(merged.quantile(0.99) <= 1.3);

        // A minute without attempts stores no extremes.
        (*store)->addStatsMinutes({ minuteOf(minute + 60'000, {}) });
        QVERIFY((*store)->flush());
    }
    RawConnection raw(path);
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT latency_min_ms FROM stats_minute WHERE minute = %1").arg(minute)).toDouble(), 200.0);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT latency_max_ms FROM stats_minute WHERE minute = %1").arg(minute)).toDouble(), 1300.0);
    QVERIFY(raw.scalar(QStringLiteral("SELECT latency_max_ms FROM stats_minute WHERE minute = %1").arg(minute + 60'000)).isNull());
}

// A store written before migration 3 opens, gains the columns, and its
// minutes read as before: percentiles bounded by the sum, as they were.
void TestStore::minutesStoredBeforeMigration3StillRead()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    const qint64 minute = 1'700'000'040'000;
    Histogram old;
    for (double v : { 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.1 })
        old.record(v);
    {
        RawConnection raw(path);
        QVERIFY(raw.isOpen());
        for (const Migration& m : migrations()) {
            if (m.version > 2)
                break;
            for (const QString& sql : m.statements)
                QVERIFY2(raw.exec(sql), qPrintable(sql));
            QVERIFY(raw.exec(QStringLiteral("INSERT INTO schema_version VALUES (%1, 'old', 0)").arg(m.version)));
        }
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO stats_minute (minute, model, succeeded, latency_count, latency_sum_ms, latency_buckets) "
                                        "VALUES (%1, 'm', 8, 8, %2, '%3')")
                             .arg(minute)
                             .arg(old.sum() * 1000.0, 0, 'g', 17)
                             .arg(QString::fromUtf8(QJsonDocument(old.toJson()).toJson(QJsonDocument::Compact)))));
    }
    auto store = Store::open({ path, QStringLiteral("node"), 1 });
    QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
    const Histogram stored = storedMinute(**store, minute).value(0).latency;
    QCOMPARE(stored.count(), qint64(8));
    QVERIFY(!stored.observedRange());
    QVERIFY(stored.quantile(0.99) <= 1.45 + 1e-9); // the bound from the sum, as before
    QVERIFY(stored.quantile(0.99) > 1.1); // (and no better: the slowest call is not known)

    // Added to, it still does not know the old calls' slowest: no extremes stored.
    (*store)->addStatsMinutes({ minuteOf(minute, { 0.2 }) });
    QVERIFY((*store)->flush());
    const Histogram merged = storedMinute(**store, minute).value(0).latency;
    QCOMPARE(merged.count(), qint64(9));
    QVERIFY(!merged.observedRange());
    store->reset();
    RawConnection raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT max(version) FROM schema_version")).toInt(), latestSchemaVersion());
    QVERIFY(raw.scalar(QStringLiteral("SELECT latency_min_ms FROM stats_minute WHERE minute = %1").arg(minute)).isNull());
    QVERIFY(raw.scalar(QStringLiteral("SELECT latency_max_ms FROM stats_minute WHERE minute = %1").arg(minute)).isNull());
}

void TestStore::freshStoreIsMigrated()
{
    QTemporaryDir dir;
    EngineFixture f(dir.path());
    QVERIFY(f.start());
    f.stop();
    RawConnection raw(f.dbPath());
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT max(version) FROM schema_version")).toInt(), latestSchemaVersion());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    for (const char* table : { "models", "endpoints", "tasks", "task_logs", "stats_minute", "schema_version" }) {
        const QVariant n
            = raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%1'").arg(QLatin1String(table)));
        QVERIFY2(n.toInt() == 1, table);
    }
}

void TestStore::reopenKeepsTasks()
{
    QTemporaryDir dir;
    makeStore(dir.path(), 50);
    EngineFixture f(dir.path());
    QVERIFY(f.start());
    QCOMPARE(f.engine->models().size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(f.engine->snapshot()->models.value(0).states[static_cast<int>(TaskState::Queued)], qint64(50), 5000);
    QVERIFY(await(f.engine->setModelPaused(QStringLiteral("m"), false)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(f.countFinal(), qint64(50), 10000);
}

void TestStore::garbageFileIsRefusedUntouched()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray junk(8192, 'x');
        f.write("this is not a database\n" + junk);
    }
    const QByteArray before = fileHash(path);
    const QString error = startError(dir.path());
    QVERIFY2(error.contains(QLatin1String("not an SQLite database")), qPrintable(error));
    QVERIFY(error.contains(path));
    QCOMPARE(fileHash(path), before);
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
}

void TestStore::corruptPagesAreRefusedUntouched()
{
    QTemporaryDir dir;
    makeStore(dir.path(), 400);
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")) || QFileInfo(path + QStringLiteral("-wal")).size() == 0);
    {
        // Scribble over b-tree pages in the middle of the file; the header stays valid.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 16 * 4096);
        for (qint64 page = 2; page < f.size() / 4096; page += 3) {
            f.seek(page * 4096);
            f.write(QByteArray(64, '\xA5'));
        }
    }
    const QByteArray before = fileHash(path);
    const QString error = startError(dir.path());
    QVERIFY2(error.contains(QLatin1String("corrupt")), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error)); // quick_check answers in lines; the message is one
    QCOMPARE(fileHash(path), before);
    // Nor does the check leave the -wal and -shm files its read-only connection made.
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(path + QStringLiteral("-shm")));
}

void TestStore::truncatedFileIsRefusedUntouched()
{
    QTemporaryDir dir;
    makeStore(dir.path(), 400);
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    {
        QFile f(path); // the header is intact, half of the pages are gone
        QVERIFY(f.resize(f.size() / 2));
    }
    const QByteArray before = fileHash(path);
    const QString error = startError(dir.path());
    // Before: "<path>: PRAGMA cache_size = -32768: database disk image is malformed Unable to execute statement"
    QVERIFY2(error.contains(QLatin1String("is corrupt")), qPrintable(error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("left untouched")), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1String("PRAGMA")), qPrintable(error));
    QCOMPARE(fileHash(path), before);
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(path + QStringLiteral("-shm")));
}

void TestStore::newerSchemaIsRefusedUntouched()
{
    QTemporaryDir dir;
    makeStore(dir.path(), 1);
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    {
        RawConnection raw(path);
        QVERIFY(raw.isOpen());
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO schema_version VALUES (999, 'from the future', 0)")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
    }
    const QByteArray before = fileHash(path);
    const QString error = startError(dir.path());
    QVERIFY2(error.contains(QLatin1String("newer than this build")), qPrintable(error));
    QCOMPARE(fileHash(path), before);
}

void TestStore::secondEngineOnSameStoreIsRefused()
{
    QTemporaryDir dir;
    EngineFixture first(dir.path());
    QVERIFY(first.start());
    QVERIFY(first.addModel(simModel(QStringLiteral("m"))));
    const QString error = startError(dir.path());
    QVERIFY2(error.contains(QLatin1String("in use by another process")), qPrintable(error));
    // The first one is unaffected.
    const Ulid id = first.submitOne(spec(QStringLiteral("m")));
    QTRY_COMPARE_WITH_TIMEOUT(first.lastState(id), TaskState::Succeeded, 5000);
}

void TestStore::storeLockedByAnotherProgramIsRefused()
{
    QTemporaryDir dir;
    makeStore(dir.path(), 1);
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    // Another program (not ours, so no lock file) holds an exclusive lock.
    {
        RawConnection other(path);
        QVERIFY(other.isOpen());
        QVERIFY(other.exec(QStringLiteral("PRAGMA journal_mode = DELETE")));
        QVERIFY(other.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        QVERIFY(other.exec(QStringLiteral("UPDATE tasks SET priority = priority")));
        const QString error = startError(dir.path());
        QVERIFY2(error.contains(QLatin1String("locked")), qPrintable(error));
        QVERIFY(other.exec(QStringLiteral("ROLLBACK")));
    }
    // Once released, it opens.
    QCOMPARE(startError(dir.path()), QString());
}

// The two write failures an operator can act on are named as such: a full disk
// (here the writer's connection may not grow the file, PRAGMA max_page_count:
// SQLite's own SQLITE_FULL, as from a full file system) and another program
// holding the write lock. The message reaches REST clients (503), /health and
// the notification; writes succeed again once the cause is gone.
void TestStore::fullDiskAndForeignLockAreNamed()
{
    QTemporaryDir dir;
    {
        EngineFixture f(dir.path());
        QVERIFY(f.start()); // creates and migrates the file
    }
    const QString path = dir.filePath(QStringLiteral("llm-scheduler.db"));
    StoreWriter writer(path);
    QVERIFY(writer.startWriter().ok());
    qint64 seq = 0;
    const auto insert = [&](int count) {
        std::vector<NewTaskRow> rows;
        for (int i = 0; i < count; ++i) {
            NewTaskRow r;
            r.seq = ++seq;
            r.id = UlidGenerator::next(1'700'000'000'000 + seq);
            r.spec.model = QStringLiteral("m");
            r.spec.kind = TaskKind::Chat;
            r.spec.input = QByteArray(2000, 'x');
            r.state = TaskState::Queued;
            r.maxAttempts = 3;
            r.timeoutMs = 60'000;
            r.createdMs = 1'700'000'000'000 + seq;
            r.queuedMs = r.createdMs;
            rows.push_back(std::move(r));
        }
        auto status = std::make_shared<VoidResult>(Error::store(QStringLiteral("not answered")));
        writer.insertTasks(std::move(rows), [status](std::vector<NewTaskRow>, InsertOutcome o) { *status = o.status; });
        writer.flush(); // fails with the batch when the insert does; the insert's answer is what counts
        return *status;
    };
    const auto pragma = [&](const QString& sql) {
        writer.exec([sql](QSqlDatabase& db) {
            QSqlQuery q(db);
            return q.exec(sql) ? VoidResult {} : VoidResult(Error::store(q.lastError().text()));
        });
        return writer.flush(); // a batch applies its inserts before its other work
    };
    QVERIFY(insert(10).ok());

    QVERIFY(pragma(QStringLiteral("PRAGMA max_page_count = 1")).ok()); // raised to the current size: the file may not grow
    const VoidResult full = insert(50);
    QVERIFY(!full);
    QCOMPARE(full.error().code, ErrorCode::StoreError);
    // Before: "commit failed: database or disk is full Unable to commit transaction" (or "inserting tasks failed ...")
    QVERIFY2(full.error().message.startsWith(QLatin1String("the disk holding the database is full (")), qPrintable(full.error().message));
    QVERIFY2(full.error().message.contains(QLatin1String("KiB free")), qPrintable(full.error().message));
    QVERIFY(pragma(QStringLiteral("PRAGMA max_page_count = 1073741823")).ok());
    QVERIFY(insert(50).ok());

    {
        RawConnection other(path); // another program, in the middle of a write transaction
        QVERIFY(other.isOpen());
        QVERIFY(other.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        const VoidResult locked = insert(1); // after the writer's busy timeout
        QVERIFY(!locked);
        QCOMPARE(locked.error().code, ErrorCode::StoreError);
        QVERIFY2(locked.error().message.startsWith(QLatin1String("the database is locked by another program (")), qPrintable(locked.error().message));
        QVERIFY(other.exec(QStringLiteral("ROLLBACK")));
    }
    QVERIFY(insert(1).ok());
    writer.stopWriter();

    RawConnection raw(path);
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toInt(), 10 + 50 + 1); // nothing refused was stored
}

// What is queued between hold() and release() commits in one pass (a facade
// call's row and its attempt's start), and the writer never sleeps through
// work queued meanwhile, also while another thread keeps waking it.
void TestStore::heldWritesCommitTogether()
{
    QTemporaryDir dir;
    {
        EngineFixture f(dir.path());
        QVERIFY(f.start()); // creates and migrates the file
    }
    StoreWriter writer(dir.filePath(QStringLiteral("llm-scheduler.db")));
    std::mutex mutex;
    QList<quint64> committed; // the last ticket of each pass, in order
    writer.setStatusListener([&](const WriterStatus& s) {
        std::lock_guard lock(mutex);
        if (s.committedTicket > 0)
            committed.append(s.committedTicket);
    });
    QVERIFY(writer.startWriter().ok());
    const auto noop = [](QSqlDatabase&) { return VoidResult {}; };

    std::atomic<bool> stop { false };
    std::thread waker([&] { // others' writes wake the writer at any moment (one at a time: bounded)
        while (!stop) {
            auto done = std::make_shared<std::promise<void>>();
            auto committedOrRefused = done->get_future();
            writer.exec(noop, [done](const VoidResult&) { done->set_value(); });
            if (committedOrRefused.wait_for(std::chrono::seconds(20)) != std::future_status::ready)
                break; // the writer stalled (and stopped): the main loop says so
        }
    });
    QList<std::pair<quint64, quint64>> pairs;
    bool allFlushed = true;
    for (int i = 0; i < 1000 && allFlushed; ++i) {
        writer.hold();
        const quint64 first = writer.exec(noop);
        const quint64 second = writer.exec(noop);
        writer.release();
        pairs.append({ first, second });
        auto flushed = std::async(std::launch::async, [&writer] { return writer.flush(); });
        allFlushed = flushed.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
        if (!allFlushed)
            writer.stopWriter(); // wakes it: the flushes end, and the test with them
    }
    stop = true;
    waker.join();
    QVERIFY2(allFlushed, "the writer slept with work queued");
    writer.stopWriter();

    std::lock_guard lock(mutex);
    for (const auto& [first, second] : pairs)
        for (quint64 c : committed)
            QVERIFY2(c < first || c >= second, qPrintable(QStringLiteral("a pass ended at %1, between %2 and %3").arg(c).arg(first).arg(second)));
}

void TestStore::rowsBoundDirectlyMatchQtsRows()
{
    // Plain task rows go through SQLite's C API where the build has it (the
    // Debian build does); rows with optional columns through Qt Sql. Both must
    // store the same values with the same storage classes, whatever the chunking.
    QTemporaryDir dir;
    {
        EngineFixture f(dir.path());
        QVERIFY(f.start()); // creates and migrates the file
    }
    const QString path = dir.path() + QStringLiteral("/llm-scheduler.db");
    StoreWriter writer(path);
    QVERIFY(writer.startWriter().ok());
    QCOMPARE(writer.bindsDirectly(), directSqliteBuilt());

    std::vector<NewTaskRow> rows;
    const int plainRows = 300; // chunks of 256, 16, 16, 4, 4, 4
    for (int i = 0; i <= plainRows; ++i) {
        NewTaskRow r;
        r.seq = i + 1;
        r.id = UlidGenerator::next(1'700'000'000'000 + i);
        r.spec.model = QStringLiteral("m\u00e9"); // not only ASCII
        r.spec.kind = TaskKind::Chat;
        r.spec.priority = i % 10;
        r.spec.input = QByteArray("{\"n\":") + QByteArray::number(i) + '}';
        r.state = i % 2 ? TaskState::Scheduled : TaskState::Queued;
        r.maxAttempts = 3;
        r.timeoutMs = 60'000;
        r.createdMs = 1'700'000'000'000 + i;
        r.queuedMs = r.state == TaskState::Queued ? r.createdMs : 0;
        if (i == plainRows) {
            r.spec.tags = { QStringLiteral("qt-path") }; // an optional column: bound by Qt
            r.state = TaskState::Queued;
            r.queuedMs = r.createdMs;
        }
        rows.push_back(std::move(r));
    }
    std::vector<NewTaskRow> expected = rows;
    bool stored = false;
    writer.insertTasks(std::move(rows), [&stored](std::vector<NewTaskRow>, InsertOutcome o) { stored = o.status.ok(); });
    QVERIFY(writer.flush().ok());
    QVERIFY(stored);
    writer.stopWriter();

    RawConnection raw(path);
    QVERIFY(raw.isOpen());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toInt(), plainRows + 1);
    const QString classes = QStringLiteral(
        "SELECT typeof(seq) || typeof(id) || typeof(model) || typeof(kind) || typeof(state) || typeof(priority) || typeof(max_attempts) "
        "|| typeof(timeout_ms) || typeof(input) || typeof(created_at) FROM tasks WHERE seq = %1");
    const QString qtRow = raw.scalar(classes.arg(plainRows + 1)).toString();
    QCOMPARE(qtRow, QStringLiteral("integertexttextintegerintegerintegerintegerintegerblobinteger"));
    for (const NewTaskRow& r : expected) {
        QCOMPARE(raw.scalar(classes.arg(r.seq)).toString(), qtRow);
        const QString where = QStringLiteral(" FROM tasks WHERE seq = %1").arg(r.seq);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT id") + where).toString(), r.id.toString());
        QCOMPARE(raw.scalar(QStringLiteral("SELECT model") + where).toString(), r.spec.model);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT input") + where).toByteArray(), r.spec.input);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT priority") + where).toInt(), r.spec.priority);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT state") + where).toInt(), static_cast<int>(r.state));
        const QVariant queued = raw.scalar(QStringLiteral("SELECT queued_at") + where);
        if (r.queuedMs == 0)
            QVERIFY(queued.isNull());
        else
            QCOMPARE(queued.toLongLong(), r.queuedMs);
    }
}

// Task updates and log rows go through SQLite's C API too (a task costs two
// updates since its attempt commits before its call). The same writes through
// that path and through Qt Sql (LLMSCHED_SQLITE_VIA_QT=1) leave the same rows,
// value for value and storage class for storage class.
void TestStore::updatesAndLogsBoundDirectlyMatchQts()
{
    QList<Ulid> ids; // the same in both files
    for (int i = 0; i < 4; ++i)
        ids.append(UlidGenerator::next(1'700'000'000'000 + i));
    const auto writeAll = [&ids](const QString& dirPath, bool viaQt) -> QString {
        {
            EngineFixture f(dirPath);
            if (!f.start())
                return QStringLiteral("cannot start");
        }
        const QString path = dirPath + QStringLiteral("/llm-scheduler.db");
        if (viaQt)
            qputenv("LLMSCHED_SQLITE_VIA_QT", "1");
        StoreWriter writer(path);
        const bool started = writer.startWriter().ok();
        qunsetenv("LLMSCHED_SQLITE_VIA_QT");
        if (!started)
            return QStringLiteral("cannot start the writer");
        if (writer.bindsDirectly() != (!viaQt && directSqliteBuilt()))
            return QStringLiteral("bound through the wrong path");
        std::vector<NewTaskRow> rows;
        for (int i = 0; i < 4; ++i) {
            NewTaskRow r;
            r.seq = i + 1;
            r.id = ids.at(i);
            r.spec.model = QStringLiteral("m");
            r.spec.input = QByteArrayLiteral("{}");
            r.maxAttempts = 3;
            r.timeoutMs = 1000;
            r.createdMs = r.queuedMs = 1'700'000'000'000 + i;
            rows.push_back(std::move(r));
        }
        writer.insertTasks(std::move(rows), {});
        // Every column an update can set, set and cleared; in one batch and across batches.
        TaskUpdate begin;
        begin.seq = 1;
        begin.fields = TaskUpdate::State | TaskUpdate::Attempts | TaskUpdate::StartedAt | TaskUpdate::Endpoint | TaskUpdate::Lease;
        begin.state = TaskState::Running;
        begin.attempts = 1;
        begin.startedMs = 1'700'000'000'500;
        begin.endpoint = QStringLiteral("\u00e9p-1"); // not only ASCII
        begin.leaseNode = QStringLiteral("node-a");
        TaskLogRow startedLog { 1, { 1'700'000'000'500, LogLevel::Info, QStringLiteral("attempt 1 started on \u00e9p-1"), {} } };
        writer.updateWithLog(begin, startedLog);
        if (!writer.flush().ok())
            return QStringLiteral("flush failed");
        TaskUpdate done;
        done.seq = 1;
        done.fields = TaskUpdate::State | TaskUpdate::Output | TaskUpdate::FinishedAt | TaskUpdate::UsageCost | TaskUpdate::Lease;
        done.state = TaskState::Succeeded;
        done.output = QByteArrayLiteral("{\"text\":\"hi\"}");
        done.finishedMs = 1'700'000'000'900;
        done.usage.promptTokens = 12;
        done.usage.completionTokens = 34;
        done.costUsd = 0.00125;
        TaskLogRow finished { 1,
            { 1'700'000'000'900, LogLevel::Info, QStringLiteral("succeeded"), QJsonObject { { QStringLiteral("tokens"), 46 } } } };
        writer.updateWithLog(done, finished);
        TaskUpdate failed;
        failed.seq = 2;
        failed.fields
            = TaskUpdate::State | TaskUpdate::ErrorText | TaskUpdate::Priority | TaskUpdate::RunAt | TaskUpdate::QueuedAt | TaskUpdate::Attempts;
        failed.state = TaskState::Scheduled;
        failed.error = QStringLiteral("HTTP 503");
        failed.priority = 7;
        failed.runAtMs = 1'700'000'009'000;
        failed.queuedMs = 0; // cleared: NULL
        failed.attempts = 2;
        writer.updateWithLog(failed, TaskLogRow { 2, { 1'700'000'000'950, LogLevel::Warning, QStringLiteral("retry in 8 s"), {} } });
        if (!writer.flush().ok())
            return QStringLiteral("flush failed");
        writer.stopWriter();

        RawConnection raw(path);
        QStringList out;
        QSqlQuery q(raw.db());
        if (!q.exec(QStringLiteral("SELECT * FROM tasks ORDER BY seq")))
            return q.lastError().text();
        while (q.next()) {
            const QSqlRecord rec = q.record();
            for (int c = 0; c < rec.count(); ++c)
                out << rec.fieldName(c) + QLatin1Char('=') + q.value(c).toString();
        }
        for (const char* table : { "tasks", "task_logs" }) {
            QSqlQuery types(raw.db());
            const QString cols = table == QByteArrayView("tasks")
                ? QStringLiteral("typeof(state), typeof(attempts), typeof(priority), typeof(output), typeof(error), typeof(started_at), "
                                 "typeof(finished_at), typeof(queued_at), typeof(run_at), typeof(prompt_tokens), typeof(cost_usd), "
                                 "typeof(endpoint), typeof(lease_node)")
                : QStringLiteral("task_seq, time, level, message, data, typeof(message), typeof(data)");
            if (!types.exec(QStringLiteral("SELECT %1 FROM %2 ORDER BY rowid").arg(cols, QLatin1String(table))))
                return types.lastError().text();
            while (types.next())
                for (int c = 0; c < types.record().count(); ++c)
                    out << types.value(c).toString();
        }
        return out.join(QLatin1Char('|'));
    };
    QTemporaryDir direct;
    QTemporaryDir viaQt;
    const QString a = writeAll(direct.path(), false);
    const QString b = writeAll(viaQt.path(), true);
    QVERIFY2(a.contains(QLatin1String("lease_node=|")), qPrintable(a)); // cleared by the second update
    QVERIFY2(a.contains(QLatin1String("succeeded|{\"tokens\":46}|text|blob")), qPrintable(a));
    QCOMPARE(a, b);
}

// WAL checkpoints run beside the writer (not inside commits): pages reach the
// database file while the store is open, and a WAL that grew past the rewind
// size (32 MiB here) is rewound, so a long burst of writes does not grow it
// without bound.
void TestStore::checkpointsKeepTheWalBounded()
{
    QTemporaryDir dir;
    EngineFixture f(dir.path());
    f.walRewindBytes = 32LL * 1024 * 1024;
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.paused = true;
    QVERIFY(f.addModel(m));
    const QString wal = f.dbPath() + QStringLiteral("-wal");
    const qint64 startSize = QFileInfo(f.dbPath()).size();
    constexpr int kBatches = 48;
    constexpr int kPerBatch = 1000;
    const QString text = QStringLiteral("x").repeated(2000);
    qint64 largestWal = 0;
    for (int b = 0; b < kBatches; ++b) {
        QList<TaskSpec> specs;
        for (int i = 0; i < kPerBatch; ++i)
            specs.append(spec(m.name, 0, text + QString::number(i)));
        QCOMPARE(f.submit(specs).size(), kPerBatch);
        largestWal = std::max(largestWal, QFileInfo(wal).size());
    }
    // ~200 MB went through the WAL; without checkpoints beside the writer and
    // the rewinds it would hold all of it. It rewinds at 32 MiB when the
    // checkpointer keeps up, and at 64 MiB at the latest (plus one batch); the
    // file is cut back to 64 MiB (journal_size_limit) when it rewinds.
    QVERIFY2(largestWal < 80LL * 1024 * 1024, qPrintable(QString::number(largestWal)));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(f.dbPath()).size() > startSize + 64LL * 1024 * 1024, 10000);
    const auto stored = await(f.engine->countTasks(TaskFilter {}));
    QVERIFY(stored.ok());
    QCOMPARE(*stored, qint64(kBatches * kPerBatch));
}

// Clients on other threads keep calling while the engine shuts down (the GUI
// closing during an import, the REST thread mid-request): every call is
// answered, either done or refused with "not running", none reaches a deleted
// scheduler or store (run under ASan in CI), and every acknowledged submit is
// stored.
void TestStore::callsDuringShutdownAreAnsweredOrRefused()
{
    QTemporaryDir dir;
    EngineFixture f(dir.path());
    QVERIFY(f.start());
    ModelConfig m = simModel(QStringLiteral("m"));
    m.paused = true;
    QVERIFY(f.addModel(m));
    Engine* engine = f.engine.get();

    std::atomic<int> calls { 0 };
    std::atomic<int> refused { 0 };
    std::atomic<int> acked { 0 };
    std::atomic<int> unanswered { 0 };
    std::atomic<int> wrongErrors { 0 };
    std::atomic<bool> done { false };
    const auto finishes = [](const auto& future) {
        QDeadlineTimer deadline(30'000);
        while (!future.isFinished() && !deadline.hasExpired())
            QThread::yieldCurrentThread();
        return future.isFinished();
    };
    const auto client = [&](int n) {
        int i = 0;
        while (!done.load()) {
            const auto submitted = engine->submit({ spec(QStringLiteral("m"), 0, QStringLiteral("c%1-%2").arg(n).arg(i++)) });
            const auto counted = engine->countTasks(TaskFilter {});
            const auto page = engine->tasks(TaskFilter {});
            ++calls;
            if (!finishes(submitted) || !finishes(counted) || !finishes(page)) {
                ++unanswered;
                continue;
            }
            const auto r = submitted.result();
            if (r)
                ++acked;
            else if (r.error().code == ErrorCode::Unavailable)
                ++refused;
            else
                ++wrongErrors;
            if (!counted.result() && counted.result().error().code != ErrorCode::Unavailable)
                ++wrongErrors;
        }
    };
    std::thread a(client, 1);
    std::thread b(client, 2);
    QTRY_VERIFY_WITH_TIMEOUT(calls.load() >= 50, 30'000);
    engine->shutdown(0);
    QVERIFY(!engine->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(refused.load() >= 20, 30'000);
    done = true;
    a.join();
    b.join();
    QCOMPARE(unanswered.load(), 0);
    QCOMPARE(wrongErrors.load(), 0);
    const auto late = engine->submit({ spec(QStringLiteral("m"), 0, QStringLiteral("late")) }).result();
    QVERIFY(!late);
    QVERIFY2(late.error().message.contains(QStringLiteral("not running")), qPrintable(late.error().message));
    f.stop();

    EngineFixture reopened(dir.path());
    QVERIFY(reopened.start(false));
    const auto stored = await(reopened.engine->countTasks(TaskFilter {}));
    QVERIFY(stored.ok());
    QCOMPARE(*stored, qint64(acked.load()));
}

// A commit that fails (here a trigger makes every task update abort, as a full
// disk or an I/O error would) must pause dispatch, tell the operator, refuse new
// work with a store error instead of losing it, keep the updates it could not
// write, and carry on once writes succeed again: every task ends once, nothing
// acknowledged is lost, nothing refused is stored.
void TestStore::commitFailureBacksOffPausesAndRecovers()
{
    EngineFixture f;
    QVERIFY(f.start());
    QVERIFY(f.addModel(simModel(QStringLiteral("m"), 30, 2)));
    Engine* engine = f.engine.get();
    QSignalSpy notices(engine, &Engine::notification);

    RawConnection raw(f.dbPath(), QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    QVERIFY(raw.isOpen());
    QVERIFY(raw.exec(QStringLiteral("CREATE TRIGGER inject_failure BEFORE UPDATE ON tasks "
                                    "BEGIN SELECT RAISE(ABORT, 'injected write failure'); END")));
    constexpr int kTasks = 10;
    QList<TaskSpec> specs;
    for (int i = 0; i < kTasks; ++i)
        specs.append(spec(QStringLiteral("m"), 5, QStringLiteral("t%1").arg(i)));
    QCOMPARE(f.submit(specs).size(), kTasks); // inserts commit; the first state change does not

    const auto failNotice = [&] {
        for (const QList<QVariant>& args : std::as_const(notices)) {
            const auto n = args.at(0).value<Notification>();
            if (n.kind == Notification::Kind::Error && n.title == QLatin1String("Store writes fail"))
                return n.message.contains(QLatin1String("injected write failure"));
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(failNotice(), 20'000);
    QTRY_VERIFY_WITH_TIMEOUT(!engine->snapshot()->storeHealthy, 20'000);
    QVERIFY(engine->snapshot()->storeError.contains(QLatin1String("injected write failure")));

    // No call leaves while its attempt cannot be recorded, and dispatch is
    // paused: nothing runs to success (a 30 ms call would have, long before a
    // snapshot taken 300 ms after the failure), the rest waits in the queue.
    const qint64 noticedAt = nowMs();
    QTRY_VERIFY_WITH_TIMEOUT(engine->snapshot()->timeMs > noticedAt + 300, 10'000);
    {
        const ModelSnapshot m = engine->snapshot()->models.constFirst();
        QVERIFY2(m.inflight <= 2, qPrintable(QString::number(m.inflight)));
        QCOMPARE(m.states[static_cast<size_t>(TaskState::Succeeded)], qint64(0));
        QVERIFY2(m.queueDepth() > 0, "dispatch went on while the store refused writes");
    }

    // New work is refused with a store error, not acknowledged and lost.
    const auto refused = await(engine->submit({ spec(QStringLiteral("m"), 5, QStringLiteral("while broken")) }));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::StoreError);

    QVERIFY(raw.exec(QStringLiteral("DROP TRIGGER inject_failure")));
    QTRY_VERIFY_WITH_TIMEOUT(engine->snapshot()->storeHealthy, 30'000);
    QTRY_COMPARE_WITH_TIMEOUT(
        raw.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE state = %1").arg(int(TaskState::Succeeded))).toInt(), kTasks, 30'000);
    // Each ran once, and the refused submit left no row.
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks WHERE attempts = 1")).toInt(), kTasks);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM tasks")).toInt(), kTasks);
    QCOMPARE(engine->snapshot()->storeError, QString());
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
