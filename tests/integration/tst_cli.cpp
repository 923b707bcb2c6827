// The daemon's subcommands as an operator runs them: llm-schedulerd token
// create|list|revoke and submit, through the real executable.
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    Run run(const QStringList& args, const QByteArray& input = {})
    {
        QProcess p;
        p.start(QStringLiteral(LLMSCHED_DAEMON_PATH), QStringList { QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("data")) } + args);
        if (!p.waitForStarted())
            return {};
        if (!input.isEmpty())
            p.write(input);
        p.closeWriteChannel();
        if (!p.waitForFinished(60'000))
            return {};
        return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError()) };
    }

private slots:
    void tokenLifecycle();
    void badTokenCommandsAreRefused();
    void submitImportsGoodLinesAndNamesBadOnes();
    void unknownCommandIsNamed();
};

void TestCli::tokenLifecycle()
{
    const Run created = run({ QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--role"), QStringLiteral("admin"),
        QStringLiteral("--name"), QStringLiteral("ops laptop") });
    QCOMPARE(created.exitCode, 0);
    // Only the secret on stdout, so `TOKEN=$(llm-schedulerd token create)` works.
    QVERIFY2(QRegularExpression(QStringLiteral(R"(^llms_[A-Za-z0-9_-]{43}\n$)")).match(created.out).hasMatch(), qPrintable(created.out));
    const auto idMatch = QRegularExpression(QStringLiteral(R"(created admin token (tok_\S+) \('ops laptop'\))")).match(created.err);
    QVERIFY2(idMatch.hasMatch(), qPrintable(created.err));
    const QString id = idMatch.captured(1);
    QVERIFY2(!created.err.contains(created.out.trimmed()), "the secret must not be repeated on stderr");

    Run listed = run({ QStringLiteral("token"), QStringLiteral("list") });
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.out.contains(id + QStringLiteral("\tadmin\tops laptop\t")), qPrintable(listed.out));
    QVERIFY(listed.out.trimmed().endsWith(QLatin1String("active")));
    QVERIFY2(!listed.out.contains(created.out.trimmed()), "token list must never print a secret");

    const Run revoked = run({ QStringLiteral("token"), QStringLiteral("revoke"), id });
    QCOMPARE(revoked.exitCode, 0);
    QVERIFY(revoked.err.contains(QStringLiteral("revoked ") + id));
    listed = run({ QStringLiteral("token"), QStringLiteral("list") });
    QVERIFY2(listed.out.contains(QLatin1String("\trevoked ")), qPrintable(listed.out));

    // Revoking twice is an error that says why.
    const Run again = run({ QStringLiteral("token"), QStringLiteral("revoke"), id });
    QCOMPARE(again.exitCode, 2);
    QVERIFY2(again.err.contains(QLatin1String("no active token")), qPrintable(again.err));
}

void TestCli::badTokenCommandsAreRefused()
{
    Run r = run({ QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--role"), QStringLiteral("root") });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("--role must be viewer, operator or admin")), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());

    r = run({ QStringLiteral("token"), QStringLiteral("revoke") });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("usage: llm-schedulerd token revoke ID")), qPrintable(r.err));

    r = run({ QStringLiteral("token"), QStringLiteral("rotate") });
    QCOMPARE(r.exitCode, 2);
    for (const char* usage : { "token create", "token list", "token revoke ID" })
        QVERIFY2(r.err.contains(QLatin1String(usage)), qPrintable(r.err));
}

void TestCli::submitImportsGoodLinesAndNamesBadOnes()
{
    const QByteArray jsonl = R"({"model":"demo","input":{"messages":[{"role":"user","content":"one"}]}})"
                             "\n"
                             "{not json\n"
                             R"({"model":"demo","idempotency_key":"k1","input":{"messages":[{"role":"user","content":"two"}]}})"
                             "\n"
                             R"({"model":"nope","input":{"messages":[{"role":"user","content":"three"}]}})"
                             "\n";
    Run r = run({ QStringLiteral("--simulate"), QStringLiteral("submit"), QStringLiteral("-") }, jsonl);
    QCOMPARE(r.exitCode, 1); // some lines rejected
    // An unknown model rejects its line, not the others beside it.
    QVERIFY2(r.out.contains(QLatin1String("imported 2 tasks from - (0 already present, 2 lines rejected)")), qPrintable(r.out));
    QVERIFY2(r.err.contains(QLatin1String("line 2")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QLatin1String("line 4: model: unknown model 'nope'")), qPrintable(r.err));

    // The same key again is found, not stored twice.
    const QByteArray again = R"({"model":"demo","idempotency_key":"k1","input":{"messages":[{"role":"user","content":"two"}]}})"
                             "\n";
    r = run({ QStringLiteral("--simulate"), QStringLiteral("submit"), QStringLiteral("-") }, again);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QLatin1String("imported 0 tasks from - (1 already present, 0 lines rejected)")), qPrintable(r.out));

    r = run({ QStringLiteral("submit"), m_dir.filePath(QStringLiteral("missing.jsonl")) });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("cannot read")), qPrintable(r.err));
}

void TestCli::unknownCommandIsNamed()
{
    const Run r = run({ QStringLiteral("frobnicate") });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("unknown command 'frobnicate'")), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
