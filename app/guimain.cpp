// llm-scheduler: the desktop control center. Embeds the engine (and, when
// enabled, the REST server) and shows it in the main window.

#include "livestate.h"
#include "mainwindow.h"

#include "engine.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

using namespace llmsched;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("llm-scheduler"));
    QApplication::setOrganizationName(QStringLiteral("llm-scheduler"));
    QApplication::setApplicationDisplayName(QStringLiteral("LLM Scheduler"));
    QApplication::setApplicationVersion(QStringLiteral(LLMSCHED_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("LLM Scheduler desktop control center"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption dataDir(QStringLiteral("data-dir"), QStringLiteral("Where the database lives."), QStringLiteral("DIR"));
    parser.addOption(dataDir);
    parser.process(app);

    EngineOptions options;
    options.dataDir = parser.isSet(dataDir) ? parser.value(dataDir) : defaultDataDir();
    options.simulate = true;
    Engine engine(options);
    if (auto r = engine.start(); !r) {
        QMessageBox::critical(nullptr, QObject::tr("LLM Scheduler"), r.error().message);
        return 1;
    }
    ui::LiveState live(engine);
    ui::MainWindow window(live);
    window.show();
    const int code = QApplication::exec();
    engine.shutdown(5000);
    return code;
}
