// llm-scheduler: the desktop control center. Embeds the engine and the REST
// server and shows them in the main window (ui/).

#include "controlcenter.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>

#include <cstdio>
#include <QMessageBox>

using namespace llmsched;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("llm-scheduler"));
    QApplication::setOrganizationName(QStringLiteral("llm-scheduler"));
    QApplication::setApplicationDisplayName(QStringLiteral("LLM Scheduler"));
    QApplication::setApplicationVersion(QStringLiteral(LLMSCHED_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.llm_scheduler.LLMScheduler"));
    QIcon icon;
    icon.addFile(QStringLiteral(":/icons/llm-scheduler-32.png"));
    icon.addFile(QStringLiteral(":/icons/llm-scheduler-256.png"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("llm-scheduler"), icon));
    QApplication::setQuitOnLastWindowClosed(true);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("LLM Scheduler desktop control center"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption dataDir(
        QStringLiteral("data-dir"), QStringLiteral("Where the database lives (default: the platform's app data directory)."), QStringLiteral("DIR"));
    QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Feed the simulated demo model with tasks."));
    QCommandLineOption noApi(QStringLiteral("no-api"), QStringLiteral("Do not serve the REST API."));
    QCommandLineOption language(QStringLiteral("language"), QStringLiteral("Interface language: en, zh_CN or system."), QStringLiteral("LANG"));
    QCommandLineOption connectTo(QStringLiteral("connect"),
        QStringLiteral("Show the llm-schedulerd at URL (e.g. http://127.0.0.1:8787) instead of running an engine here."), QStringLiteral("URL"));
    QCommandLineOption tokenFile(
        QStringLiteral("token-file"), QStringLiteral("Read the API token for --connect from FILE (its first line)."), QStringLiteral("FILE"));
    parser.addOptions({ dataDir, demo, noApi, language, connectTo, tokenFile });
    parser.process(app);

    ui::ControlCenter::Options options;
    options.settings = ui::Settings::load();
    options.dataDirOverride = parser.value(dataDir);
    options.forceDemo = parser.isSet(demo);
    options.noApi = parser.isSet(noApi);
    if (!parser.isSet(connectTo) && !options.settings.connectUrl.isEmpty() && !parser.isSet(dataDir))
        options.connectUrl = QUrl(options.settings.connectUrl); // the server shown last time (token: keychain)
    if (parser.isSet(connectTo)) {
        options.connectUrl = QUrl::fromUserInput(parser.value(connectTo));
        if (parser.isSet(tokenFile)) {
            QFile f(parser.value(tokenFile));
            if (!f.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "llm-scheduler: cannot read the token file %s: %s\n", qPrintable(f.fileName()), qPrintable(f.errorString()));
                return 2;
            }
            options.token = QString::fromUtf8(f.readLine(4096)).trimmed();
        }
    }
    ui::installTranslations(app, parser.isSet(language) ? parser.value(language) : options.settings.language);
    ui::applyTheme(app, options.settings.theme);

    ui::ControlCenter center(options);
    if (auto r = center.start(); !r) {
        QMessageBox::critical(
            nullptr, QStringLiteral("LLM Scheduler"), ui::MainWindow::tr("The engine could not start:\n\n%1").arg(r.error().message));
        return 1;
    }
    center.window()->show();
    const int code = QApplication::exec();
    center.shutdown();
    return code;
}
