#include "settingsdialog.h"

#include "livestate.h"
#include "uiutil.h"

#include "client/engineclient.h"
#include "engine.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHostAddress>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace llmsched::ui {

SettingsDialog::SettingsDialog(LiveState& live, const Settings& settings, const QString& restAddress, const QString& restError, QWidget* parent)
    : QDialog(parent)
    , m_live(live)
    , m_settings(settings)
{
    setWindowTitle(tr("Settings"));
    auto* tabs = new QTabWidget(this);

    // General
    auto* general = new QWidget(tabs);
    m_dataDir = new QLineEdit(settings.dataDir, general);
    m_dataDir->setPlaceholderText(defaultDataDir());
    auto* browse = new QPushButton(tr("Browse…"), general);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir
            = QFileDialog::getExistingDirectory(this, tr("Data directory"), m_dataDir->text().isEmpty() ? defaultDataDir() : m_dataDir->text());
        if (!dir.isEmpty())
            m_dataDir->setText(dir);
    });
    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(m_dataDir, 1);
    dirRow->addWidget(browse);
    m_language = new QComboBox(general);
    m_language->addItem(tr("System language"), QStringLiteral("system"));
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    m_language->setCurrentIndex(std::max(0, m_language->findData(settings.language)));
    m_theme = new QComboBox(general);
    m_theme->addItem(tr("Follow the system"), QStringLiteral("system"));
    m_theme->addItem(tr("Light"), QStringLiteral("light"));
    m_theme->addItem(tr("Dark"), QStringLiteral("dark"));
    m_theme->setCurrentIndex(std::max(0, m_theme->findData(settings.theme)));
    m_demo = new QCheckBox(tr("Feed the simulated demo model with tasks"), general);
    m_demo->setChecked(settings.demoFeed);
    m_demoRate = new QDoubleSpinBox(general);
    m_demoRate->setRange(0.1, 10000);
    m_demoRate->setDecimals(1);
    m_demoRate->setSuffix(tr(" tasks/s"));
    m_demoRate->setValue(settings.demoRate);
    m_tray = new QCheckBox(tr("Notify about failures and dead-letter growth"), general);
    m_tray->setChecked(settings.trayNotifications);
    m_webhookHosts = new QLineEdit(settings.webhookPrivateHosts.join(QStringLiteral(", ")), general);
    m_webhookHosts->setObjectName(QStringLiteral("webhookHosts"));
    m_webhookHosts->setPlaceholderText(tr("none: public addresses only"));
    m_webhookHosts->setToolTip(tr("Webhooks reach loopback, private and link-local addresses only for these hosts: host, host:port, "
                                  "*.domain or *, separated by commas."));
    auto* restart = new QLabel(tr("The data directory, the language and the webhook hosts take effect after a restart."), general);
    restart->setWordWrap(true);
    restart->setEnabled(false);
    auto* gf = new QFormLayout(general);
    // The field is a layout (path and Browse): the label needs its buddy
    // named, or it shows the "&" instead of a shortcut.
    auto* dirLabel = new QLabel(tr("&Data directory:"), general);
    dirLabel->setBuddy(m_dataDir);
    gf->addRow(dirLabel, dirRow);
    gf->addRow(tr("&Language:"), m_language);
    gf->addRow(tr("&Theme:"), m_theme);
    gf->addRow(tr("Demo:"), m_demo);
    gf->addRow(tr("Demo &rate:"), m_demoRate);
    gf->addRow(tr("Notifications:"), m_tray);
    gf->addRow(tr("&Webhooks may reach:"), m_webhookHosts);
    gf->addRow(restart);
    tabs->addTab(general, tr("General"));

    // REST API
    auto* api = new QWidget(tabs);
    m_api = new QCheckBox(tr("Serve the REST API and the OpenAI-compatible endpoint"), api);
    m_api->setChecked(settings.apiEnabled);
    m_apiAddress = new QLineEdit(settings.apiAddress, api);
    m_apiPort = new QSpinBox(api);
    m_apiPort->setRange(1, 65535);
    m_apiPort->setValue(settings.apiPort);
    QString nowText;
    if (live.client().isRemote())
        nowText = tr("This window shows %1; the REST API is that server's. These settings apply when it shows this computer's engine.")
                      .arg(live.client().location());
    else if (!restAddress.isEmpty())
        nowText = tr("Serving now at %1").arg(restAddress);
    else if (!restError.isEmpty())
        nowText = tr("Not serving: %1. Another program (the llm-scheduler service?) may hold the port: choose another port, or show "
                     "that service with File > Connect to server.")
                      .arg(restError);
    else
        nowText = tr("Not serving now (turned off, or --no-api).");
    auto* now = new QLabel(nowText, api);
    now->setObjectName(QStringLiteral("restNow"));
    now->setWordWrap(true);
    now->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_tokens = new QTreeWidget(api);
    m_tokens->setHeaderLabels({ tr("Token"), tr("Name"), tr("Role"), tr("Created"), tr("Last used") });
    m_tokens->setRootIsDecorated(false);
    m_tokens->header()->setStretchLastSection(true);
    auto* create = new QPushButton(tr("&New token…"), api);
    auto* revoke = new QPushButton(tr("&Revoke"), api);
    revoke->setEnabled(false);
    connect(m_tokens, &QTreeWidget::itemSelectionChanged, this, [this, revoke] { revoke->setEnabled(!m_tokens->selectedItems().isEmpty()); });
    connect(create, &QPushButton::clicked, this, &SettingsDialog::createToken);
    connect(revoke, &QPushButton::clicked, this, &SettingsDialog::revokeToken);
    m_tokenMessage = new QLabel(api);
    m_tokenMessage->setWordWrap(true);
    m_tokenMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* tokenButtons = new QHBoxLayout;
    tokenButtons->addWidget(create);
    tokenButtons->addWidget(revoke);
    tokenButtons->addStretch(1);
    auto* af = new QFormLayout;
    af->addRow(m_api);
    af->addRow(tr("&Address:"), m_apiAddress);
    af->addRow(tr("&Port:"), m_apiPort);
    af->addRow(now);
    auto* apiLayout = new QVBoxLayout(api);
    apiLayout->addLayout(af);
    apiLayout->addWidget(new QLabel(tr("Access tokens (clients send them as \"Authorization: Bearer …\"):"), api));
    apiLayout->addWidget(m_tokens, 1);
    apiLayout->addLayout(tokenButtons);
    apiLayout->addWidget(m_tokenMessage);
    tabs->addTab(api, tr("REST API"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (QHostAddress(m_apiAddress->text().trimmed()).isNull()) {
            m_apiAddress->setFocus();
            QMessageBox::warning(
                this, tr("Settings"), tr("\"%1\" is not an IP address (for example 127.0.0.1 or 0.0.0.0).").arg(m_apiAddress->text()));
            return;
        }
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs, 1);
    layout->addWidget(buttons);
    resize(640, 460);
    reloadTokens();
}

Settings SettingsDialog::settings() const
{
    Settings s = m_settings;
    s.dataDir = m_dataDir->text().trimmed();
    s.language = m_language->currentData().toString();
    s.theme = m_theme->currentData().toString();
    s.demoFeed = m_demo->isChecked();
    s.demoRate = m_demoRate->value();
    s.trayNotifications = m_tray->isChecked();
    s.webhookPrivateHosts = m_webhookHosts->text().split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    s.apiEnabled = m_api->isChecked();
    s.apiAddress = m_apiAddress->text().trimmed();
    s.apiPort = m_apiPort->value();
    return s;
}

void SettingsDialog::reloadTokens()
{
    onResult(m_live.client().apiTokens(), this, [this](const Result<QList<ApiToken>>& r) {
        m_tokens->clear();
        if (!r) {
            m_tokenMessage->setText(r.error().message);
            return;
        }
        for (const ApiToken& t : *r) {
            if (t.revokedMs > 0)
                continue;
            auto* item = new QTreeWidgetItem(
                m_tokens, { t.id, t.name, roleName(t.role), Text::time(t.createdMs), t.lastUsedMs > 0 ? Text::time(t.lastUsedMs) : tr("never") });
            item->setData(0, Qt::UserRole, t.id);
        }
        emit tokensLoaded();
    });
}

void SettingsDialog::createToken()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("New token"), tr("Name (who or what uses it):"), QLineEdit::Normal, QString(), &ok);
    if (!ok)
        return;
    const QStringList roles
        = { tr("viewer: read only"), tr("operator: submit and manage tasks"), tr("admin: everything, including models and tokens") };
    const QString role = QInputDialog::getItem(this, tr("New token"), tr("Role:"), roles, 1, false, &ok);
    if (!ok)
        return;
    const Role r = static_cast<Role>(roles.indexOf(role));
    onResult(m_live.client().createToken(name.trimmed(), r), this, [this](const Result<NewToken>& t) {
        if (!t) {
            m_tokenMessage->setText(t.error().message);
            return;
        }
        m_tokenMessage->setText(tr("New token %1 — copy it now, it is not shown again:<br><b>%2</b>").arg(t->token.id, t->secret));
        reloadTokens();
    });
}

void SettingsDialog::revokeToken()
{
    const auto items = m_tokens->selectedItems();
    if (items.isEmpty())
        return;
    const QString id = items.constFirst()->data(0, Qt::UserRole).toString();
    onResult(m_live.client().revokeToken(id), this, [this, id](const VoidResult& r) {
        m_tokenMessage->setText(r ? tr("Revoked %1.").arg(id) : r.error().message);
        reloadTokens();
    });
}

} // namespace llmsched::ui
