#pragma once

#include "jsontable.h"

#include <QDialog>
#include <QJsonObject>
#include <QTimer>
#include <QWidget>

class QAction;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QRadioButton;
class QSpinBox;
class QCheckBox;
class QTableWidget;

namespace llmsched::ui {

class EmptyHint;
class LiveState;

// Edits a schedule: a name, a cron expression (5 fields, or 6 with seconds)
// or a fixed interval, a time zone, the missed-run policy and the task or
// workflow it submits (its JSON body). Checked as it is typed, with the same
// code the engine runs (core/schedule.h): the error names the field, or the
// next five fire times are listed; Save is enabled only then.
class ScheduleEditor final : public QDialog
{
    Q_OBJECT

public:
    // schedule: one as the API shows it (edit), or empty (new).
    ScheduleEditor(const QJsonObject& schedule, QWidget* parent = nullptr);

    // The body to send; valid() when it passed the check.
    QJsonObject body() const;
    bool valid() const { return m_checks.valid(); }
    QString problem() const; // empty when valid
    QStringList nextFireTimes() const; // as shown

    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* cronEdit() const { return m_cron; }
    QPlainTextEdit* targetEdit() const { return m_target; }

private:
    void check();

    QLineEdit* m_name = nullptr;
    QRadioButton* m_useCron = nullptr;
    QRadioButton* m_useInterval = nullptr;
    QLineEdit* m_cron = nullptr;
    QSpinBox* m_interval = nullptr;
    QComboBox* m_zone = nullptr;
    QComboBox* m_missed = nullptr;
    QComboBox* m_targetKind = nullptr;
    QCheckBox* m_paused = nullptr;
    QPlainTextEdit* m_target = nullptr;
    QListWidget* m_next = nullptr;
    EditorChecks m_checks;
};

// The schedules: what each runs and when, its next and last fire and what
// the last one made. New, edit, delete, pause or resume, and run now.
class SchedulesPanel final : public QWidget
{
    Q_OBJECT

public:
    enum Column { Name, When, Zone, Target, State, Next, Last, LastResult, Fires, ColumnCount };

    explicit SchedulesPanel(LiveState& live, QWidget* parent = nullptr);

    QTableWidget* table() const { return m_table; }
    QAction* newAction() const { return m_new; }
    QAction* editAction() const { return m_edit; }
    QAction* pauseAction() const { return m_pause; }
    QAction* runAction() const { return m_run; }
    QAction* deleteAction() const { return m_delete; }
    void reload();
    // Saves an editor's body (id empty: new); tests call it without the dialog.
    void save(const QString& id, const QJsonObject& body);

signals:
    void loaded();
    void saved(bool ok, const QString& message);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void updateActions();
    void edit(const QJsonObject& schedule);

    LiveState& m_live;
    QTableWidget* m_table = nullptr;
    QLabel* m_summary = nullptr;
    EmptyHint* m_empty = nullptr;
    QAction* m_new = nullptr;
    QAction* m_edit = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_run = nullptr;
    QAction* m_delete = nullptr;
    QTimer m_timer; // reloads while shown: fire times and results move on
};

} // namespace llmsched::ui
