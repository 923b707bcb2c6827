#pragma once

#include <QString>
#include <QUrl>

class QApplication;

namespace llmsched::ui {

// The GUI's preferences, kept in QSettings (one place for keys and defaults).
struct Settings
{
    QString dataDir; // empty: the platform default
    bool apiEnabled = true;
    QString apiAddress = QStringLiteral("127.0.0.1");
    int apiPort = 8787;
    QString theme = QStringLiteral("system"); // system | light | dark
    QString language = QStringLiteral("system"); // system | en | zh_CN
    bool demoFeed = true; // feed the simulated demo model (on until turned off)
    double demoRate = 8;
    bool trayNotifications = true;
    // Hosts webhooks may reach at loopback or private addresses ("host",
    // "host:port", "*.domain", "*"): EngineOptions::webhookPrivateHosts.
    QStringList webhookPrivateHosts;
    bool firstRun = true;
    // The server the window showed last (empty: this computer's engine);
    // started connected to it again. Its token is in the keychain.
    QString connectUrl;
    bool serviceOffered = false; // asked once whether to show the local service

    static Settings load();
    void save() const;

    // Remembered as they change, each on its own, so a save of the
    // preferences above (from a copy loaded earlier) does not undo them.
    static QString importFolder(); // where the last import came from
    static void setImportFolder(const QString& folder);
    static QString chartRange(); // the Statistics range last chosen: "15m", "1h", "24h", "7d"
    static void setChartRange(const QString& range);
};

// Installs Qt's and our translations for `language` ("system": the locale's)
// and makes it the default locale for number and date formats.
void installTranslations(QApplication& app, const QString& language);

// Applies light/dark: "system" keeps the platform's palette (Qt follows the
// desktop's colour scheme), the others use Fusion with a fixed palette.
void applyTheme(QApplication& app, const QString& theme);

} // namespace llmsched::ui
