// Unit tests for workflow step templates (core/steptemplate.h): references
// found at submit, and filled in from the parents' results when a step is ready.
#include "core/steptemplate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace llmsched;
using namespace llmsched::steptemplate;

namespace {

QByteArray json(const QJsonObject& o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject parsed(const QByteArray& b)
{
    return QJsonDocument::fromJson(b).object();
}

QByteArray chatInput(const QString& content)
{
    return json(QJsonObject { { QStringLiteral("messages"),
        QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), content } } } } });
}

QString contentOf(const QByteArray& input)
{
    return parsed(input).value(QLatin1String("messages")).toArray().at(0).toObject().value(QLatin1String("content")).toString();
}

StepResult chatStep(const QString& id, const QString& answer)
{
    const QJsonObject out {
        { QStringLiteral("choices"),
            QJsonArray { QJsonObject { { QStringLiteral("message"),
                QJsonObject { { QStringLiteral("role"), QStringLiteral("assistant") }, { QStringLiteral("content"), answer } } } } } },
        { QStringLiteral("usage"), QJsonObject { { QStringLiteral("total_tokens"), 42 } } }
    };
    return { id, QStringLiteral("succeeded"), json(out), {} };
}

} // namespace

class TestStepTemplate : public QObject
{
    Q_OBJECT

private slots:
    void findsReferencedKeysInOrder()
    {
        const QByteArray in = json(QJsonObject { { QStringLiteral("messages"),
                                                     QJsonArray { QJsonObject { { QStringLiteral("content"),
                                                         QStringLiteral("A {{steps.b.output}} and {{ steps.a.error }} then {{steps.b.id}}") } } } },
            { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("x"), QStringLiteral("{{steps.c-1.state}}") } } } });
        auto keys = referencedKeys(in);
        QVERIFY(keys);
        // Object members come in key order (messages, metadata); within a string, left to right.
        QCOMPARE(*keys, (QStringList { QStringLiteral("b"), QStringLiteral("a"), QStringLiteral("c-1") }));
    }

    void bracesThatAreNotReferencesStayAsTheyAre()
    {
        const QByteArray in = chatInput(QStringLiteral("Fill {{name}} and {\"a\": {}} in"));
        auto keys = referencedKeys(in);
        QVERIFY(keys);
        QVERIFY(keys->isEmpty());
        auto out = render(in, {});
        QVERIFY(out);
        QCOMPARE(contentOf(*out), QStringLiteral("Fill {{name}} and {\"a\": {}} in"));
    }

    void malformedReferencesAreRefused_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("unclosed") << QStringLiteral("x {{steps.a.output") << QStringLiteral("not closed");
        QTest::newRow("no field") << QStringLiteral("{{steps.a}}") << QStringLiteral("name what to take");
        QTest::newRow("unknown field") << QStringLiteral("{{steps.a.result}}") << QStringLiteral("'result' is not output");
        QTest::newRow("bad index") << QStringLiteral("{{steps.a.output.choices[x]}}") << QStringLiteral("an index is a number");
        QTest::newRow("path on state") << QStringLiteral("{{steps.a.state.x}}") << QStringLiteral("only output has a path");
        QTest::newRow("empty name") << QStringLiteral("{{steps.a.output..x}}") << QStringLiteral("an empty name");
    }
    void malformedReferencesAreRefused()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        auto keys = referencedKeys(chatInput(text));
        QVERIFY(!keys);
        QCOMPARE(keys.error().field, QStringLiteral("input"));
        QVERIFY2(keys.error().message.contains(says), qPrintable(keys.error().message));
    }

    void fillsInAPathIntoText()
    {
        const QByteArray in
            = chatInput(QStringLiteral("Translate: {{steps.summarise.output.choices[0].message.content}} (from {{steps.summarise.id}})"));
        auto out = render(in, { { QStringLiteral("summarise"), chatStep(QStringLiteral("01ABC"), QStringLiteral("Short \"quoted\" text")) } });
        QVERIFY2(out, qPrintable(out ? QString() : out.error().message));
        QCOMPARE(contentOf(*out), QStringLiteral("Translate: Short \"quoted\" text (from 01ABC)"));
    }

    void aWholeStringReferenceKeepsTheValuesType()
    {
        const QByteArray in = json(QJsonObject { { QStringLiteral("prompt"), QStringLiteral("x") },
            { QStringLiteral("max_tokens"), QStringLiteral("{{steps.a.output.usage.total_tokens}}") },
            { QStringLiteral("extra"), QStringLiteral("{{ steps.a.output.usage }}") },
            { QStringLiteral("inline"), QStringLiteral("n={{steps.a.output.usage}}") } });
        auto out = render(in, { { QStringLiteral("a"), chatStep(QStringLiteral("01A"), QStringLiteral("hi")) } });
        QVERIFY(out);
        const QJsonObject o = parsed(*out);
        QVERIFY(o.value(QLatin1String("max_tokens")).isDouble());
        QCOMPARE(o.value(QLatin1String("max_tokens")).toInt(), 42);
        QCOMPARE(o.value(QLatin1String("extra")).toObject().value(QLatin1String("total_tokens")).toInt(), 42);
        QCOMPARE(o.value(QLatin1String("inline")).toString(), QStringLiteral("n={\"total_tokens\":42}"));
        QCOMPARE(o.value(QLatin1String("prompt")).toString(), QStringLiteral("x"));
    }

    void errorAndStateOfAFailedParent()
    {
        const QByteArray in = chatInput(QStringLiteral("{{steps.a.state}}: {{steps.a.error}}"));
        auto out
            = render(in, { { QStringLiteral("a"), StepResult { QStringLiteral("01A"), QStringLiteral("dead"), {}, QStringLiteral("HTTP 500") } } });
        QVERIFY(out);
        QCOMPARE(contentOf(*out), QStringLiteral("dead: HTTP 500"));
    }

    void aPathThatLeadsNowhereNamesWhereItStopped_data()
    {
        QTest::addColumn<QString>("ref");
        QTest::addColumn<QString>("says");
        QTest::newRow("index past the end") << QStringLiteral("{{steps.a.output.choices[2].message}}")
                                            << QStringLiteral("steps.a.output.choices[2]: the array has 1 element");
        QTest::newRow("missing member") << QStringLiteral("{{steps.a.output.choices[0].text}}")
                                        << QStringLiteral("steps.a.output.choices[0].text: no such member");
        QTest::newRow("index into an object") << QStringLiteral("{{steps.a.output.usage[0]}}") << QStringLiteral("is not an array");
        QTest::newRow("member of a string") << QStringLiteral("{{steps.a.output.choices[0].message.content.x}}")
                                            << QStringLiteral("is not an object");
        QTest::newRow("not a parent") << QStringLiteral("{{steps.zzz.output}}") << QStringLiteral("steps.zzz: is not a parent");
        QTest::newRow("no output") << QStringLiteral("{{steps.dead.output}}") << QStringLiteral("has no output (it ended dead)");
    }
    void aPathThatLeadsNowhereNamesWhereItStopped()
    {
        QFETCH(QString, ref);
        QFETCH(QString, says);
        const QHash<QString, StepResult> steps { { QStringLiteral("a"), chatStep(QStringLiteral("01A"), QStringLiteral("hi")) },
            { QStringLiteral("dead"), StepResult { QStringLiteral("01D"), QStringLiteral("dead"), {}, QStringLiteral("boom") } } };
        auto out = render(chatInput(ref), steps);
        QVERIFY(!out);
        QVERIFY2(out.error().message.contains(says), qPrintable(out.error().message));
    }

    void keys()
    {
        QVERIFY(validKey(u"summarise_1-b"));
        QVERIFY(!validKey(u""));
        QVERIFY(!validKey(u"a.b"));
        QVERIFY(!validKey(u"a b"));
        QVERIFY(!validKey(QString(65, u'k')));
        QVERIFY(validKey(QString(64, u'k')));
    }
};

QTEST_GUILESS_MAIN(TestStepTemplate)
#include "tst_steptemplate.moc"
