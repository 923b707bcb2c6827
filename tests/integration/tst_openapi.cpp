// docs/openapi.yaml and the REST server describe the same set of routes.

#include "api/apiserver.h"
#include "enginetestutil.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>

using namespace llmsched;
using namespace testutil;

class TestOpenApi : public QObject
{
    Q_OBJECT

private slots:
    void specMatchesServer();
};

void TestOpenApi::specMatchesServer()
{
    QFile spec(QStringLiteral(LLMSCHED_SOURCE_DIR "/docs/openapi.yaml"));
    QVERIFY2(spec.open(QIODevice::ReadOnly), qPrintable(spec.fileName()));
    // Paths sit at two spaces under "paths:", methods at four.
    static const QRegularExpression pathLine(QStringLiteral("^  (/[^:\\s]*):\\s*$"));
    static const QRegularExpression methodLine(QStringLiteral("^    (get|put|post|patch|delete|head|options):"));
    QSet<QString> documented;
    QString path;
    bool inPaths = false;
    for (const QByteArray& raw : spec.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (line.startsWith(QLatin1String("paths:"))) {
            inPaths = true;
            continue;
        }
        if (!inPaths)
            continue;
        if (!line.isEmpty() && !line.startsWith(QLatin1Char(' ')))
            break; // the next top-level section
        if (auto m = pathLine.match(line); m.hasMatch())
            path = m.captured(1);
        else if (auto mm = methodLine.match(line); mm.hasMatch() && !path.isEmpty())
            documented.insert(mm.captured(1).toUpper() + QLatin1Char(' ') + path);
    }
    QVERIFY(documented.size() > 20);

    EngineFixture f;
    QVERIFY(f.start(false));
    ApiOptions options;
    options.port = 0;
    ApiHost host(*f.engine, options);
    const auto port = host.start();
    QVERIFY2(port, port ? "" : qPrintable(port.error().message));
    const QStringList served = host.routeList();
    const QSet<QString> servedSet(served.cbegin(), served.cend());
    QCOMPARE(servedSet.size(), served.size()); // no route registered twice

    const QSet<QString> undocumented = servedSet - documented;
    const QSet<QString> unserved = documented - servedSet;
    QVERIFY2(undocumented.isEmpty(),
        qPrintable(
            QStringLiteral("served but not in openapi.yaml: ") + QStringList(undocumented.cbegin(), undocumented.cend()).join(QStringLiteral(", "))));
    QVERIFY2(unserved.isEmpty(),
        qPrintable(QStringLiteral("in openapi.yaml but not served: ") + QStringList(unserved.cbegin(), unserved.cend()).join(QStringLiteral(", "))));
    host.stop();
}

QTEST_GUILESS_MAIN(TestOpenApi)
#include "tst_openapi.moc"
