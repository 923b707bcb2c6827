#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

class QAction;
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

// "2026-12-06T23:50:01.120Z" as local date and time; "—" when empty.
QString isoTime(const QJsonValue& iso);

} // namespace llmsched::ui
