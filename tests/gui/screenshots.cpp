// Renders every view and the main dialogs of llm-scheduler to PNG files, over
// a live engine fed with demo work: docs/screenshots/ (scripts/screenshots.sh).
// Usage: llm-scheduler-screenshots OUTDIR [LANGUAGE]

#include "controlcenter.h"
#include "livestate.h"
#include "mainwindow.h"
#include "modeleditordialog.h"
#include "queueview.h"
#include "schedulesview.h"
#include "settingsdialog.h"
#include "statisticsview.h"
#include "submitdialog.h"
#include "taskdetaildialog.h"
#include "tasktablemodel.h"
#include "workflowsview.h"

#include "enginetestutil.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QMessageBox>
#include <QDeadlineTimer>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QJsonArray>
#include <QTabWidget>
#include <QLineEdit>
#include <QTemporaryDir>

using namespace llmsched;

namespace {

void pump(int ms)
{
    QDeadlineTimer t(ms);
    while (!t.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

bool save(QWidget* w, const QString& path)
{
    const bool ok = w->grab().save(path);
    QTextStream(stdout) << (ok ? "wrote " : "FAILED ") << path << '\n';
    return ok;
}

} // namespace

int main(int argc, char** argv)
{
    QStandardPaths::setTestModeEnabled(true); // never touch the user's settings
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("llm-scheduler-screenshots"));
    QApplication::setApplicationName(QStringLiteral("llm-scheduler"));
    if (argc < 2) {
        QTextStream(stderr) << "usage: llm-scheduler-screenshots OUTDIR [LANGUAGE]\n";
        return 2;
    }
    const QString out = QString::fromLocal8Bit(argv[1]);
    const QString language = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("en");
    QDir().mkpath(out);
    QSettings().clear();
    ui::installTranslations(app, language);
    QTemporaryDir dir;

    ui::ControlCenter::Options o;
    o.settings.demoRate = 40;
    o.settings.apiPort = 0;
    o.dataDirOverride = dir.path();
    o.forceDemo = true;
    ui::ControlCenter center(o);
    if (auto r = center.start(); !r) {
        QTextStream(stderr) << r.error().message << '\n';
        return 1;
    }
    // A second, real-looking model (its endpoint is simulated so nothing leaves the machine).
    ModelConfig m = testutil::simModel(QStringLiteral("gpt-4o-mini"), 120, 32);
    m.endpoints[0].name = QStringLiteral("openai-east");
    EndpointConfig e2 = m.endpoints[0];
    e2.name = QStringLiteral("openai-west");
    e2.simulation.failureRate = 0.15;
    m.endpoints.append(e2);
    m.inputPricePerMTok = 0.15;
    m.outputPricePerMTok = 0.6;
    testutil::await(center.engine()->upsertModel(m));
    QList<TaskSpec> specs;
    for (int i = 0; i < 3000; ++i)
        specs.append(testutil::spec(QStringLiteral("gpt-4o-mini"), i % 10, QStringLiteral("Summarise ticket #%1").arg(i)));
    testutil::await(center.engine()->submit(specs));
    // The Workflows view's content: a map-reduce workflow (running), a
    // schedule, a template and a webhook (to a documentation address, so its
    // deliveries fail and say why).
    {
        QJsonArray tasks { QJsonObject { { QStringLiteral("key"), QStringLiteral("split") },
            { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Split the report") } } },
            { QStringLiteral("kind"), QStringLiteral("completion") } } };
        QJsonArray parents;
        for (int i = 0; i < 12; ++i) {
            const QString key = QStringLiteral("summarise-%1").arg(i + 1);
            tasks.append(QJsonObject { { QStringLiteral("key"), key }, { QStringLiteral("depends_on"), QJsonArray { QStringLiteral("split") } },
                { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Summarise part %1").arg(i + 1) } } },
                { QStringLiteral("kind"), QStringLiteral("completion") } });
            parents.append(QJsonObject { { QStringLiteral("key"), key }, { QStringLiteral("on_failure"), QStringLiteral("continue") } });
        }
        tasks.append(QJsonObject { { QStringLiteral("key"), QStringLiteral("digest") }, { QStringLiteral("depends_on"), parents },
            { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Write the digest") } } },
            { QStringLiteral("kind"), QStringLiteral("completion") } });
        tasks.append(QJsonObject { { QStringLiteral("key"), QStringLiteral("publish") },
            { QStringLiteral("depends_on"), QJsonArray { QStringLiteral("digest") } },
            { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Publish") } } },
            { QStringLiteral("kind"), QStringLiteral("completion") } });
        auto plan = WorkflowPlan::fromJson(QJsonObject { { QStringLiteral("name"), QStringLiteral("weekly-report") },
            { QStringLiteral("model"), QStringLiteral("gpt-4o-mini") }, { QStringLiteral("tasks"), tasks } });
        if (plan)
            testutil::await(center.engine()->createWorkflow(*plan));
        auto schedule = ScheduleSpec::fromJson(QJsonObject { { QStringLiteral("name"), QStringLiteral("nightly digest") },
            { QStringLiteral("cron"), QStringLiteral("0 2 * * MON-FRI") }, { QStringLiteral("timezone"), QStringLiteral("Europe/Berlin") },
            { QStringLiteral("task"),
                QJsonObject { { QStringLiteral("model"), QStringLiteral("gpt-4o-mini") }, { QStringLiteral("kind"), QStringLiteral("completion") },
                    { QStringLiteral("input"), QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Digest") } } } } } });
        if (schedule)
            testutil::await(center.engine()->createSchedule(*schedule));
        auto version = TemplateVersion::fromJson(QJsonObject { { QStringLiteral("description"), QStringLiteral("A summary of one ticket") },
            { QStringLiteral("variables"),
                QJsonObject { { QStringLiteral("ticket"), QJsonObject { { QStringLiteral("type"), QStringLiteral("integer") } } } } },
            { QStringLiteral("body"),
                QJsonObject { { QStringLiteral("model"), QStringLiteral("gpt-4o-mini") }, { QStringLiteral("kind"), QStringLiteral("completion") },
                    { QStringLiteral("input"),
                        QJsonObject { { QStringLiteral("prompt"), QStringLiteral("Summarise ticket {{vars.ticket}}") } } } } } });
        if (version)
            testutil::await(center.engine()->putTemplate(QStringLiteral("ticket-summary"), *version));
        auto hook = WebhookSpec::fromJson(QJsonObject { { QStringLiteral("url"), QStringLiteral("https://192.0.2.10/hooks/llm") },
            { QStringLiteral("scope"), QStringLiteral("model") }, { QStringLiteral("target"), QStringLiteral("gpt-4o-mini") },
            { QStringLiteral("description"), QStringLiteral("billing") } });
        if (hook)
            testutil::await(center.engine()->createWebhook(*hook));
    }

    ui::MainWindow* w = center.window();
    w->resize(1360, 840);
    w->show();
    pump(8000);
    const QString suffix = language == QLatin1String("en") ? QString() : QLatin1Char('_') + language;
    bool ok = true;
    const QStringList names = { QStringLiteral("queue"), QStringLiteral("models"), QStringLiteral("statistics"), QStringLiteral("dead-letters"),
        QStringLiteral("logs"), QStringLiteral("nodes") };
    for (int i = 0; i < names.size(); ++i) {
        w->showView(static_cast<ui::MainWindow::View>(i));
        if (i == 0)
            w->queueView()->model()->refresh();
        pump(1200);
        ok &= save(w, QStringLiteral("%1/%2%3.png").arg(out, names.at(i), suffix));
    }

    // One endpoint of a model over the last 15 minutes, in 10-second buckets.
    w->showView(ui::MainWindow::View::Workflows);
    if (auto* workflows = w->findChild<ui::WorkflowsView*>()) {
        const QStringList tabs
            = { QStringLiteral("workflows"), QStringLiteral("schedules"), QStringLiteral("templates"), QStringLiteral("webhooks") };
        for (int t = 0; t < tabs.size(); ++t) {
            workflows->tabs()->setCurrentIndex(t);
            pump(1500);
            ok &= save(w, QStringLiteral("%1/%2%3.png").arg(out, tabs.at(t), suffix));
        }
        ui::ScheduleEditor editor({});
        editor.nameEdit()->setText(QStringLiteral("nightly digest"));
        editor.cronEdit()->setText(QStringLiteral("0 30 2 * * MON-FRI"));
        editor.show();
        pump(300);
        ok &= save(&editor, QStringLiteral("%1/schedule-editor%2.png").arg(out, suffix));
    }
    w->showView(ui::MainWindow::View::Statistics);
    if (auto* stats = w->findChild<ui::StatisticsView*>()) {
        stats->setRange(ui::StatsRange::Minutes15);
        stats->setModel(QStringLiteral("gpt-4o-mini"));
        stats->setEndpoint(QStringLiteral("openai-west"));
        pump(1500);
        ok &= save(w, QStringLiteral("%1/statistics-endpoint%2.png").arg(out, suffix));
        stats->setModel({});
        stats->setRange(ui::StatsRange::Hour);
    }

    w->showView(ui::MainWindow::View::Queue);
    pump(500);
    {
        ui::SubmitDialog d(center.live(), w);
        d.setPrompt(QStringLiteral("Write a haiku about queues."));
        d.show();
        pump(300);
        ok &= save(&d, QStringLiteral("%1/submit%2.png").arg(out, suffix));
    }
    const QString id = w->queueView()->model()->taskId(0);
    if (!id.isEmpty()) {
        auto* d = new ui::TaskDetailDialog(center.live(), id, w);
        d->show();
        pump(800);
        ok &= save(d, QStringLiteral("%1/task-detail%2.png").arg(out, suffix));
        d->close();
    }
    {
        // The editor pointing at a field the engine's validation refuses.
        ui::ModelEditorDialog d(center.client(), std::nullopt, w);
        d.show();
        if (auto* name = d.findChild<QLineEdit*>(QStringLiteral("modelName")))
            name->setText(QStringLiteral("my-vllm"));
        if (auto* provider = d.findChild<QComboBox*>(QStringLiteral("provider")))
            provider->setCurrentIndex(provider->findData(QStringLiteral("openai")));
        if (auto* url = d.findChild<QLineEdit*>(QStringLiteral("baseUrl")))
            url->setText(QStringLiteral("ftp://files.example.com"));
        d.save();
        pump(300);
        ok &= save(&d, QStringLiteral("%1/model-editor-problem%2.png").arg(out, suffix));
    }
    {
        // Moving an endpoint whose key reference stays to another server: the editor asks first.
        ModelConfig keyed = testutil::simModel(QStringLiteral("gpt-4.1"));
        keyed.paused = true; // nothing is called
        keyed.endpoints[0].name = QStringLiteral("openai");
        keyed.endpoints[0].provider = QStringLiteral("openai");
        keyed.endpoints[0].baseUrl = QStringLiteral("https://api.openai.com/v1");
        keyed.endpoints[0].apiKeyRef = QStringLiteral("env:LLMSCHED_OPENAI_KEY");
        testutil::await(center.engine()->upsertModel(keyed));
        ui::ModelEditorDialog d(center.client(), keyed, w);
        d.show();
        if (auto* url = d.findChild<QLineEdit*>(QStringLiteral("baseUrl")))
            url->setText(QStringLiteral("https://llm-proxy.example.net/v1"));
        d.save();
        pump(600);
        if (auto* question = d.findChild<QMessageBox*>(QStringLiteral("rebindKeyQuestion")))
            ok &= save(question, QStringLiteral("%1/model-editor-rebind-key%2.png").arg(out, suffix));
        else
            ok = false;
    }
    {
        ui::SettingsDialog d(center.live(), ui::Settings::load(), center.restAddress(), {}, w);
        d.show();
        pump(300);
        ok &= save(&d, QStringLiteral("%1/settings%2.png").arg(out, suffix));
    }
    center.shutdown();
    return ok ? 0 : 1;
}
