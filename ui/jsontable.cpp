#include "jsontable.h"

#include "uiutil.h"

#include <QAction>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QTableWidget>
#include <QToolButton>

namespace llmsched::ui {

QTableWidget* makeJsonTable(QWidget* parent, const QString& objectName, const QStringList& headers)
{
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setObjectName(objectName);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

void fillJsonTable(QTableWidget* table, const QJsonArray& rows, const QList<JsonColumn>& columns, const QString& key)
{
    const QString selected = currentJsonRow(table).value(key).toString();
    table->setUpdatesEnabled(false);
    table->setRowCount(static_cast<int>(rows.size()));
    int keep = -1;
    for (int r = 0; r < rows.size(); ++r) {
        const QJsonObject o = rows.at(r).toObject();
        for (int c = 0; c < columns.size(); ++c) {
            QTableWidgetItem* item = table->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                table->setItem(r, c, item);
            }
            const QString text = columns.at(c)(o);
            item->setText(text);
            item->setToolTip(text.size() > 40 ? text : QString());
            if (c == 0)
                item->setData(Qt::UserRole, o);
        }
        if (!selected.isEmpty() && o.value(key).toString() == selected)
            keep = r;
    }
    if (keep >= 0 && table->currentRow() != keep)
        table->selectRow(keep);
    table->setUpdatesEnabled(true);
}

QJsonObject jsonRow(const QTableWidget* table, int row)
{
    const QTableWidgetItem* item = row >= 0 ? table->item(row, 0) : nullptr;
    return item ? item->data(Qt::UserRole).toJsonObject() : QJsonObject();
}

QJsonObject currentJsonRow(const QTableWidget* table)
{
    return jsonRow(table, table->currentRow());
}

int jsonRowOf(const QTableWidget* table, const QString& key, const QString& value)
{
    for (int r = 0; r < table->rowCount(); ++r)
        if (jsonRow(table, r).value(key).toString() == value)
            return r;
    return -1;
}

QHBoxLayout* actionBar(QWidget* parent, QLabel* summary, const QList<QAction*>& actions)
{
    auto* bar = new QHBoxLayout;
    bar->addWidget(summary, 1);
    for (QAction* a : actions) {
        auto* button = new QToolButton(parent);
        button->setDefaultAction(a);
        button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        bar->addWidget(button);
    }
    return bar;
}

void EditorChecks::attach(QDialog* dialog, const QString& problemName)
{
    m_problem = new QLabel(dialog);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, dialog);
    m_problem->setObjectName(problemName);
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QObject::connect(m_buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(m_buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
}

void EditorChecks::show(const QString& problem)
{
    m_problemText = problem;
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(problem.isEmpty());
}

void warn(QWidget* parent, const QString& title, const QString& text)
{
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, parent);
    box->setObjectName(QStringLiteral("warning"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString isoTime(const QJsonValue& iso)
{
    const QDateTime t = QDateTime::fromString(iso.toString(), Qt::ISODateWithMs);
    return t.isValid() ? Text::time(t.toMSecsSinceEpoch()) : QStringLiteral("—");
}

} // namespace llmsched::ui
