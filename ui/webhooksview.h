#pragma once

#include "jsontable.h"

#include <QDialog>
#include <QJsonObject>
#include <QTimer>
#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace llmsched::ui {

class EmptyHint;
class LiveState;

// A new webhook: its URL, which tasks and workflows it hears of (scope and
// target), which events, and how many attempts a delivery gets. Checked as it
// is typed with the engine's own code (core/webhook.h).
class WebhookEditor final : public QDialog
{
    Q_OBJECT

public:
    explicit WebhookEditor(QWidget* parent = nullptr);
    QJsonObject body() const;
    bool valid() const { return m_checks.valid(); }
    QString problem() const;
    QLineEdit* urlEdit() const { return m_url; }
    QComboBox* scopeCombo() const { return m_scope; }
    QLineEdit* targetEdit() const { return m_target; }

private:
    void check();

    QLineEdit* m_url = nullptr;
    QComboBox* m_scope = nullptr;
    QLineEdit* m_target = nullptr;
    QCheckBox* m_finished = nullptr;
    QCheckBox* m_state = nullptr;
    QCheckBox* m_workflow = nullptr;
    QSpinBox* m_attempts = nullptr;
    QLineEdit* m_description = nullptr;
    EditorChecks m_checks;
};

// The webhooks, and below them the delivery log of the selected one (status,
// attempts, last answer or error, next attempt), refreshed while shown.
// New (its secret is shown once), pause or resume, ping, delete; redeliver a
// delivery.
class WebhooksPanel final : public QWidget
{
    Q_OBJECT

public:
    enum Column { Url, Scope, Events, State, Description, ColumnCount };
    enum DeliveryColumn { Time, Event, Subject, Status, Attempts, LastStatus, LastError, NextAttempt, DeliveryColumnCount };

    explicit WebhooksPanel(LiveState& live, QWidget* parent = nullptr);

    QTableWidget* table() const { return m_table; }
    QTableWidget* deliveries() const { return m_deliveries; }
    QAction* newAction() const { return m_new; }
    QAction* pingAction() const { return m_ping; }
    QAction* redeliverAction() const { return m_redeliver; }
    QLabel* secretLabel() const { return m_secret; }
    void reload();
    void create(const QJsonObject& body); // tests call it without the dialog

signals:
    void loaded();
    void deliveriesLoaded();
    void created(bool ok, const QString& message);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void reloadDeliveries();
    void updateActions();
    void act(int action);

    LiveState& m_live;
    QTableWidget* m_table = nullptr;
    QTableWidget* m_deliveries = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_secret = nullptr;
    QComboBox* m_status = nullptr;
    EmptyHint* m_empty = nullptr;
    QAction* m_new = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_ping = nullptr;
    QAction* m_delete = nullptr;
    QAction* m_redeliver = nullptr;
    QTimer m_timer;
};

} // namespace llmsched::ui
