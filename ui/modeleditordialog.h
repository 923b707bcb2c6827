#pragma once

#include "core/enginetypes.h"
#include "core/modelconfig.h"

#include <QDialog>

#include <functional>
#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace llmsched {
class EngineClient;
}

namespace llmsched::ui {

// Adds or edits one model: its limits, strategy, prices, retry policy and
// endpoints. Checks the form before anything reaches the engine (the offending
// field gets the focus and a message says what is wrong), stores typed API keys
// in the OS keychain (the endpoint keeps only "keychain:NAME"; a stored key is
// never shown), tests the endpoints on request and saves with
// Engine::upsertModel. Everything waits on futures: the GUI thread never
// blocks. Lives on the GUI thread; Save closes it once the engine took the model.
class ModelEditorDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelEditorDialog)

public:
    // existing: the model to edit (its name cannot change); nullopt: a new model.
    ModelEditorDialog(EngineClient& engine, const std::optional<ModelConfig>& existing, QWidget* parent = nullptr);
    ~ModelEditorDialog() override;

    bool isNewModel() const { return !m_original.has_value(); }
    QString modelName() const;
    // The configuration the form holds now (keys typed but not stored yet are not in it).
    ModelConfig formConfig();
    void selectEndpoint(const QString& name);
    void showEndpointsTab();

    // What the message line says now (an error, progress or test results), as plain text.
    QString message() const { return m_messageText; }
    bool isBusy() const { return m_busy; }
    QList<EndpointTestResult> lastTestResults() const { return m_testResults; }

public slots:
    void save();
    void testConnection();

signals:
    void saved(const llmsched::ModelConfig& model);
    void testFinished(bool allOk);

private:
    struct EndpointDraft
    {
        EndpointConfig config;
        QString typedKey; // a key typed into the form, not in the keychain yet
    };

    QWidget* buildGeneralPage();
    QWidget* buildEndpointsPage();
    void loadModel(const ModelConfig& model);
    void loadEndpoint(int row);
    void storeEndpoint();
    void onEndpointRowChanged(int row);
    void addEndpoint();
    void removeEndpoint();
    void onProviderChanged();
    void onStrategyChanged();
    void updateKeyHint();
    QString keychainNameFor(const QString& endpoint) const;

    bool validate();
    bool fail(QWidget* field, const QString& message, int endpointRow = -1);
    bool failAt(const ModelProblem& problem);
    QWidget* widgetFor(int endpoint, const QString& key) const;
    QString problemText(const ModelProblem& problem) const;
    void clearProblems();
    void showEngineError(const QString& what, const Error& error);
    void storeTypedKeys(const std::function<void()>& then);
    void upsert();
    // The engine refused to send an endpoint's key somewhere new: ask, and on
    // yes set rebind_key and run `again` (the save or the test) once more.
    void confirmRebind(int row, const Error& error, const std::function<void()>& again);
    // Whether error is that refusal; if so the question is shown.
    bool askedToRebind(const Error& error, const std::function<void()>& again);
    void runTest();
    void showTestResults(const QList<EndpointTestResult>& results);
    void setBusy(bool busy, const QString& text = {});
    void setMessage(const QString& html, const QString& plain, bool error);

    EngineClient& m_engine;
    std::optional<ModelConfig> m_original;
    QList<EndpointDraft> m_drafts;
    int m_current = -1; // row of the endpoint the form shows
    bool m_loading = false; // true while the form is filled from a draft
    bool m_busy = false;
    QString m_messageText;
    QList<EndpointTestResult> m_testResults;
    QList<QWidget*> m_marked; // fields flagged by the last failed check

    QTabWidget* m_tabs = nullptr;
    // General
    QLineEdit* m_name = nullptr;
    QLineEdit* m_description = nullptr;
    QComboBox* m_strategy = nullptr;
    QSpinBox* m_concurrency = nullptr;
    QSpinBox* m_capacity = nullptr;
    QSpinBox* m_timeout = nullptr;
    // Endpoints
    QListWidget* m_endpointList = nullptr;
    QPushButton* m_addEndpoint = nullptr;
    QPushButton* m_removeEndpoint = nullptr;
    QWidget* m_endpointForm = nullptr;
    QLineEdit* m_endpointName = nullptr;
    QComboBox* m_provider = nullptr;
    QLineEdit* m_baseUrl = nullptr;
    QLineEdit* m_allowedHosts = nullptr;
    QLineEdit* m_upstreamModel = nullptr;
    QLineEdit* m_apiKey = nullptr;
    QLineEdit* m_keyRef = nullptr;
    QLabel* m_keyHint = nullptr;
    QSpinBox* m_maxConcurrency = nullptr;
    QSpinBox* m_rpm = nullptr;
    QSpinBox* m_tpm = nullptr;
    QSpinBox* m_weight = nullptr;
    QSpinBox* m_maxAttempts = nullptr;
    QSpinBox* m_initialDelay = nullptr;
    QDoubleSpinBox* m_factor = nullptr;
    QSpinBox* m_maxDelay = nullptr;
    QSpinBox* m_jitter = nullptr;
    QDoubleSpinBox* m_inputPrice = nullptr;
    QDoubleSpinBox* m_outputPrice = nullptr;
    QDoubleSpinBox* m_dailyBudget = nullptr;
    // Bottom
    QProgressBar* m_progress = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_testButton = nullptr;
    QPushButton* m_saveButton = nullptr;
};

} // namespace llmsched::ui
