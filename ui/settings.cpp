#include "settings.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

namespace llmsched::ui {

Settings Settings::load()
{
    QSettings s;
    Settings o;
    o.dataDir = s.value(QStringLiteral("engine/dataDir")).toString();
    o.apiEnabled = s.value(QStringLiteral("api/enabled"), o.apiEnabled).toBool();
    o.apiAddress = s.value(QStringLiteral("api/address"), o.apiAddress).toString();
    o.apiPort = s.value(QStringLiteral("api/port"), o.apiPort).toInt();
    o.theme = s.value(QStringLiteral("ui/theme"), o.theme).toString();
    o.language = s.value(QStringLiteral("ui/language"), o.language).toString();
    o.demoFeed = s.value(QStringLiteral("demo/feed"), o.demoFeed).toBool();
    o.demoRate = s.value(QStringLiteral("demo/rate"), o.demoRate).toDouble();
    o.trayNotifications = s.value(QStringLiteral("ui/trayNotifications"), o.trayNotifications).toBool();
    o.webhookPrivateHosts = s.value(QStringLiteral("engine/webhookPrivateHosts")).toStringList();
    o.firstRun = !s.value(QStringLiteral("engine/started")).toBool();
    o.connectUrl = s.value(QStringLiteral("connection/url")).toString();
    o.serviceOffered = s.value(QStringLiteral("connection/serviceOffered"), false).toBool();
    return o;
}

void Settings::save() const
{
    QSettings s;
    s.setValue(QStringLiteral("engine/dataDir"), dataDir);
    s.setValue(QStringLiteral("api/enabled"), apiEnabled);
    s.setValue(QStringLiteral("api/address"), apiAddress);
    s.setValue(QStringLiteral("api/port"), apiPort);
    s.setValue(QStringLiteral("ui/theme"), theme);
    s.setValue(QStringLiteral("ui/language"), language);
    s.setValue(QStringLiteral("demo/feed"), demoFeed);
    s.setValue(QStringLiteral("demo/rate"), demoRate);
    s.setValue(QStringLiteral("ui/trayNotifications"), trayNotifications);
    s.setValue(QStringLiteral("engine/webhookPrivateHosts"), webhookPrivateHosts);
    s.setValue(QStringLiteral("engine/started"), !firstRun);
    s.setValue(QStringLiteral("connection/url"), connectUrl);
    s.setValue(QStringLiteral("connection/serviceOffered"), serviceOffered);
}

QString Settings::importFolder()
{
    return QSettings().value(QStringLiteral("ui/importFolder")).toString();
}

void Settings::setImportFolder(const QString& folder)
{
    QSettings().setValue(QStringLiteral("ui/importFolder"), folder);
}

QString Settings::chartRange()
{
    return QSettings().value(QStringLiteral("ui/chartRange")).toString();
}

void Settings::setChartRange(const QString& range)
{
    QSettings().setValue(QStringLiteral("ui/chartRange"), range);
}

void installTranslations(QApplication& app, const QString& language)
{
    const QLocale locale = language == QLatin1String("system") || language.isEmpty() ? QLocale() : QLocale(language);
    QLocale::setDefault(locale);
    auto* qt = new QTranslator(&app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qt);
    else
        delete qt;
    auto* ours = new QTranslator(&app);
    // English (the sources' language) has only the plural forms: it is the
    // fallback for any language without a translation.
    if (ours->load(locale, QStringLiteral("llm-scheduler"), QStringLiteral("_"), QStringLiteral(":/i18n"))
        || ours->load(QStringLiteral(":/i18n/llm-scheduler_en")))
        QApplication::installTranslator(ours);
    else
        delete ours;
}

void applyTheme(QApplication& app, const QString& theme)
{
    static const QString platformStyle = app.style()->name();
    static const QPalette platformPalette = app.palette();
    if (theme == QLatin1String("dark")) {
        app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5), mid(0x3c, 0x3f, 0x41);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
        p.setColor(QPalette::ToolTipBase, window);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, mid);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::BrightText, Qt::white);
        p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xf0));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::Link, QColor(0x6c, 0xa0, 0xf6));
        p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x7a, 0x7d, 0x82));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x7a, 0x7d, 0x82));
        p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x7a, 0x7d, 0x82));
        app.setPalette(p);
    } else if (theme == QLatin1String("light")) {
        app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        app.setPalette(app.style()->standardPalette());
    } else {
        app.setStyle(QStyleFactory::create(platformStyle));
        app.setPalette(platformPalette);
    }
}

} // namespace llmsched::ui
