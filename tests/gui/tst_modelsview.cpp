// The Models view and the model editor, driven offscreen over a real engine.

#include "fakellmserver.h"
#include "guitestutil.h"
#include "modeleditordialog.h"
#include "modelsview.h"
#include "modeltreemodel.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLibraryInfo>
#include <QLineEdit>
#include <QListWidget>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QTcpServer>
#include <QTest>
#include <QTranslator>
#include <QTreeView>

using namespace llmsched;
using namespace llmsched::ui;
using guitest::child;
using guitest::EngineFixture;

namespace {

// The live state lists a model (its figures) before a remote client has read
// its settings: an editor opened in between has no endpoints to show. Waits
// until every listed model's settings are there.
void waitForConfigs(const EngineFixture& f)
{
    QTRY_VERIFY(f.live->snapshot() && std::all_of(f.live->snapshot()->models.cbegin(), f.live->snapshot()->models.cend(), [](const ModelSnapshot& m) {
        return !m.config.endpoints.isEmpty();
    }));
}

// Stands in for the Chinese translation until the .ts files are filled: every
// English word becomes as many CJK characters (about twice as wide), keeping
// placeholders, so a label that only fits in English shows up as clipped.
class LongChineseTranslator final : public QTranslator
{
public:
    bool isEmpty() const override { return false; }
    QString translate(const char* context, const char* sourceText, const char* disambiguation, int n) const override
    {
        Q_UNUSED(disambiguation);
        Q_UNUSED(n);
        if (!sourceText || qstrcmp(context, "QShortcut") == 0)
            return {};
        static const QRegularExpression words(QStringLiteral("(%(?:\\d+|n))|([A-Za-z]+)"));
        static const QString glyphs = QStringLiteral("模型端点配置延迟成本队列状态连接测试保存删除暂停恢复");
        const QString source = QString::fromUtf8(sourceText);
        QString out;
        qsizetype pos = 0;
        int g = 0;
        for (auto it = words.globalMatch(source); it.hasNext();) {
            const auto m = it.next();
            out += source.mid(pos, m.capturedStart() - pos);
            if (m.capturedLength(1) > 0) {
                out += m.captured(1);
            } else {
                for (qsizetype i = 0; i < m.capturedLength(2); ++i)
                    out += glyphs.at(g++ % glyphs.size());
            }
            pos = m.capturedEnd();
        }
        return out + source.mid(pos);
    }
};

ModelConfig twoEndpointModel()
{
    ModelConfig m = testutil::simModel(QStringLiteral("pair"), 1, 8);
    m.endpoints[0].name = QStringLiteral("first");
    m.endpoints[0].rpm = 600;
    EndpointConfig second = m.endpoints[0];
    second.name = QStringLiteral("second");
    second.rpm = 0;
    second.tpm = 50'000;
    m.endpoints.append(second);
    m.dailyBudgetUsd = 5;
    return m;
}

QString cell(const QAbstractItemModel* model, const QModelIndex& row, int column)
{
    return model->index(row.row(), column, row.parent()).data().toString();
}

// A model with one http endpoint that may call two hosts besides its own.
ModelConfig httpModel()
{
    ModelConfig m = testutil::simModel(QStringLiteral("hooks"));
    EndpointConfig& e = m.endpoints[0];
    e.name = QStringLiteral("hook");
    e.provider = QStringLiteral("http");
    e.baseUrl = QStringLiteral("https://hooks.example.com/api");
    e.allowedHosts = { QStringLiteral("api.example.com"), QStringLiteral("*.cdn.example.org:8443") };
    return m;
}

bool hasProblemMark(QWidget* w)
{
    const auto actions = w->actions();
    return std::any_of(actions.cbegin(), actions.cend(), [](QAction* a) { return a->objectName() == QLatin1String("problemMark"); });
}

QJsonObject configJson(Engine& engine, const QString& name)
{
    for (const ModelConfig& m : engine.models()) {
        if (m.name == name)
            return m.toJson();
    }
    return {};
}

// Every label and button the user can see shows its whole text.
void checkNothingClipped(QWidget* top)
{
    QApplication::processEvents();
    const auto labels = top->findChildren<QLabel*>();
    for (QLabel* l : labels) {
        if (!l->isVisibleTo(top) || l->wordWrap() || l->text().isEmpty())
            continue;
        QVERIFY2(l->width() >= l->sizeHint().width(),
            qPrintable(QStringLiteral("label \"%1\": %2 < %3").arg(l->text()).arg(l->width()).arg(l->sizeHint().width())));
    }
    const auto buttons = top->findChildren<QAbstractButton*>();
    for (QAbstractButton* b : buttons) {
        if (!b->isVisibleTo(top) || b->text().isEmpty())
            continue;
        QVERIFY2(b->width() >= b->sizeHint().width(),
            qPrintable(QStringLiteral("button \"%1\": %2 < %3").arg(b->text()).arg(b->width()).arg(b->sizeHint().width())));
    }
    const auto tabBars = top->findChildren<QTabBar*>();
    for (QTabBar* t : tabBars) {
        if (t->isVisibleTo(top))
            QVERIFY2(t->width() >= t->sizeHint().width(), "tab titles do not fit");
    }
}

void saveScreenshot(QWidget* w, const QString& name)
{
    const QString dir = qEnvironmentVariable("LLMSCHED_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        w->grab().save(QDir(dir).filePath(name));
}

} // namespace

class TestModelsView : public QObject
{
    Q_OBJECT

private slots:
    void init() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    void emptyStateOffersAdd();
    void listsModelsAndEndpointsLive();
    void updatesInPlace();
    void pauseAndResume();
    void keyboardDrivesTheActions();
    void deleteRefusedWithUnfinishedTasks();
    void badUrlIsRefused_data();
    void badUrlIsRefused();
    void invalidFieldsAreRefused();
    void validEditSavesAndShows();
    void newModelSavesAndShows();
    void allowedHostsLoadAndSave();
    void keyToNewServerNeedsConfirmation();
    void badAllowedHostIsRefused_data();
    void badAllowedHostIsRefused();
    void testConnectionSucceeds();
    void testConnectionFailsOnClosedPort();
    void neverShowsStoredKey();
    void typedKeyGoesToKeychainOrIsExplained();
    void rendersWithoutClipping_data();
    void rendersWithoutClipping();
};

void TestModelsView::emptyStateOffersAdd()
{
    EngineFixture f(QList<ModelConfig> {});
    ModelsView view(*f.live);
    view.resize(800, 400);
    view.show();
    QVERIFY(!view.tree()->isVisible());
    QPushButton* add = nullptr;
    for (QPushButton* b : view.findChildren<QPushButton*>()) {
        if (b->isVisible())
            add = b;
    }
    QVERIFY(add);
    saveScreenshot(&view, QStringLiteral("modelsview-empty.png"));
    add->click();
    QPointer<ModelEditorDialog> dialog = view.findChild<ModelEditorDialog*>();
    QVERIFY(dialog && dialog->isNewModel());
    child<QLineEdit>(dialog, "modelName")->setText(QStringLiteral("first"));
    auto* provider = child<QComboBox>(dialog, "provider");
    provider->setCurrentIndex(provider->findData(QStringLiteral("simulated")));
    dialog->save();
    QTRY_VERIFY(!dialog);
    QTRY_VERIFY(view.tree()->isVisible());
    QCOMPARE(view.tree()->model()->rowCount(), 1);
}

void TestModelsView::listsModelsAndEndpointsLive()
{
    EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 600, 4), twoEndpointModel() });
    ModelsView view(*f.live);
    view.resize(1100, 500);
    view.show();
    const QAbstractItemModel* model = view.tree()->model();
    QTRY_COMPARE(model->rowCount(), 2);
    const QModelIndex sim = view.treeModel()->indexOfModel(QStringLiteral("sim"));
    const QModelIndex pair = view.treeModel()->indexOfModel(QStringLiteral("pair"));
    QVERIFY(sim.isValid() && pair.isValid());
    QCOMPARE(model->rowCount(sim), 1);
    QCOMPARE(model->rowCount(pair), 2);
    QCOMPARE(cell(model, model->index(1, 0, pair), ModelTreeModel::NameColumn), QStringLiteral("second"));
    QCOMPARE(cell(model, pair, ModelTreeModel::StatusColumn), QStringLiteral("running"));
    QCOMPARE(cell(model, pair, ModelTreeModel::CostColumn), QStringLiteral("$0 / $5.00"));
    const QModelIndex first = view.treeModel()->indexOfEndpoint(QStringLiteral("pair"), QStringLiteral("first"));
    QCOMPARE(cell(model, first, ModelTreeModel::RpmColumn), QStringLiteral("0 / 600"));
    QCOMPARE(cell(model, first, ModelTreeModel::CircuitColumn), QStringLiteral("closed"));
    QCOMPARE(cell(model, first, ModelTreeModel::StatusColumn), QStringLiteral("healthy"));
    QVERIFY(view.tree()->isExpanded(pair));

    // Ten tasks of 300 ms on a model that runs four at a time.
    QList<TaskSpec> specs;
    for (int i = 0; i < 10; ++i)
        specs.append(testutil::spec(QStringLiteral("sim")));
    QVERIFY(testutil::await(f.engine->submit(specs)).ok());
    const QModelIndex simEndpoint = view.treeModel()->indexOfEndpoint(QStringLiteral("sim"), QStringLiteral("sim"));
    QTRY_COMPARE(cell(model, sim, ModelTreeModel::InflightColumn), QStringLiteral("4 / 4"));
    QTRY_VERIFY(cell(model, simEndpoint, ModelTreeModel::InflightColumn).startsWith(QStringLiteral("4 / ")));
    QCOMPARE(cell(model, simEndpoint, ModelTreeModel::RpmColumn), QStringLiteral("–"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, sim, ModelTreeModel::QueuedColumn), QStringLiteral("0"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cell(model, sim, ModelTreeModel::InflightColumn), QStringLiteral("0 / 4"), 10000);
    QVERIFY(!cell(model, simEndpoint, ModelTreeModel::LatencyColumn).isEmpty());

    // Requests and tokens per minute count against the endpoints' limits.
    QVERIFY(testutil::await(f.engine->submit({ testutil::spec(QStringLiteral("pair")), testutil::spec(QStringLiteral("pair")) })).ok());
    const QModelIndex second = view.treeModel()->indexOfEndpoint(QStringLiteral("pair"), QStringLiteral("second"));
    QTRY_COMPARE(cell(model, first, ModelTreeModel::RpmColumn), QStringLiteral("1 / 600"));
    QTRY_VERIFY(cell(model, second, ModelTreeModel::TpmColumn).endsWith(QStringLiteral(" / 50,000")));
    QVERIFY(!cell(model, second, ModelTreeModel::TpmColumn).startsWith(QStringLiteral("0 ")));
    QCOMPARE(cell(model, second, ModelTreeModel::RpmColumn), QStringLiteral("–"));
    QCOMPARE(cell(model, pair, ModelTreeModel::RpmColumn), QStringLiteral("–"));
}

void TestModelsView::updatesInPlace()
{
    // 6 calls of 300 ms, 2 at a time: the counts change over several snapshots
    // (5 a second) even on a loaded machine.
    EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 300, 2), twoEndpointModel() });
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 2);
    const QModelIndex second = view.treeModel()->indexOfEndpoint(QStringLiteral("pair"), QStringLiteral("second"));
    view.tree()->setCurrentIndex(second);
    view.tree()->collapse(view.treeModel()->indexOfModel(QStringLiteral("sim")));

    QSignalSpy resets(view.treeModel(), &QAbstractItemModel::modelReset);
    QSignalSpy removed(view.treeModel(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(view.treeModel(), &QAbstractItemModel::dataChanged);
    QList<TaskSpec> specs;
    for (int i = 0; i < 6; ++i)
        specs.append(testutil::spec(QStringLiteral("sim")));
    QVERIFY(testutil::await(f.engine->submit(specs)).ok());
    QTRY_VERIFY(changed.count() >= 3);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(view.currentModel(), QStringLiteral("pair"));
    QCOMPARE(view.tree()->currentIndex().data(ModelTreeModel::EndpointNameRole).toString(), QStringLiteral("second"));
    QVERIFY(!view.tree()->isExpanded(view.treeModel()->indexOfModel(QStringLiteral("sim"))));

    // A new endpoint is inserted under its model; the rest stays where it is.
    ModelConfig sim = testutil::simModel(QStringLiteral("sim"), 300, 2);
    EndpointConfig extra = sim.endpoints[0];
    extra.name = QStringLiteral("extra");
    sim.endpoints.append(extra);
    QSignalSpy inserted(view.treeModel(), &QAbstractItemModel::rowsInserted);
    QVERIFY(testutil::await(f.engine->upsertModel(sim)).ok());
    QTRY_VERIFY(view.treeModel()->indexOfEndpoint(QStringLiteral("sim"), QStringLiteral("extra")).isValid());
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(view.tree()->currentIndex().data(ModelTreeModel::EndpointNameRole).toString(), QStringLiteral("second"));
}

void TestModelsView::pauseAndResume()
{
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    QVERIFY(!view.pauseAction()->isEnabled());
    view.selectModel(QStringLiteral("sim"));
    QVERIFY(view.pauseAction()->isEnabled());
    QCOMPARE(view.pauseAction()->text(), QStringLiteral("&Pause"));

    view.pauseAction()->trigger();
    QTRY_VERIFY(f.engine->snapshot()->models.at(0).paused);
    const QModelIndex sim = view.treeModel()->indexOfModel(QStringLiteral("sim"));
    QTRY_COMPARE(cell(view.treeModel(), sim, ModelTreeModel::StatusColumn), QStringLiteral("paused"));
    QTRY_COMPARE(view.pauseAction()->text(), QStringLiteral("&Resume"));

    view.pauseAction()->trigger();
    QTRY_VERIFY(!f.engine->snapshot()->models.at(0).paused);
    QTRY_COMPARE(cell(view.treeModel(), sim, ModelTreeModel::StatusColumn), QStringLiteral("running"));
    QTRY_COMPARE(view.pauseAction()->text(), QStringLiteral("&Pause"));
}

void TestModelsView::keyboardDrivesTheActions()
{
    EngineFixture f({ twoEndpointModel() });
    ModelsView view(*f.live);
    view.show();
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    view.tree()->setFocus();
    view.selectModel(QStringLiteral("pair"));

    QTest::keyClick(view.tree(), Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY(f.engine->snapshot()->models.at(0).paused);
    QTRY_COMPARE(view.pauseAction()->text(), QStringLiteral("&Resume"));
    QTest::keyClick(view.tree(), Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY(!f.engine->snapshot()->models.at(0).paused);

    // Enter on an endpoint opens the editor at that endpoint.
    view.tree()->setCurrentIndex(view.treeModel()->indexOfEndpoint(QStringLiteral("pair"), QStringLiteral("second")));
    QTest::keyClick(view.tree(), Qt::Key_Return);
    QPointer<ModelEditorDialog> dialog = view.findChild<ModelEditorDialog*>();
    QVERIFY(dialog);
    QCOMPARE(child<QLineEdit>(dialog, "endpointName")->text(), QStringLiteral("second"));
    QVERIFY(child<QLineEdit>(dialog, "endpointName")->isVisible());
    dialog->reject();
    QTRY_VERIFY(!dialog);

    // Del asks first.
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    view.tree()->setFocus();
    QTest::keyClick(view.tree(), Qt::Key_Delete);
    QTRY_VERIFY(view.findChild<QMessageBox*>(QStringLiteral("confirmDelete")));
    view.findChild<QMessageBox*>(QStringLiteral("confirmDelete"))->reject();

    // Ctrl+Shift+N adds.
    QTRY_VERIFY(!view.findChild<QMessageBox*>(QStringLiteral("confirmDelete")));
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    view.tree()->setFocus();
    QTest::keyClick(view.tree(), Qt::Key_N, Qt::ControlModifier | Qt::ShiftModifier);
    dialog = view.findChild<ModelEditorDialog*>();
    QVERIFY(dialog && dialog->isNewModel());
    dialog->reject();
}

void TestModelsView::deleteRefusedWithUnfinishedTasks()
{
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    QVERIFY(testutil::await(f.engine->setModelPaused(QStringLiteral("sim"), true)).ok());
    QVERIFY(testutil::await(f.engine->submit({ testutil::spec(QStringLiteral("sim")) })).ok());
    view.selectModel(QStringLiteral("sim"));

    view.deleteAction()->trigger();
    QMessageBox* box = view.findChild<QMessageBox*>(QStringLiteral("confirmDelete"));
    QVERIFY(box);
    QAbstractButton* remove = nullptr;
    for (QAbstractButton* b : box->buttons()) {
        if (box->buttonRole(b) == QMessageBox::DestructiveRole)
            remove = b;
    }
    QVERIFY(remove);
    remove->click();
    QTRY_VERIFY(view.message().contains(QStringLiteral("unfinished")));
    saveScreenshot(&view, QStringLiteral("modelsview-delete-refused.png"));
    QCOMPARE(f.engine->models().size(), 1);

    // Cancelling the confirmation deletes nothing.
    view.deleteAction()->trigger();
    box = view.findChild<QMessageBox*>(QStringLiteral("confirmDelete"));
    QVERIFY(box);
    box->button(QMessageBox::Cancel)->click();
    QApplication::processEvents();
    QCOMPARE(f.engine->models().size(), 1);
}

void TestModelsView::badUrlIsRefused_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("ftp") << QStringLiteral("ftp://x");
    QTest::newRow("no host") << QStringLiteral("http://");
    QTest::newRow("not a url") << QStringLiteral("not a url");
    QTest::newRow("empty") << QString();
}

void TestModelsView::badUrlIsRefused()
{
    QFETCH(QString, url);
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    const QJsonObject before = configJson(*f.engine, QStringLiteral("sim"));

    QPointer<ModelEditorDialog> dialog = view.openEditor(QStringLiteral("sim"), QStringLiteral("sim"));
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QSignalSpy saved(dialog.data(), &ModelEditorDialog::saved);
    auto* provider = child<QComboBox>(dialog, "provider");
    provider->setCurrentIndex(provider->findData(QStringLiteral("openai")));
    auto* baseUrl = child<QLineEdit>(dialog, "baseUrl");
    baseUrl->setText(url);
    dialog->save();

    QVERIFY2(dialog->message().contains(QStringLiteral("URL")), qPrintable(dialog->message()));
    if (url == QLatin1String("ftp://x"))
        saveScreenshot(dialog, QStringLiteral("modeleditor-bad-url.png"));
    QVERIFY(child<QLabel>(dialog, "message")->isVisible());
    QCOMPARE(dialog->focusWidget(), baseUrl);
    QVERIFY(!dialog->isBusy());
    QVERIFY(dialog->isVisible());
    QCOMPARE(saved.count(), 0);
    QCOMPARE(configJson(*f.engine, QStringLiteral("sim")), before);

    // Correcting the field lets it through.
    baseUrl->setText(QStringLiteral("http://127.0.0.1:9/v1"));
    dialog->save();
    QTRY_COMPARE(saved.count(), 1);
    QTRY_VERIFY(!dialog);
    QCOMPARE(f.engine->models().at(0).endpoints.at(0).baseUrl, QStringLiteral("http://127.0.0.1:9/v1"));
}

void TestModelsView::invalidFieldsAreRefused()
{
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);

    QPointer<ModelEditorDialog> dialog = view.openEditor();
    QVERIFY(dialog && dialog->isNewModel());
    auto* name = child<QLineEdit>(dialog, "modelName");
    QVERIFY(!name->isReadOnly());
    QSignalSpy saved(dialog.data(), &ModelEditorDialog::saved);

    name->setText(QStringLiteral("bad name!"));
    dialog->save();
    QVERIFY(dialog->message().contains(QStringLiteral("model name")));
    QCOMPARE(dialog->focusWidget(), name);

    name->setText(QStringLiteral("sim"));
    dialog->save();
    QVERIFY(dialog->message().contains(QStringLiteral("already exists")));

    name->setText(QStringLiteral("fresh"));
    child<QLineEdit>(dialog, "baseUrl")->setText(QStringLiteral("http://127.0.0.1:9/v1"));
    child<QPushButton>(dialog, "addEndpoint")->click();
    auto* endpointName = child<QLineEdit>(dialog, "endpointName");
    endpointName->setText(QStringLiteral("main"));
    dialog->save();
    QVERIFY2(dialog->message().contains(QStringLiteral("“main”")), qPrintable(dialog->message()));
    QCOMPARE(dialog->focusWidget(), endpointName);

    endpointName->setText(QString());
    dialog->save();
    QVERIFY(dialog->message().contains(QStringLiteral("needs a name")));

    // The engine's rule for base_url, pointed at the field of the endpoint it names.
    endpointName->setText(QStringLiteral("second"));
    auto* provider = child<QComboBox>(dialog, "provider");
    provider->setCurrentIndex(provider->findData(QStringLiteral("openai")));
    auto* baseUrl = child<QLineEdit>(dialog, "baseUrl");
    baseUrl->setText(QStringLiteral("ftp://files.example.com"));
    dialog->save();
    QVERIFY2(dialog->message().contains(QStringLiteral("ftp://files.example.com")), qPrintable(dialog->message()));
    QVERIFY2(dialog->message().contains(QStringLiteral("“second”")), qPrintable(dialog->message()));
    QCOMPARE(dialog->focusWidget(), baseUrl);
    endpointName->setText(QString());

    child<QPushButton>(dialog, "removeEndpoint")->click();
    child<QLineEdit>(dialog, "keyRef")->setText(QStringLiteral("sk-pasted-key-1234567890"));
    dialog->save();
    QVERIFY2(dialog->message().contains(QStringLiteral("env:NAME")), qPrintable(dialog->message()));
    QVERIFY(!dialog->message().contains(QStringLiteral("sk-pasted")));

    child<QPushButton>(dialog, "removeEndpoint")->click();
    dialog->save();
    QVERIFY(dialog->message().contains(QStringLiteral("at least one endpoint")));
    QCOMPARE(saved.count(), 0);
    QCOMPARE(f.engine->models().size(), 1);
}

void TestModelsView::validEditSavesAndShows()
{
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    view.selectModel(QStringLiteral("sim"));
    view.editAction()->trigger();
    QPointer<ModelEditorDialog> dialog = view.findChild<ModelEditorDialog*>();
    QVERIFY(dialog);
    QVERIFY(child<QLineEdit>(dialog, "modelName")->isReadOnly());
    child<QSpinBox>(dialog, "concurrency")->setValue(7);
    child<QLineEdit>(dialog, "description")->setText(QStringLiteral("edited"));
    child<QPushButton>(dialog, "addEndpoint")->click();
    child<QLineEdit>(dialog, "endpointName")->setText(QStringLiteral("hook"));
    auto* provider = child<QComboBox>(dialog, "provider");
    provider->setCurrentIndex(provider->findData(QStringLiteral("http")));
    child<QLineEdit>(dialog, "baseUrl")->setText(QStringLiteral("https://hooks.example.com/api"));
    child<QSpinBox>(dialog, "rpm")->setValue(120);
    child<QPushButton>(dialog, "save")->click();
    QTRY_VERIFY(!dialog);

    // The engine's snapshot takes the edit on its next publication.
    QTRY_COMPARE(f.engine->models().at(0).endpoints.size(), 2);
    const ModelConfig saved = f.engine->models().at(0);
    QCOMPARE(saved.concurrency, 7);
    QCOMPARE(saved.description, QStringLiteral("edited"));
    QCOMPARE(saved.endpoints.size(), 2);
    QCOMPARE(saved.endpoints.at(1).name, QStringLiteral("hook"));
    QCOMPARE(saved.endpoints.at(1).provider, QStringLiteral("http"));
    QCOMPARE(saved.endpoints.at(1).rpm, 120);
    const QModelIndex sim = view.treeModel()->indexOfModel(QStringLiteral("sim"));
    QTRY_COMPARE(cell(view.treeModel(), sim, ModelTreeModel::InflightColumn), QStringLiteral("0 / 7"));
    const QModelIndex hook = view.treeModel()->indexOfEndpoint(QStringLiteral("sim"), QStringLiteral("hook"));
    QVERIFY(hook.isValid());
    QCOMPARE(cell(view.treeModel(), hook, ModelTreeModel::BaseUrlColumn), QStringLiteral("https://hooks.example.com/api"));
    QCOMPARE(cell(view.treeModel(), hook, ModelTreeModel::RpmColumn), QStringLiteral("0 / 120"));
}

void TestModelsView::newModelSavesAndShows()
{
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    view.addModelAction()->trigger();
    QPointer<ModelEditorDialog> dialog = view.findChild<ModelEditorDialog*>();
    QVERIFY(dialog && dialog->isNewModel());
    child<QLineEdit>(dialog, "modelName")->setText(QStringLiteral("local/llama"));
    child<QLineEdit>(dialog, "baseUrl")->setText(QStringLiteral("http://127.0.0.1:11434/v1"));
    child<QLineEdit>(dialog, "keyRef")->setText(QStringLiteral("env:LLMSCHED_LLAMA_KEY"));
    auto* strategy = child<QComboBox>(dialog, "strategy");
    strategy->setCurrentIndex(strategy->findData(QStringLiteral("least_busy")));
    child<QDoubleSpinBox>(dialog, "inputPrice")->setValue(0.5);
    child<QSpinBox>(dialog, "maxAttempts")->setValue(5);
    dialog->save();
    QTRY_VERIFY(!dialog);
    QTRY_VERIFY(view.treeModel()->indexOfModel(QStringLiteral("local/llama")).isValid());
    QTRY_COMPARE(view.currentModel(), QStringLiteral("local/llama"));
    ModelConfig saved;
    for (const ModelConfig& m : f.engine->models()) {
        if (m.name == QStringLiteral("local/llama"))
            saved = m;
    }
    QCOMPARE(saved.strategy, QStringLiteral("least_busy"));
    QCOMPARE(saved.inputPricePerMTok, 0.5);
    QCOMPARE(saved.retry.maxAttempts, 5);
    QCOMPARE(saved.endpoints.size(), 1);
    QCOMPARE(saved.endpoints.at(0).provider, QStringLiteral("openai"));
    QCOMPARE(saved.endpoints.at(0).apiKeyRef, QStringLiteral("env:LLMSCHED_LLAMA_KEY"));
}

// Moving an endpoint to another server while its key reference stays would
// send that key there: the editor asks first; Cancel keeps it unsaved.
void TestModelsView::keyToNewServerNeedsConfirmation()
{
    ModelConfig keyed = testutil::simModel(QStringLiteral("keyed"));
    EndpointConfig& e = keyed.endpoints[0];
    e.name = QStringLiteral("oa");
    e.provider = QStringLiteral("openai");
    e.baseUrl = QStringLiteral("https://api.example.com/v1");
    e.apiKeyRef = QStringLiteral("env:LLMSCHED_TST_REBIND_KEY");
    EngineFixture f({ keyed });
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);

    QPointer<ModelEditorDialog> dialog = view.openEditor(QStringLiteral("keyed"), QStringLiteral("oa"));
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    auto* baseUrl = child<QLineEdit>(dialog, "baseUrl");
    baseUrl->setText(QStringLiteral("https://collector.example.net/v1"));
    const auto question
        = [&dialog]() -> QMessageBox* { return dialog ? dialog->findChild<QMessageBox*>(QStringLiteral("rebindKeyQuestion")) : nullptr; };
    // Testing the connection would send the key there too: the same question first.
    // A busy dialog ignores the request, and a slow (ASan, remote) run can take longer than 5 s to ask.
    QTRY_VERIFY(!dialog->isBusy());
    dialog->testConnection();
    QTRY_VERIFY_WITH_TIMEOUT(question() && question()->isVisible(), 20'000);
    question()->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!question());
    QTRY_VERIFY(!dialog->isBusy());
    dialog->save();
    QTRY_VERIFY_WITH_TIMEOUT(question() && question()->isVisible(), 20'000);
    QVERIFY(question()->text().contains(QStringLiteral("env:LLMSCHED_TST_REBIND_KEY")));
    QVERIFY(question()->text().contains(QStringLiteral("https://collector.example.net/v1")));
    question()->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!question());
    QVERIFY(dialog && dialog->isVisible());
    QVERIFY(hasProblemMark(baseUrl));
    QCOMPARE(f.engine->models().at(0).endpoints.at(0).baseUrl, QStringLiteral("https://api.example.com/v1"));

    QSignalSpy saved(dialog.data(), &ModelEditorDialog::saved);
    QTRY_VERIFY(!dialog->isBusy());
    dialog->save();
    QTRY_VERIFY_WITH_TIMEOUT(question() && question()->isVisible(), 20'000);
    question()->button(QMessageBox::Yes)->click();
    QTRY_COMPARE(saved.count(), 1);
    QTRY_VERIFY(!dialog);
    const EndpointConfig now = f.engine->models().at(0).endpoints.at(0);
    QCOMPARE(now.baseUrl, QStringLiteral("https://collector.example.net/v1"));
    QCOMPARE(now.apiKeyRef, QStringLiteral("env:LLMSCHED_TST_REBIND_KEY"));
    QVERIFY(!now.rebindKey);
}

void TestModelsView::allowedHostsLoadAndSave()
{
    EngineFixture f({ httpModel() });
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);

    QPointer<ModelEditorDialog> dialog = view.openEditor(QStringLiteral("hooks"), QStringLiteral("hook"));
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    auto* hosts = child<QLineEdit>(dialog, "allowedHosts");
    QVERIFY(hosts->isVisible());
    QVERIFY(hosts->isEnabled());
    QVERIFY(!hosts->toolTip().isEmpty());
    QVERIFY(!hosts->placeholderText().isEmpty());
    QCOMPARE(hosts->text(), QStringLiteral("api.example.com, *.cdn.example.org:8443"));

    // Commas, spaces or both separate the entries; a repeated one counts once.
    QSignalSpy saved(dialog.data(), &ModelEditorDialog::saved);
    hosts->setText(QStringLiteral(" files.example.net:443,  *.example.com api.example.com,files.example.net:443 "));
    QCOMPARE(dialog->formConfig().endpoints.at(0).allowedHosts,
        QStringList({ QStringLiteral("files.example.net:443"), QStringLiteral("*.example.com"), QStringLiteral("api.example.com") }));
    dialog->save();
    QTRY_COMPARE(saved.count(), 1);
    QTRY_VERIFY(!dialog);
    const QStringList expected = { QStringLiteral("files.example.net:443"), QStringLiteral("*.example.com"), QStringLiteral("api.example.com") };
    QCOMPARE(saved.at(0).at(0).value<ModelConfig>().endpoints.at(0).allowedHosts, expected);
    QCOMPARE(f.engine->models().at(0).endpoints.at(0).allowedHosts, expected);

    // Reopened, the field shows what was saved; emptied, the endpoint reaches its own origin only.
    const auto shownHosts = [&view] {
        const ModelSnapshot* snap = view.treeModel()->modelAt(view.treeModel()->indexOfModel(QStringLiteral("hooks")));
        return snap && !snap->config.endpoints.isEmpty() ? snap->config.endpoints.at(0).allowedHosts : QStringList {};
    };
    QTRY_COMPARE(shownHosts(), expected);
    dialog = view.openEditor(QStringLiteral("hooks"), QStringLiteral("hook"));
    QVERIFY(dialog);
    hosts = child<QLineEdit>(dialog, "allowedHosts");
    QCOMPARE(hosts->text(), QStringLiteral("files.example.net:443, *.example.com, api.example.com"));
    hosts->clear();
    dialog->save();
    QTRY_VERIFY(!dialog);
    QVERIFY(f.engine->models().at(0).endpoints.at(0).allowedHosts.isEmpty());
    QTRY_VERIFY(shownHosts().isEmpty());
    QCOMPARE(configJson(*f.engine, QStringLiteral("hooks"))
                 .value(QStringLiteral("endpoints"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .contains(QStringLiteral("allowed_hosts")),
        false);

    // Other providers call only their base URL: the empty field is disabled there.
    dialog = view.openEditor(QStringLiteral("hooks"), QStringLiteral("hook"));
    QVERIFY(dialog);
    hosts = child<QLineEdit>(dialog, "allowedHosts");
    auto* provider = child<QComboBox>(dialog, "provider");
    provider->setCurrentIndex(provider->findData(QStringLiteral("openai")));
    QVERIFY(!hosts->isEnabled());
    provider->setCurrentIndex(provider->findData(QStringLiteral("http")));
    QVERIFY(hosts->isEnabled());
    dialog->close();
}

void TestModelsView::badAllowedHostIsRefused_data()
{
    QTest::addColumn<QString>("entry");
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("expected"); // in the message
    QTest::newRow("url") << QStringLiteral("http://x/y") << QStringLiteral("http") << QStringLiteral("“http://x/y”");
    QTest::newRow("path") << QStringLiteral("api.example.com/v1") << QStringLiteral("http") << QStringLiteral("“api.example.com/v1”");
    QTest::newRow("user") << QStringLiteral("user@api.example.com") << QStringLiteral("http") << QStringLiteral("“user@api.example.com”");
    QTest::newRow("not http") << QStringLiteral("api.example.com") << QStringLiteral("simulated") << QStringLiteral("HTTP provider");
}

void TestModelsView::badAllowedHostIsRefused()
{
    QFETCH(QString, entry);
    QFETCH(QString, provider);
    QFETCH(QString, expected);
    EngineFixture f({ httpModel() });
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    const QJsonObject before = configJson(*f.engine, QStringLiteral("hooks"));

    QPointer<ModelEditorDialog> dialog = view.openEditor(QStringLiteral("hooks"), QStringLiteral("hook"));
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QSignalSpy saved(dialog.data(), &ModelEditorDialog::saved);
    auto* hosts = child<QLineEdit>(dialog, "allowedHosts");
    hosts->setText(QStringLiteral("api.example.com, ") + entry);
    auto* providerBox = child<QComboBox>(dialog, "provider");
    providerBox->setCurrentIndex(providerBox->findData(provider));
    // Start from the other tab: the problem brings the field into view.
    dialog->findChild<QTabWidget*>()->setCurrentIndex(0);
    dialog->save();

    QVERIFY2(dialog->message().contains(expected), qPrintable(dialog->message()));
    QVERIFY2(dialog->message().contains(QStringLiteral("“hook”")), qPrintable(dialog->message()));
    if (entry == QLatin1String("http://x/y"))
        saveScreenshot(dialog, QStringLiteral("modeleditor-bad-allowed-host.png"));
    QVERIFY(child<QLabel>(dialog, "message")->isVisible());
    QVERIFY(hosts->isVisible());
    QCOMPARE(dialog->focusWidget(), hosts);
    QVERIFY(hasProblemMark(hosts));
    QVERIFY(!dialog->isBusy());
    QVERIFY(dialog->isVisible());
    QCOMPARE(saved.count(), 0);
    QCOMPARE(configJson(*f.engine, QStringLiteral("hooks")), before);

    // Editing the field takes the mark away; a valid list goes through.
    QTest::keyClick(hosts, Qt::Key_End);
    QTest::keyClicks(hosts, QStringLiteral(" "));
    QTRY_VERIFY(!hasProblemMark(hosts));
    hosts->setText(provider == QLatin1String("http") ? QStringLiteral("api.example.com") : QString());
    dialog->save();
    QTRY_COMPARE(saved.count(), 1);
    QTRY_VERIFY(!dialog);
    QCOMPARE(f.engine->models().at(0).endpoints.at(0).allowedHosts,
        provider == QLatin1String("http") ? QStringList { QStringLiteral("api.example.com") } : QStringList {});
}

void TestModelsView::testConnectionSucceeds()
{
    test::FakeLlmServer server;
    QVERIFY(server.listen());
    EngineFixture f;
    ModelsView view(*f.live);
    ModelEditorDialog* dialog = view.openEditor();
    child<QLineEdit>(dialog, "modelName")->setText(QStringLiteral("remote"));
    child<QLineEdit>(dialog, "baseUrl")->setText(server.baseUrl() + QStringLiteral("/v1"));
    QSignalSpy finished(dialog, &ModelEditorDialog::testFinished);
    auto* button = child<QPushButton>(dialog, "testConnection");
    button->click();
    QVERIFY(dialog->isBusy());
    QVERIFY(!button->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QVERIFY(button->isEnabled());
    QCOMPARE(dialog->lastTestResults().size(), 1);
    QVERIFY(dialog->lastTestResults().at(0).checked);
    QVERIFY(dialog->lastTestResults().at(0).ok);
    QVERIFY2(dialog->message().contains(QStringLiteral("main: answered")), qPrintable(dialog->message()));
    saveScreenshot(dialog, QStringLiteral("modeleditor-test-ok.png"));
    QVERIFY(server.requestCount() >= 1);
    QVERIFY(server.requests().at(0).path.endsWith("/v1/models"));
    // A test saves nothing.
    QCOMPARE(f.engine->models().size(), 1);
}

void TestModelsView::testConnectionFailsOnClosedPort()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    EngineFixture f;
    ModelsView view(*f.live);
    ModelEditorDialog* dialog = view.openEditor(QStringLiteral("sim"));
    auto* provider = child<QComboBox>(dialog, "provider");
    provider->setCurrentIndex(provider->findData(QStringLiteral("openai")));
    child<QLineEdit>(dialog, "baseUrl")->setText(QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    QSignalSpy finished(dialog, &ModelEditorDialog::testFinished);
    dialog->testConnection();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QCOMPARE(dialog->lastTestResults().size(), 1);
    const EndpointTestResult r = dialog->lastTestResults().at(0);
    QVERIFY(!r.ok);
    QVERIFY(!r.message.isEmpty());
    QVERIFY2(dialog->message().contains(r.message), qPrintable(dialog->message()));
    saveScreenshot(dialog, QStringLiteral("modeleditor-test-failed.png"));
    QVERIFY(dialog->isVisible());
    // Not saved: the engine still has the simulated endpoint.
    QCOMPARE(f.engine->models().at(0).endpoints.at(0).provider, QStringLiteral("simulated"));
}

void TestModelsView::neverShowsStoredKey()
{
    const QByteArray secret = "sk-test-secret-0123456789abcdef";
    qputenv("LLMSCHED_TST_MODELSVIEW_KEY", secret);
    test::FakeLlmServer server;
    QVERIFY(server.listen());
    ModelConfig m = testutil::simModel(QStringLiteral("keyed"));
    m.endpoints[0].provider = QStringLiteral("openai");
    m.endpoints[0].baseUrl = server.baseUrl() + QStringLiteral("/v1");
    m.endpoints[0].apiKeyRef = QStringLiteral("env:LLMSCHED_TST_MODELSVIEW_KEY");
    m.endpoints[0].healthCheckIntervalMs = 0;
    EngineFixture f({ m });
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);

    ModelEditorDialog* dialog = view.openEditor(QStringLiteral("keyed"), QStringLiteral("sim"));
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    auto* key = child<QLineEdit>(dialog, "apiKey");
    QCOMPARE(key->echoMode(), QLineEdit::Password);
    QVERIFY(key->text().isEmpty());
    QCOMPARE(child<QLineEdit>(dialog, "keyRef")->text(), QStringLiteral("env:LLMSCHED_TST_MODELSVIEW_KEY"));

    QSignalSpy finished(dialog, &ModelEditorDialog::testFinished);
    dialog->testConnection();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(dialog->message()));
    // The key did reach the server...
    QCOMPARE(server.requests().at(0).headers.value("authorization"), "Bearer " + secret);
    // ...and nowhere in the dialog.
    const auto edits = dialog->findChildren<QLineEdit*>();
    for (QLineEdit* e : edits)
        QVERIFY(!e->text().contains(QString::fromLatin1(secret)));
    const auto labels = dialog->findChildren<QLabel*>();
    for (QLabel* l : labels)
        QVERIFY(!l->text().contains(QString::fromLatin1(secret)));
    QVERIFY(!dialog->message().contains(QString::fromLatin1(secret)));

    // A reference typed into the key field becomes the reference; a key typed there never
    // reaches the configuration.
    key->setText(QStringLiteral("env:OTHER_KEY"));
    QCOMPARE(dialog->formConfig().endpoints.at(0).apiKeyRef, QStringLiteral("env:OTHER_KEY"));
    key->setText(QStringLiteral("sk-typed-but-not-stored-123"));
    const QJsonObject json = dialog->formConfig().toJson();
    QVERIFY(!QJsonDocument(json).toJson().contains("sk-typed"));
    QVERIFY(child<QLabel>(dialog, "keyHint")->text().contains(QStringLiteral("keychain:keyed/sim")));
    qunsetenv("LLMSCHED_TST_MODELSVIEW_KEY");
}

void TestModelsView::typedKeyGoesToKeychainOrIsExplained()
{
    EngineFixture f;
    ModelsView view(*f.live);
    view.show();
    QTRY_COMPARE(view.tree()->model()->rowCount(), 1);
    waitForConfigs(f);
    QPointer<ModelEditorDialog> dialog = view.openEditor();
    child<QLineEdit>(dialog, "modelName")->setText(QStringLiteral("keyed"));
    child<QLineEdit>(dialog, "baseUrl")->setText(QStringLiteral("https://api.example.com/v1"));
    const QString key = QStringLiteral("sk-typed-0123456789abcdef");
    child<QLineEdit>(dialog, "apiKey")->setText(key);
    QVERIFY(!child<QLineEdit>(dialog, "keyRef")->isEnabled());
    QSignalSpy saved(dialog.data(), &ModelEditorDialog::saved);
    dialog->save();
    // Either the host has a keychain (the model saves with a reference to it) or the
    // dialog says why the key could not be stored and saves nothing.
    QTRY_VERIFY_WITH_TIMEOUT(!dialog || (!dialog->isBusy() && !dialog->message().isEmpty()), 30000);
    if (dialog) {
        QVERIFY2(dialog->message().contains(QStringLiteral("keychain")), qPrintable(dialog->message()));
        QVERIFY(!dialog->message().contains(key));
        QCOMPARE(saved.count(), 0);
        QCOMPARE(f.engine->models().size(), 1);
        QCOMPARE(dialog->focusWidget(), child<QLineEdit>(dialog, "apiKey"));
    } else {
        QCOMPARE(saved.count(), 1);
        const ModelConfig m = saved.at(0).at(0).value<ModelConfig>();
        QCOMPARE(m.endpoints.at(0).apiKeyRef, QStringLiteral("keychain:keyed/main"));
        QVERIFY(testutil::await(f.engine->removeSecret(QStringLiteral("keyed/main"))).ok());
    }
}

void TestModelsView::rendersWithoutClipping_data()
{
    QTest::addColumn<QString>("locale");
    QTest::addColumn<bool>("longText");
    QTest::newRow("en") << QStringLiteral("en_US") << false;
    // The shipped Chinese translation, where the build has one.
    QTest::newRow("zh_CN") << QStringLiteral("zh_CN") << false;
    // Every string about twice as wide as in English.
    QTest::newRow("zh_CN long") << QStringLiteral("zh_CN") << true;
}

void TestModelsView::rendersWithoutClipping()
{
    QFETCH(QString, locale);
    QFETCH(bool, longText);
    QLocale::setDefault(QLocale(locale));
    QTranslator qtTranslator;
    QTranslator shipped;
    LongChineseTranslator pseudo;
    if (locale != QLatin1String("en_US")) {
        if (qtTranslator.load(QLocale(locale), QStringLiteral("qtbase"), QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(&qtTranslator);
        if (longText)
            QCoreApplication::installTranslator(&pseudo);
        else if (shipped.load(QLocale(locale), QStringLiteral("llm-scheduler"), QStringLiteral("_"), QStringLiteral(":/i18n")))
            QCoreApplication::installTranslator(&shipped);
    }
    auto cleanup = qScopeGuard([&] {
        QCoreApplication::removeTranslator(&pseudo);
        QCoreApplication::removeTranslator(&shipped);
        QCoreApplication::removeTranslator(&qtTranslator);
    });
    const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-'));

    EngineFixture f({ testutil::simModel(QStringLiteral("sim"), 1000, 4), twoEndpointModel() });
    ModelsView view(*f.live);
    view.resize(1100, 420);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE(view.tree()->model()->rowCount(), 2);
    QList<TaskSpec> specs;
    for (int i = 0; i < 8; ++i)
        specs.append(testutil::spec(QStringLiteral("sim")));
    QVERIFY(testutil::await(f.engine->submit(specs)).ok());
    QTRY_VERIFY(cell(view.treeModel(), view.treeModel()->indexOfModel(QStringLiteral("sim")), ModelTreeModel::InflightColumn)
                    .startsWith(QStringLiteral("4 ")));
    view.selectModel(QStringLiteral("pair"));
    checkNothingClipped(&view);
    QHeaderView* header = view.tree()->header();
    for (int c = 0; c < ModelTreeModel::ColumnCount - 1; ++c)
        QVERIFY2(header->sectionSize(c) >= header->sectionSizeHint(c), qPrintable(QString::number(c)));
    saveScreenshot(&view, QStringLiteral("modelsview-%1.png").arg(tag));

    ModelEditorDialog* dialog = view.openEditor(QStringLiteral("pair"));
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    auto* tabs = dialog->findChild<QTabWidget*>();
    QVERIFY(tabs);
    for (int page = 0; page < tabs->count(); ++page) {
        tabs->setCurrentIndex(page);
        checkNothingClipped(dialog);
        if (QTest::currentTestFailed())
            qWarning("clipped on page %d", page);
        saveScreenshot(dialog, QStringLiteral("modeleditor-%1-%2.png").arg(tag).arg(page));
    }
    dialog->close();
}

QTEST_MAIN(TestModelsView)
#include "tst_modelsview.moc"
