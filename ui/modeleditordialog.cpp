#include "modeleditordialog.h"

#include "modeltreemodel.h"
#include "uiutil.h"

#include "core/secrets.h"
#include "core/timeutil.h"
#include "client/engineclient.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QSet>
#include <QSpinBox>
#include <QStyle>
#include <QTabWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace llmsched::ui {

namespace {

constexpr int kMaxConcurrencyLimit = 100'000;
constexpr int kMaxQueueCapacity = 100'000'000;
constexpr int kMaxTimeoutMs = static_cast<int>(kDayMs);
constexpr int kMaxRetryDelayMs = int(kMaxRetryAfterMs);
constexpr int kMaxAttemptsLimit = 100;
constexpr int kMaxRpm = 100'000'000;
constexpr int kMaxWeight = 1000;
constexpr double kMaxPrice = 1e6;
constexpr double kMaxBudget = 1e9;
constexpr int kKeychainNameMax = 128;
constexpr int kProgressWidth = 80;
constexpr int kEndpointListMinWidth = 140;
constexpr int kEndpointListMaxWidth = 220;
constexpr QSize kDefaultSize(760, 480);

const QString kKeychainPrefix = QStringLiteral("keychain:");

enum Page { GeneralPage, EndpointsPage };

bool isSecretRef(const QString& text)
{
    return text.startsWith(QLatin1String("env:")) || text.startsWith(QLatin1String("file:")) || text.startsWith(kKeychainPrefix);
}

QSpinBox* spinBox(QWidget* parent, const QString& objectName, int min, int max, const QString& suffix = {})
{
    auto* s = new QSpinBox(parent);
    s->setObjectName(objectName);
    s->setRange(min, max);
    s->setGroupSeparatorShown(true);
    s->setSuffix(suffix);
    s->setAccelerated(true);
    return s;
}

QDoubleSpinBox* moneyBox(QWidget* parent, const QString& objectName, double max, int decimals)
{
    auto* s = new QDoubleSpinBox(parent);
    s->setObjectName(objectName);
    s->setRange(0, max);
    s->setDecimals(decimals);
    s->setPrefix(QStringLiteral("$"));
    s->setGroupSeparatorShown(true);
    s->setAccelerated(true);
    return s;
}

QLineEdit* lineEdit(QWidget* parent, const QString& objectName)
{
    auto* e = new QLineEdit(parent);
    e->setObjectName(objectName);
    return e;
}

// allowed_hosts as the form shows it: one line, entries separated by commas or spaces.
QStringList splitHosts(const QString& text)
{
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    QStringList hosts = text.split(separators, Qt::SkipEmptyParts);
    hosts.removeDuplicates();
    return hosts;
}

int clampToInt(qint64 v)
{
    return int(std::clamp<qint64>(v, 0, std::numeric_limits<int>::max()));
}

} // namespace

ModelEditorDialog::ModelEditorDialog(EngineClient& engine, const std::optional<ModelConfig>& existing, QWidget* parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_original(existing)
{
    setObjectName(QStringLiteral("ModelEditorDialog"));
    setWindowTitle(existing ? tr("Edit model “%1”").arg(existing->name) : tr("Add model"));

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildGeneralPage(), tr("General"));
    m_tabs->addTab(buildEndpointsPage(), tr("Endpoints"));

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(kProgressWidth);
    m_progress->setVisible(false);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::RichText);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* messageRow = new QHBoxLayout;
    messageRow->addWidget(m_progress, 0, Qt::AlignTop);
    messageRow->addWidget(m_message, 1);

    m_testButton = new QPushButton(tr("&Test connection"), this);
    m_testButton->setObjectName(QStringLiteral("testConnection"));
    m_testButton->setToolTip(tr("Asks every endpoint whether it answers with this URL and key, without saving"));
    m_testButton->setAutoDefault(false);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    m_saveButton = buttons->button(QDialogButtonBox::Save);
    m_saveButton->setObjectName(QStringLiteral("save"));
    m_saveButton->setDefault(true);
    connect(m_saveButton, &QPushButton::clicked, this, &ModelEditorDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_testButton, &QPushButton::clicked, this, &ModelEditorDialog::testConnection);
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addWidget(m_testButton);
    buttonRow->addStretch(1);
    buttonRow->addWidget(buttons);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(messageRow);
    layout->addLayout(buttonRow);

    if (existing) {
        loadModel(*existing);
    } else {
        ModelConfig fresh;
        EndpointConfig e;
        e.name = QStringLiteral("main");
        e.provider = QStringLiteral("openai");
        fresh.endpoints.append(e);
        loadModel(fresh);
    }
    m_name->setReadOnly(existing.has_value());
    if (existing) {
        m_name->setToolTip(tr("The name of an existing model cannot change: its tasks and statistics refer to it"));
        m_description->setFocus();
    } else {
        m_name->setFocus();
    }

    QSize size = sizeHint().expandedTo(kDefaultSize);
    if (const QScreen* s = parent ? parent->screen() : screen())
        size = size.boundedTo(s->availableGeometry().size());
    resize(size.expandedTo(minimumSizeHint()));
}

ModelEditorDialog::~ModelEditorDialog() = default;

QWidget* ModelEditorDialog::buildGeneralPage()
{
    auto* page = new QWidget(this);
    m_name = lineEdit(page, QStringLiteral("modelName"));
    m_name->setPlaceholderText(tr("e.g. gpt-4o-mini or local/llama3"));
    m_name->setToolTip(tr("Used in the API and in metrics: letters, digits and . _ : / -"));
    m_description = lineEdit(page, QStringLiteral("description"));
    m_description->setPlaceholderText(tr("optional"));
    auto* top = new QFormLayout;
    top->addRow(tr("&Name:"), m_name);
    top->addRow(tr("&Description:"), m_description);

    auto* dispatch = new QGroupBox(tr("Dispatch"), page);
    m_strategy = new QComboBox(dispatch);
    m_strategy->setObjectName(QStringLiteral("strategy"));
    const QList<std::pair<QString, QString>> strategies = {
        { QStringLiteral("round_robin"), tr("Round robin") },
        { QStringLiteral("weighted"), tr("Weighted") },
        { QStringLiteral("least_busy"), tr("Least busy") },
        { QStringLiteral("lowest_latency"), tr("Lowest latency") },
        { QStringLiteral("session_affinity"), tr("Session affinity") },
    };
    const QStringList strategyTips = {
        tr("Each endpoint in turn"),
        tr("In proportion to each endpoint's weight"),
        tr("The fewest calls in flight relative to the endpoint's limit"),
        tr("The endpoint with the lowest recent latency"),
        tr("The same endpoint for the same session key while it can take the call"),
    };
    for (qsizetype i = 0; i < strategies.size(); ++i) {
        m_strategy->addItem(strategies.at(i).second, strategies.at(i).first);
        m_strategy->setItemData(int(i), strategyTips.at(i), Qt::ToolTipRole);
    }
    m_strategy->setToolTip(tr("How the model picks an endpoint for each call"));
    connect(m_strategy, &QComboBox::currentIndexChanged, this, &ModelEditorDialog::onStrategyChanged);
    m_concurrency = spinBox(dispatch, QStringLiteral("concurrency"), 1, kMaxConcurrencyLimit);
    m_concurrency->setToolTip(tr("Calls of this model in flight at most, over all its endpoints"));
    m_capacity = spinBox(dispatch, QStringLiteral("capacity"), 1, kMaxQueueCapacity);
    m_capacity->setToolTip(tr("Unfinished tasks the queue accepts before refusing submits"));
    m_timeout = spinBox(dispatch, QStringLiteral("timeout"), 1, kMaxTimeoutMs, tr(" ms"));
    m_timeout->setToolTip(tr("How long one call may take before it is abandoned and retried"));
    auto* dispatchForm = new QFormLayout(dispatch);
    dispatchForm->addRow(tr("&Strategy:"), m_strategy);
    dispatchForm->addRow(tr("&Concurrency:"), m_concurrency);
    dispatchForm->addRow(tr("&Queue capacity:"), m_capacity);
    dispatchForm->addRow(tr("&Timeout per call:"), m_timeout);

    auto* retry = new QGroupBox(tr("Retries"), page);
    m_maxAttempts = spinBox(retry, QStringLiteral("maxAttempts"), 1, kMaxAttemptsLimit);
    m_maxAttempts->setToolTip(tr("Attempts per task, the first included, before it goes to the dead letters"));
    m_initialDelay = spinBox(retry, QStringLiteral("initialDelay"), 0, kMaxRetryDelayMs, tr(" ms"));
    m_initialDelay->setToolTip(tr("The wait before the first retry"));
    m_factor = new QDoubleSpinBox(retry);
    m_factor->setObjectName(QStringLiteral("backoffFactor"));
    m_factor->setRange(1.0, 10.0);
    m_factor->setDecimals(2);
    m_factor->setSingleStep(0.5);
    m_factor->setPrefix(QStringLiteral("×"));
    m_factor->setToolTip(tr("Each further retry waits this many times longer"));
    m_maxDelay = spinBox(retry, QStringLiteral("maxDelay"), 0, kMaxRetryDelayMs, tr(" ms"));
    m_maxDelay->setToolTip(tr("No retry waits longer than this, unless the endpoint asks to (Retry-After)"));
    m_jitter = spinBox(retry, QStringLiteral("jitter"), 0, 100, tr(" %"));
    m_jitter->setToolTip(tr("Delays are shortened by a random share up to this, so retries do not arrive together"));
    auto* retryForm = new QFormLayout(retry);
    retryForm->addRow(tr("Max &attempts:"), m_maxAttempts);
    retryForm->addRow(tr("&First delay:"), m_initialDelay);
    retryForm->addRow(tr("&Backoff factor:"), m_factor);
    retryForm->addRow(tr("Max &delay:"), m_maxDelay);
    retryForm->addRow(tr("&Jitter:"), m_jitter);

    auto* cost = new QGroupBox(tr("Cost"), page);
    m_inputPrice = moneyBox(cost, QStringLiteral("inputPrice"), kMaxPrice, 4);
    m_inputPrice->setToolTip(tr("USD per million prompt tokens"));
    m_outputPrice = moneyBox(cost, QStringLiteral("outputPrice"), kMaxPrice, 4);
    m_outputPrice->setToolTip(tr("USD per million completion tokens"));
    m_dailyBudget = moneyBox(cost, QStringLiteral("dailyBudget"), kMaxBudget, 2);
    m_dailyBudget->setSpecialValueText(tr("no budget"));
    m_dailyBudget->setToolTip(tr("Dispatch stops for the day (UTC) once the model has spent this much"));
    auto* costForm = new QFormLayout(cost);
    costForm->addRow(tr("&Input per 1M tokens:"), m_inputPrice);
    costForm->addRow(tr("&Output per 1M tokens:"), m_outputPrice);
    costForm->addRow(tr("Daily b&udget:"), m_dailyBudget);

    auto* grid = new QGridLayout(page);
    grid->addLayout(top, 0, 0, 1, 2);
    grid->addWidget(dispatch, 1, 0);
    grid->addWidget(retry, 1, 1, 2, 1);
    grid->addWidget(cost, 2, 0);
    grid->setRowStretch(3, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);
    return page;
}

QWidget* ModelEditorDialog::buildEndpointsPage()
{
    auto* page = new QWidget(this);
    m_endpointList = new QListWidget(page);
    m_endpointList->setObjectName(QStringLiteral("endpointList"));
    m_endpointList->setMinimumWidth(kEndpointListMinWidth);
    m_endpointList->setMaximumWidth(kEndpointListMaxWidth);
    connect(m_endpointList, &QListWidget::currentRowChanged, this, &ModelEditorDialog::onEndpointRowChanged);
    m_addEndpoint = new QPushButton(tr("&Add"), page);
    m_addEndpoint->setObjectName(QStringLiteral("addEndpoint"));
    m_addEndpoint->setAutoDefault(false);
    m_removeEndpoint = new QPushButton(tr("&Remove"), page);
    m_removeEndpoint->setObjectName(QStringLiteral("removeEndpoint"));
    m_removeEndpoint->setAutoDefault(false);
    connect(m_addEndpoint, &QPushButton::clicked, this, &ModelEditorDialog::addEndpoint);
    connect(m_removeEndpoint, &QPushButton::clicked, this, &ModelEditorDialog::removeEndpoint);
    auto* listButtons = new QHBoxLayout;
    listButtons->addWidget(m_addEndpoint);
    listButtons->addWidget(m_removeEndpoint);
    listButtons->addStretch(1);
    auto* left = new QVBoxLayout;
    left->addWidget(m_endpointList, 1);
    left->addLayout(listButtons);

    m_endpointForm = new QWidget(page);
    m_endpointName = lineEdit(m_endpointForm, QStringLiteral("endpointName"));
    connect(m_endpointName, &QLineEdit::textEdited, this, [this](const QString& text) {
        if (auto* item = m_endpointList->item(m_current))
            item->setText(text);
        updateKeyHint();
    });
    m_provider = new QComboBox(m_endpointForm);
    m_provider->setObjectName(QStringLiteral("provider"));
    for (const QString& p : { QStringLiteral("openai"), QStringLiteral("anthropic"), QStringLiteral("http"), QStringLiteral("simulated") })
        m_provider->addItem(providerDisplayName(p), p);
    connect(m_provider, &QComboBox::currentIndexChanged, this, &ModelEditorDialog::onProviderChanged);
    m_baseUrl = lineEdit(m_endpointForm, QStringLiteral("baseUrl"));
    m_allowedHosts = lineEdit(m_endpointForm, QStringLiteral("allowedHosts"));
    m_allowedHosts->setPlaceholderText(tr("none, or e.g. api.example.com, *.example.org:443"));
    m_allowedHosts->setToolTip(tr("HTTP provider only: other hosts a task of this endpoint may call besides the origin of its base URL, "
                                  "separated by commas or spaces: host, host:port or *.domain (no scheme, no path).\n"
                                  "Empty: only the base URL's own origin. Loopback and private addresses are refused "
                                  "unless the endpoint itself is on one."));
    m_upstreamModel = lineEdit(m_endpointForm, QStringLiteral("upstreamModel"));
    m_upstreamModel->setPlaceholderText(tr("same as the model's name"));
    m_upstreamModel->setToolTip(tr("The model name sent upstream, e.g. gpt-4o-mini or llama3.1:8b"));
    m_apiKey = lineEdit(m_endpointForm, QStringLiteral("apiKey"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("paste a new key to store it in the keychain"));
    m_apiKey->setClearButtonEnabled(true);
    connect(m_apiKey, &QLineEdit::textChanged, this, &ModelEditorDialog::updateKeyHint);
    m_keyRef = lineEdit(m_endpointForm, QStringLiteral("keyRef"));
    m_keyRef->setPlaceholderText(tr("none, or env:NAME, file:/path, keychain:NAME"));
    m_keyRef->setToolTip(tr("Where the engine reads the key when a call needs it; the key itself is never shown"));
    connect(m_keyRef, &QLineEdit::textChanged, this, &ModelEditorDialog::updateKeyHint);
    m_keyHint = new QLabel(m_endpointForm);
    m_keyHint->setObjectName(QStringLiteral("keyHint"));
    m_keyHint->setWordWrap(true);
    m_keyHint->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_keyHint->setForegroundRole(QPalette::PlaceholderText);
    m_maxConcurrency = spinBox(m_endpointForm, QStringLiteral("maxConcurrency"), 0, kMaxConcurrencyLimit);
    m_maxConcurrency->setSpecialValueText(tr("the model's"));
    m_maxConcurrency->setToolTip(tr("Calls in flight at most on this endpoint; the engine lowers it on 429/503"));
    m_rpm = spinBox(m_endpointForm, QStringLiteral("rpm"), 0, kMaxRpm);
    m_rpm->setSpecialValueText(tr("unlimited"));
    m_tpm = spinBox(m_endpointForm, QStringLiteral("tpm"), 0, std::numeric_limits<int>::max());
    m_tpm->setSpecialValueText(tr("unlimited"));
    m_weight = spinBox(m_endpointForm, QStringLiteral("weight"), 1, kMaxWeight);

    auto* form = new QFormLayout(m_endpointForm);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Na&me:"), m_endpointName);
    form->addRow(tr("&Provider:"), m_provider);
    form->addRow(tr("&Base URL:"), m_baseUrl);
    form->addRow(tr("Allowed &hosts:"), m_allowedHosts);
    form->addRow(tr("&Upstream model:"), m_upstreamModel);
    form->addRow(tr("API &key:"), m_apiKey);
    form->addRow(tr("Key &reference:"), m_keyRef);
    form->addRow(QString(), m_keyHint);
    form->addRow(tr("Max &concurrency:"), m_maxConcurrency);
    form->addRow(tr("Requests per &minute:"), m_rpm);
    form->addRow(tr("T&okens per minute:"), m_tpm);
    form->addRow(tr("&Weight:"), m_weight);

    auto* layout = new QHBoxLayout(page);
    layout->addLayout(left);
    layout->addWidget(m_endpointForm, 1);
    return page;
}

void ModelEditorDialog::loadModel(const ModelConfig& m)
{
    m_name->setText(m.name);
    m_description->setText(m.description);
    m_strategy->setCurrentIndex(std::max(0, m_strategy->findData(m.strategy)));
    m_concurrency->setValue(m.concurrency);
    m_capacity->setValue(int(std::min<qint64>(m.capacity, kMaxQueueCapacity)));
    m_timeout->setValue(m.timeoutMs);
    m_maxAttempts->setValue(m.retry.maxAttempts);
    m_initialDelay->setValue(clampToInt(m.retry.initialDelayMs));
    m_factor->setValue(m.retry.factor);
    m_maxDelay->setValue(clampToInt(m.retry.maxDelayMs));
    m_jitter->setValue(qRound(m.retry.jitter * 100));
    m_inputPrice->setValue(m.inputPricePerMTok);
    m_outputPrice->setValue(m.outputPricePerMTok);
    m_dailyBudget->setValue(m.dailyBudgetUsd);

    m_drafts.clear();
    m_current = -1;
    m_endpointList->clear();
    for (const EndpointConfig& e : m.endpoints) {
        m_drafts.append({ e, {} });
        m_endpointList->addItem(e.name);
    }
    if (m_drafts.isEmpty())
        loadEndpoint(-1);
    else
        m_endpointList->setCurrentRow(0);
    onStrategyChanged();
}

void ModelEditorDialog::onEndpointRowChanged(int row)
{
    if (m_loading)
        return;
    storeEndpoint();
    loadEndpoint(row);
}

void ModelEditorDialog::loadEndpoint(int row)
{
    m_loading = true;
    m_current = row >= 0 && row < m_drafts.size() ? row : -1;
    const EndpointDraft draft = m_current >= 0 ? m_drafts.at(m_current) : EndpointDraft {};
    const EndpointConfig& e = draft.config;
    m_endpointForm->setEnabled(m_current >= 0);
    m_removeEndpoint->setEnabled(m_current >= 0);
    m_endpointName->setText(e.name);
    m_provider->setCurrentIndex(std::max(0, m_provider->findData(e.provider)));
    m_baseUrl->setText(e.baseUrl);
    m_allowedHosts->setText(e.allowedHosts.join(QStringLiteral(", ")));
    m_upstreamModel->setText(e.upstreamModel);
    // The key field holds only what was typed in this dialog: a stored key never comes back.
    m_apiKey->setText(draft.typedKey);
    m_keyRef->setText(e.apiKeyRef);
    m_maxConcurrency->setValue(e.maxConcurrency);
    m_rpm->setValue(e.rpm);
    m_tpm->setValue(clampToInt(e.tpm));
    m_weight->setValue(e.weight);
    m_loading = false;
    onProviderChanged();
    updateKeyHint();
}

void ModelEditorDialog::storeEndpoint()
{
    if (m_current < 0 || m_current >= m_drafts.size())
        return;
    EndpointDraft& d = m_drafts[m_current];
    EndpointConfig& e = d.config;
    e.name = m_endpointName->text().trimmed();
    e.provider = m_provider->currentData().toString();
    e.baseUrl = m_baseUrl->text().trimmed();
    e.allowedHosts = splitHosts(m_allowedHosts->text());
    e.upstreamModel = m_upstreamModel->text().trimmed();
    const QString typed = m_apiKey->text().trimmed();
    if (isSecretRef(typed)) {
        // A reference typed where the key goes: take it as the reference.
        e.apiKeyRef = typed;
        d.typedKey.clear();
    } else {
        e.apiKeyRef = m_keyRef->text().trimmed();
        d.typedKey = typed;
    }
    e.maxConcurrency = m_maxConcurrency->value();
    e.rpm = m_rpm->value();
    e.tpm = m_tpm->value();
    e.weight = m_weight->value();
}

void ModelEditorDialog::addEndpoint()
{
    storeEndpoint();
    QSet<QString> names;
    for (const EndpointDraft& d : std::as_const(m_drafts))
        names.insert(d.config.name);
    EndpointDraft d;
    d.config.provider = m_current >= 0 ? m_drafts.at(m_current).config.provider : QStringLiteral("openai");
    int n = int(m_drafts.size()) + 1;
    do {
        d.config.name = QStringLiteral("endpoint-%1").arg(n++);
    } while (names.contains(d.config.name));
    m_drafts.append(d);
    m_loading = true;
    m_endpointList->addItem(d.config.name);
    m_endpointList->setCurrentRow(int(m_drafts.size()) - 1);
    m_loading = false;
    loadEndpoint(int(m_drafts.size()) - 1);
    m_endpointName->setFocus();
    m_endpointName->selectAll();
}

void ModelEditorDialog::removeEndpoint()
{
    if (m_current < 0)
        return;
    const int row = m_current;
    m_drafts.removeAt(row);
    m_loading = true;
    delete m_endpointList->takeItem(row);
    const int next = std::min(row, int(m_drafts.size()) - 1);
    m_endpointList->setCurrentRow(next);
    m_loading = false;
    m_current = -1;
    loadEndpoint(next);
}

void ModelEditorDialog::selectEndpoint(const QString& name)
{
    for (qsizetype i = 0; i < m_drafts.size(); ++i) {
        if (m_drafts.at(i).config.name == name) {
            m_endpointList->setCurrentRow(int(i));
            return;
        }
    }
}

void ModelEditorDialog::showEndpointsTab()
{
    m_tabs->setCurrentIndex(EndpointsPage);
}

void ModelEditorDialog::onProviderChanged()
{
    const QString p = m_provider->currentData().toString();
    const bool simulated = p == QLatin1String("simulated");
    m_baseUrl->setEnabled(!simulated);
    m_upstreamModel->setEnabled(!simulated && p != QLatin1String("http"));
    // Only the http provider calls other hosts; hosts left from another provider stay editable so they can be cleared.
    m_allowedHosts->setEnabled(p == QLatin1String("http") || !m_allowedHosts->text().trimmed().isEmpty());
    m_apiKey->setEnabled(!simulated);
    m_keyRef->setEnabled(!simulated);
    if (p == QLatin1String("openai"))
        m_baseUrl->setPlaceholderText(tr("e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1"));
    else if (p == QLatin1String("anthropic"))
        m_baseUrl->setPlaceholderText(tr("e.g. https://api.anthropic.com"));
    else if (p == QLatin1String("http"))
        m_baseUrl->setPlaceholderText(tr("optional: tasks may give absolute URLs"));
    else
        m_baseUrl->setPlaceholderText(tr("not used: answers are simulated"));
    updateKeyHint();
}

void ModelEditorDialog::onStrategyChanged()
{
    const bool weighted = m_strategy->currentData().toString() == QLatin1String("weighted");
    m_weight->setEnabled(weighted);
    m_weight->setToolTip(weighted ? tr("This endpoint's share of the calls, relative to the others") : tr("Used by the weighted strategy only"));
}

QString ModelEditorDialog::keychainNameFor(const QString& endpoint) const
{
    static const QRegularExpression notAllowed(QStringLiteral("[^A-Za-z0-9._:/@-]"));
    QString name = m_name->text().trimmed() + QLatin1Char('/') + endpoint;
    name.replace(notAllowed, QStringLiteral("-"));
    return name.left(kKeychainNameMax);
}

void ModelEditorDialog::updateKeyHint()
{
    if (m_loading)
        return;
    if (m_provider->currentData().toString() == QLatin1String("simulated")) {
        m_keyHint->setText(tr("Simulated endpoints need no key."));
        return;
    }
    const QString typed = m_apiKey->text().trimmed();
    m_keyRef->setEnabled(typed.isEmpty());
    if (!typed.isEmpty() && !isSecretRef(typed)) {
        m_keyHint->setText(tr("The key goes to the OS keychain as %1 when you save or test; it is never shown again.")
                               .arg(kKeychainPrefix + keychainNameFor(m_endpointName->text().trimmed())));
    } else if (const QString ref = isSecretRef(typed) ? typed : m_keyRef->text().trimmed(); !ref.isEmpty()) {
        m_keyHint->setText(tr("The engine reads the key from %1 when a call needs it.").arg(ref));
    } else {
        m_keyHint->setText(tr("No key: for servers that need none."));
    }
}

QString ModelEditorDialog::modelName() const
{
    return m_name->text().trimmed();
}

ModelConfig ModelEditorDialog::formConfig()
{
    storeEndpoint();
    ModelConfig m = m_original.value_or(ModelConfig {});
    m.name = modelName();
    m.description = m_description->text().trimmed();
    m.strategy = m_strategy->currentData().toString();
    m.concurrency = m_concurrency->value();
    m.capacity = m_capacity->value();
    m.timeoutMs = m_timeout->value();
    m.retry.maxAttempts = m_maxAttempts->value();
    m.retry.initialDelayMs = m_initialDelay->value();
    m.retry.factor = m_factor->value();
    m.retry.maxDelayMs = m_maxDelay->value();
    m.retry.jitter = m_jitter->value() / 100.0;
    m.inputPricePerMTok = m_inputPrice->value();
    m.outputPricePerMTok = m_outputPrice->value();
    m.dailyBudgetUsd = m_dailyBudget->value();
    m.endpoints.clear();
    for (const EndpointDraft& d : std::as_const(m_drafts))
        m.endpoints.append(d.config);
    return m;
}

// ---- checks -------------------------------------------------------------------

bool ModelEditorDialog::fail(QWidget* field, const QString& message, int endpointRow)
{
    if (endpointRow >= 0 && endpointRow != m_current)
        m_endpointList->setCurrentRow(endpointRow);
    for (QWidget* w = field; w; w = w->parentWidget()) {
        const int page = m_tabs->indexOf(w);
        if (page >= 0) {
            m_tabs->setCurrentIndex(page);
            break;
        }
    }
    if (auto* edit = qobject_cast<QLineEdit*>(field)) {
        auto* mark = edit->addAction(style()->standardIcon(QStyle::SP_MessageBoxWarning), QLineEdit::TrailingPosition);
        mark->setObjectName(QStringLiteral("problemMark"));
        mark->setToolTip(message);
        m_marked.append(edit);
        connect(edit, &QLineEdit::textEdited, mark, &QObject::deleteLater, Qt::SingleShotConnection);
    }
    field->setFocus(Qt::OtherFocusReason);
    setMessage(message.toHtmlEscaped(), message, true);
    return false;
}

void ModelEditorDialog::clearProblems()
{
    for (QWidget* w : std::as_const(m_marked)) {
        for (QAction* a : w->actions()) {
            if (a->objectName() == QLatin1String("problemMark"))
                delete a;
        }
    }
    m_marked.clear();
    setMessage({}, {}, false);
}

bool ModelEditorDialog::validate()
{
    storeEndpoint();
    clearProblems();
    // The engine's own validation (ModelConfig::problems), shown by field with
    // a message for a person at a form; the form adds only what it alone knows.
    const ModelConfig model = formConfig();
    QList<ModelProblem> problems = model.problems();
    // A key typed into the form goes to the keychain when saved; until then
    // its endpoint has no reference, and that is fine.
    problems.removeIf([this](const ModelProblem& p) {
        return p.rule == ModelProblem::Rule::KeyRefInvalid && p.endpoint < m_drafts.size() && !m_drafts.at(p.endpoint).typedKey.isEmpty();
    });
    const auto first = std::find_if(problems.cbegin(), problems.cend(), [](const ModelProblem& p) { return p.endpoint < 0; });
    if (first != problems.cend())
        return failAt(*first);
    if (isNewModel()) {
        if (const auto snap = m_engine.snapshot()) {
            for (const ModelSnapshot& m : snap->models) {
                if (m.name == model.name)
                    return fail(m_name, tr("A model named “%1” already exists; choose another name or edit that model.").arg(model.name));
            }
        }
    }
    if (m_drafts.isEmpty())
        return fail(m_addEndpoint, tr("Add at least one endpoint: the model's tasks need a server to go to."));
    if (!problems.isEmpty())
        return failAt(problems.constFirst());
    return true;
}

QWidget* ModelEditorDialog::widgetFor(int endpoint, const QString& key) const
{
    if (endpoint < 0)
        return key == QLatin1String("strategy") ? static_cast<QWidget*>(m_strategy) : m_name;
    if (key == QLatin1String("name"))
        return m_endpointName;
    if (key == QLatin1String("base_url"))
        return m_baseUrl;
    if (key == QLatin1String("allowed_hosts"))
        return m_allowedHosts;
    if (key == QLatin1String("api_key_ref"))
        return m_keyRef;
    if (key == QLatin1String("provider"))
        return m_provider;
    return m_endpointList;
}

QString ModelEditorDialog::problemText(const ModelProblem& p) const
{
    using Rule = ModelProblem::Rule;
    const QString endpoint = p.endpoint >= 0 && p.endpoint < m_drafts.size() ? m_drafts.at(p.endpoint).config.name : QString();
    switch (p.rule) {
    case Rule::NameMissing:
        return tr("Give the model a name.");
    case Rule::NameInvalid:
        return tr("A model name starts with a letter or digit and may contain letters, digits and . _ : / - "
                  "(at most 128 characters).");
    case Rule::EndpointNameMissing:
        return tr("Every endpoint needs a name.");
    case Rule::EndpointNameDuplicate:
        return tr("Two endpoints are named “%1”; give each its own name.").arg(p.value);
    case Rule::BaseUrlMissing:
        return tr("Endpoint “%1”: %2").arg(endpoint, tr("Enter the base URL of the server, e.g. http://127.0.0.1:8000/v1."));
    case Rule::BaseUrlInvalid:
        return tr("Endpoint “%1”: %2")
            .arg(endpoint, tr("“%1” is not an http:// or https:// URL with a host name, e.g. http://127.0.0.1:8000/v1.").arg(p.value));
    case Rule::KeyRefInvalid:
        return tr("Endpoint “%1”: the key reference %2").arg(endpoint, p.message);
    case Rule::AllowedHostInvalid:
        return tr("Endpoint “%1”: %2")
            .arg(endpoint, tr("allowed host “%1” must be host, host:port or *.domain, without scheme or path.").arg(p.value));
    case Rule::AllowedHostsNotHttp:
        return tr("Endpoint “%1”: %2").arg(endpoint, tr("allowed hosts apply to the HTTP provider only; clear the field or choose that provider."));
    case Rule::AllowedHostsTooMany:
        return tr("Endpoint “%1”: %2").arg(endpoint, tr("at most %1 allowed hosts; %2 were given.").arg(kMaxAllowedHosts).arg(p.value));
    default:
        // Rules the form's controls cannot break (ranges, choices): the engine's words.
        return p.endpoint < 0 ? tr("%1: %2").arg(p.field(), p.message) : tr("Endpoint “%1”: %2").arg(endpoint, p.key + QLatin1Char(' ') + p.message);
    }
}

bool ModelEditorDialog::failAt(const ModelProblem& problem)
{
    return fail(widgetFor(problem.endpoint, problem.key), problemText(problem), problem.endpoint);
}

// ---- engine calls -----------------------------------------------------------------

void ModelEditorDialog::save()
{
    if (m_busy || !validate())
        return;
    setBusy(true, tr("Saving…"));
    storeTypedKeys([this] { upsert(); });
}

void ModelEditorDialog::testConnection()
{
    if (m_busy || !validate())
        return;
    setBusy(true, tr("Testing the connection…"));
    storeTypedKeys([this] { runTest(); });
}

void ModelEditorDialog::storeTypedKeys(const std::function<void()>& then)
{
    storeEndpoint();
    qsizetype row = -1;
    for (qsizetype i = 0; i < m_drafts.size() && row < 0; ++i) {
        if (!m_drafts.at(i).typedKey.isEmpty() && m_drafts.at(i).config.provider != QLatin1String("simulated"))
            row = i;
    }
    if (row < 0)
        return then();
    const QString endpoint = m_drafts.at(row).config.name;
    const QString name = keychainNameFor(endpoint);
    setMessage(tr("Storing the key of “%1” in the OS keychain…").arg(endpoint).toHtmlEscaped(), {}, false);
    onResult(m_engine.storeSecret(name, m_drafts.at(row).typedKey.toUtf8()), this, [this, row, endpoint, name, then](const VoidResult& r) {
        if (row >= m_drafts.size() || m_drafts.at(row).config.name != endpoint)
            return setBusy(false);
        if (!r) {
            setBusy(false);
            fail(m_apiKey,
                tr("The key of “%1” could not be stored: %2. Clear the API key field and give a "
                   "reference "
                   "such as env:OPENAI_API_KEY under Key reference instead.")
                    .arg(endpoint, r.error().message),
                int(row));
            return;
        }
        EndpointDraft& d = m_drafts[row];
        d.typedKey.clear();
        d.config.apiKeyRef = kKeychainPrefix + name;
        d.config.rebindKey = true; // a key typed for this endpoint now is meant for where it points now
        if (row == m_current)
            loadEndpoint(m_current);
        storeTypedKeys(then);
    });
}

void ModelEditorDialog::upsert()
{
    ModelConfig m = formConfig();
    // Keep the model's pause state as it is now, not as it was when the dialog opened.
    if (const auto snap = m_engine.snapshot(); snap && m_original) {
        for (const ModelSnapshot& s : snap->models) {
            if (s.name == m.name)
                m.paused = s.config.paused;
        }
    }
    onResult(m_engine.upsertModel(m), this, [this](const Result<ModelConfig>& r) {
        setBusy(false);
        if (!r) {
            if (askedToRebind(r.error(), [this] {
                    setBusy(true, tr("Saving…"));
                    upsert();
                }))
                return;
            return showEngineError(tr("The engine did not take the model"), r.error());
        }
        setMessage({}, {}, false);
        emit saved(*r);
        accept();
    });
}

bool ModelEditorDialog::askedToRebind(const Error& error, const std::function<void()>& again)
{
    const ModelFieldRef at = modelFieldRef(error.field);
    if (at.key != QLatin1String("rebind_key") || at.endpoint < 0 || at.endpoint >= m_drafts.size())
        return false;
    confirmRebind(at.endpoint, error, again);
    return true;
}

void ModelEditorDialog::confirmRebind(int row, const Error& error, const std::function<void()>& again)
{
    const EndpointConfig& e = m_drafts.at(row).config;
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Send the key to a new server?"),
        tr("Endpoint “%1” would send the key of %2 to %3, where this key has not been sent before. Send it there?")
            .arg(e.name, e.apiKeyRef, e.baseUrl),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("rebindKeyQuestion"));
    QStringList before; // where the key goes today, as the saved models say
    for (const ModelConfig& m : m_engine.models())
        for (const EndpointConfig& other : m.endpoints)
            if (other.apiKeyRef == e.apiKeyRef && !other.baseUrl.isEmpty() && !before.contains(other.baseUrl))
                before.append(other.baseUrl);
    box->setInformativeText(before.isEmpty()
            ? error.message
            : tr("Until now it has been sent to %1 only. Cancel keeps it there.").arg(before.join(QStringLiteral(", "))));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString name = e.name;
    connect(box, &QMessageBox::finished, this, [this, row, name, again](int answer) {
        if (row >= m_drafts.size() || m_drafts.at(row).config.name != name)
            return;
        if (answer != QMessageBox::Yes) {
            fail(widgetFor(row, QStringLiteral("base_url")), tr("Not saved: the key of “%1” stays where it was sent before.").arg(name), row);
            return;
        }
        m_drafts[row].config.rebindKey = true;
        again();
    });
    box->open();
}

void ModelEditorDialog::runTest()
{
    setMessage(tr("Testing the connection…").toHtmlEscaped(), tr("Testing the connection…"), false);
    onResult(m_engine.testConnection(formConfig()), this, [this](const Result<QList<EndpointTestResult>>& r) {
        setBusy(false);
        if (!r) {
            m_testResults.clear();
            if (askedToRebind(r.error(), [this] {
                    setBusy(true, tr("Testing the connection…"));
                    runTest();
                }))
                return;
            showEngineError(tr("The test did not run"), r.error());
            emit testFinished(false);
            return;
        }
        showTestResults(*r);
        emit testFinished(std::all_of(r->cbegin(), r->cend(), [](const EndpointTestResult& t) { return t.ok; }));
    });
}

void ModelEditorDialog::showEngineError(const QString& what, const Error& error)
{
    // Point at the field the engine names, e.g. "endpoints[1].base_url".
    const QString text = tr("%1: %2").arg(what, error.toString());
    const ModelFieldRef at = modelFieldRef(error.field);
    if (at.endpoint >= 0 && at.endpoint < m_drafts.size()) {
        fail(widgetFor(at.endpoint, at.key), text, at.endpoint);
        return;
    }
    setMessage(text.toHtmlEscaped(), text, true);
}

void ModelEditorDialog::showTestResults(const QList<EndpointTestResult>& results)
{
    m_testResults = results;
    QStringList html;
    QStringList plain;
    for (const EndpointTestResult& t : results) {
        const QColor color = !t.checked ? palette().color(QPalette::PlaceholderText) : t.ok ? okColor() : errorColor();
        const QString mark = !t.checked ? QStringLiteral("–") : t.ok ? QStringLiteral("✓") : QStringLiteral("✗");
        // Engine errors name the endpoint already ("oa: cannot connect ...").
        const QString prefix = t.endpoint + QStringLiteral(": ");
        const QString text = t.message.startsWith(prefix) ? t.message.mid(prefix.size()) : t.message;
        html << QStringLiteral("<span style=\"color:%1\">%2</span> <b>%3</b>: %4")
                    .arg(color.name(), mark, t.endpoint.toHtmlEscaped(), text.toHtmlEscaped());
        plain << tr("%1: %2").arg(t.endpoint, text);
        for (int i = 0; i < m_endpointList->count(); ++i) {
            if (m_endpointList->item(i)->text() == t.endpoint)
                m_endpointList->item(i)->setIcon(dotIcon(color));
        }
    }
    if (results.isEmpty()) {
        html << tr("No endpoint to test.").toHtmlEscaped();
        plain << tr("No endpoint to test.");
    }
    setMessage(html.join(QStringLiteral("<br>")), plain.join(QLatin1Char('\n')), false);
}

void ModelEditorDialog::setBusy(bool busy, const QString& text)
{
    m_busy = busy;
    m_tabs->setEnabled(!busy);
    m_testButton->setEnabled(!busy);
    m_saveButton->setEnabled(!busy);
    m_progress->setVisible(busy);
    if (busy) {
        for (int i = 0; i < m_endpointList->count(); ++i)
            m_endpointList->item(i)->setIcon({});
        setMessage(text.toHtmlEscaped(), text, false);
    }
}

void ModelEditorDialog::setMessage(const QString& html, const QString& plain, bool error)
{
    m_messageText = plain;
    if (error && !html.isEmpty())
        m_message->setText(QStringLiteral("<span style=\"color:%1\">%2</span>").arg(errorColor().name(), html));
    else
        m_message->setText(html);
}

} // namespace llmsched::ui
