#include "connectdialog.h"

#include "uiutil.h"

#include "client/remoteclient.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace llmsched::ui {

ConnectDialog::ConnectDialog(const QUrl& current, QWidget* parent)
    : QDialog(parent)
    , m_servers(ServerList::load())
{
    setWindowTitle(tr("Connect to server"));
    setAttribute(Qt::WA_DeleteOnClose);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("servers"));
    m_list->setMinimumWidth(220);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("serverName"));
    m_name->setPlaceholderText(tr("e.g. Production"));
    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("serverUrl"));
    m_url->setPlaceholderText(ServerList::localService().toString());
    m_token = new QLineEdit(this);
    m_token->setObjectName(QStringLiteral("serverToken"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setToolTip(tr("An API token of the server (llm-schedulerd token create); kept in the system keychain, never in the settings file"));
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("testResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* form = new QFormLayout;
    auto* nameLabel = new QLabel(tr("&Name:"), this);
    nameLabel->setBuddy(m_name);
    auto* urlLabel = new QLabel(tr("&URL:"), this);
    urlLabel->setBuddy(m_url);
    auto* tokenLabel = new QLabel(tr("&Token:"), this);
    tokenLabel->setBuddy(m_token);
    form->addRow(nameLabel, m_name);
    form->addRow(urlLabel, m_url);
    form->addRow(tokenLabel, m_token);

    auto* add = new QPushButton(tr("&Add server"), this);
    add->setObjectName(QStringLiteral("addServer"));
    m_remove = new QPushButton(tr("&Remove"), this);
    m_remove->setObjectName(QStringLiteral("removeServer"));
    m_test = new QPushButton(tr("T&est"), this);
    m_test->setObjectName(QStringLiteral("test"));
    auto* row = new QHBoxLayout;
    row->addWidget(add);
    row->addWidget(m_remove);
    row->addStretch();
    row->addWidget(m_test);

    auto* right = new QVBoxLayout;
    right->addLayout(form);
    right->addLayout(row);
    right->addWidget(m_result);
    right->addStretch();
    auto* top = new QHBoxLayout;
    top->addWidget(m_list);
    top->addLayout(right, 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton* connectButton = buttons->addButton(tr("&Connect"), QDialogButtonBox::AcceptRole);
    connectButton->setObjectName(QStringLiteral("connect"));
    connectButton->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(buttons);

    connect(add, &QPushButton::clicked, this, &ConnectDialog::addServer);
    connect(m_remove, &QPushButton::clicked, this, &ConnectDialog::removeServer);
    connect(m_test, &QPushButton::clicked, this, &ConnectDialog::test);
    connect(m_list, &QListWidget::currentRowChanged, this, &ConnectDialog::onSelected);
    fill();
    int row0 = 0;
    for (int i = 0; i < m_servers.size(); ++i)
        if (m_servers.at(i).url == current)
            row0 = i + 1;
    m_list->setCurrentRow(row0);
    resize(680, 320);
}

void ConnectDialog::fill()
{
    const QSignalBlocker block(m_list);
    m_list->clear();
    m_list->addItem(tr("This computer (embedded)"));
    for (const ServerEntry& e : std::as_const(m_servers))
        m_list->addItem(e.name.isEmpty() ? e.url.toDisplayString() : tr("%1 (%2)").arg(e.name, e.url.toDisplayString()));
}

void ConnectDialog::onSelected()
{
    const int row = m_list->currentRow();
    const bool embedded = row <= 0;
    for (QWidget* w : std::initializer_list<QWidget*> { m_name, m_url, m_token, m_test, m_remove })
        w->setEnabled(!embedded);
    m_result->clear();
    m_token->clear();
    m_token->setPlaceholderText(tr("Paste an API token (llms_…)"));
    if (embedded) {
        m_name->clear();
        m_url->clear();
        m_result->setText(tr("The engine runs inside this window, on this computer's data directory."));
        return;
    }
    const ServerEntry& e = m_servers.at(row - 1);
    m_name->setText(e.name);
    m_url->setText(e.url.toString());
    ServerList::readToken(e.url, this, [this, url = e.url](const QString& token) {
        if (!token.isEmpty() && m_url->text() == url.toString())
            m_token->setPlaceholderText(tr("Stored in the keychain; type to replace it"));
    });
}

void ConnectDialog::addServer()
{
    m_servers.append({ tr("New server"), ServerList::localService() });
    fill();
    m_list->setCurrentRow(static_cast<int>(m_servers.size()));
    m_name->setFocus();
    m_name->selectAll();
}

void ConnectDialog::selectOrAdd(const QUrl& url)
{
    for (int i = 0; i < m_servers.size(); ++i)
        if (m_servers.at(i).url == url)
            return m_list->setCurrentRow(i + 1);
    m_servers.append({ tr("This computer's service"), url });
    fill();
    m_list->setCurrentRow(static_cast<int>(m_servers.size()));
    m_token->setFocus();
}

void ConnectDialog::removeServer()
{
    const int row = m_list->currentRow();
    if (row <= 0)
        return;
    ServerList::writeToken(m_servers.at(row - 1).url, {}, this, [](const QString&) {});
    m_servers.removeAt(row - 1);
    ServerList::save(m_servers);
    fill();
    m_list->setCurrentRow(std::min(row, static_cast<int>(m_servers.size())));
}

std::optional<ServerEntry> ConnectDialog::formEntry()
{
    const QUrl url = QUrl::fromUserInput(m_url->text().trimmed());
    if (m_url->text().trimmed().isEmpty() || !url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        m_result->setText(tr("The URL must be an http:// or https:// address, such as %1.").arg(ServerList::localService().toString()));
        m_url->setFocus();
        return std::nullopt;
    }
    return ServerEntry { m_name->text().trimmed(), url.adjusted(QUrl::StripTrailingSlash) };
}

void ConnectDialog::withToken(const QUrl& url, std::function<void(const QString&)> then)
{
    if (!m_token->text().isEmpty())
        return then(m_token->text().trimmed());
    ServerList::readToken(url, this, std::move(then));
}

void ConnectDialog::test()
{
    const auto entry = formEntry();
    if (!entry) {
        emit tested(false);
        return;
    }
    m_test->setEnabled(false);
    m_result->setText(tr("Asking %1…").arg(entry->url.toDisplayString()));
    withToken(entry->url, [this, url = entry->url](const QString& token) {
        onResult(RemoteClient::probe(url, token), this, [this](const Result<ServerInfo>& r) {
            m_test->setEnabled(true);
            m_testOk = r.ok();
            if (r)
                m_result->setText(tr("Connected: llm-schedulerd %1 on node %2.").arg(r->version, r->node));
            else if (r.error().field == QLatin1String("token"))
                m_result->setText(tr("The server answers, but the token %1.").arg(r.error().message));
            else
                m_result->setText(tr("No llm-schedulerd answers there: %1").arg(r.error().message));
            emit tested(r.ok());
        });
    });
}

QString ConnectDialog::testResult() const
{
    return m_result->text();
}

void ConnectDialog::accept()
{
    const int row = m_list->currentRow();
    if (row <= 0) {
        emit connectRequested({}, {});
        QDialog::accept();
        return;
    }
    const auto entry = formEntry();
    if (!entry)
        return;
    m_servers[row - 1] = *entry;
    ServerList::save(m_servers);
    const QString typed = m_token->text().trimmed();
    const auto go = [this, url = entry->url](const QString& token) {
        emit connectRequested(url, token);
        QDialog::accept();
    };
    if (typed.isEmpty())
        return ServerList::readToken(entry->url, this, go);
    ServerList::writeToken(entry->url, typed, this, [this, go, typed](const QString& problem) {
        if (!problem.isEmpty())
            m_result->setText(tr("The keychain did not keep the token (%1); it is used for this session only.").arg(problem));
        go(typed);
    });
}

} // namespace llmsched::ui
