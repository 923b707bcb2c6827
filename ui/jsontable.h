#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

class QAction;
class QDialog;
class QDialogButtonBox;
class QHBoxLayout;
class QLabel;
class QTableWidget;
class QWidget;

namespace llmsched::ui {

// Small lists of REST-shaped JSON objects (schedules, templates, webhooks,
// deliveries, workflows) in a QTableWidget: one row per object, the object
// kept in column 0 (Qt::UserRole), the selection kept across reloads by key.
using JsonColumn = std::function<QString(const QJsonObject&)>;

QTableWidget* makeJsonTable(QWidget* parent, const QString& objectName, const QStringList& headers);
void fillJsonTable(QTableWidget* table, const QJsonArray& rows, const QList<JsonColumn>& columns, const QString& key);
QJsonObject jsonRow(const QTableWidget* table, int row);
QJsonObject currentJsonRow(const QTableWidget* table);
// The row whose object has this value at key, or -1.
int jsonRowOf(const QTableWidget* table, const QString& key, const QString& value);

// A bar of tool buttons for actions, after a stretching summary label.
QHBoxLayout* actionBar(QWidget* parent, QLabel* summary, const QList<QAction*>& actions);

// A warning that does not block: an open (window-modal) message box.
void warn(QWidget* parent, const QString& title, const QString& text);

// What the editors (schedule, template, webhook) share: a line saying what
// is wrong, and Save/Cancel buttons with Save enabled only when nothing is.
class EditorChecks
{
public:
    // Made after the editor's own fields, so they come first in the tab order.
    void attach(QDialog* dialog, const QString& problemName);
    QLabel* problemLabel() const { return m_problem; }
    QDialogButtonBox* buttons() const { return m_buttons; }
    void show(const QString& problem); // empty: all is well
    bool valid() const { return m_problemText.isEmpty(); }
    QString problem() const { return m_problemText; }

private:
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QString m_problemText = QStringLiteral("-"); // until the first check
};

// "2026-12-06T23:50:01.120Z" as local date and time; "—" when empty.
QString isoTime(const QJsonValue& iso);

} // namespace llmsched::ui
