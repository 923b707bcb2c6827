#pragma once

#include "core/futures.h"
#include "core/task.h"

#include <QColor>
#include <QCoreApplication>
#include <QFuture>
#include <QFutureWatcher>
#include <QKeySequence>
#include <QLabel>
#include <QString>

class QAbstractScrollArea;
class QAction;
class QComboBox;
class QTableView;
class QWidget;

namespace llmsched {
struct EngineSnapshot;
}

namespace llmsched::ui {

// Words and formats every view shares, so a state or a number reads the same
// everywhere (and is translated once).
class Text
{
    Q_DECLARE_TR_FUNCTIONS(Text)

public:
    static QString state(TaskState s);
    static QString priority(int p); // "1 (high)", "5 (medium)", "8 (low)", else the number
    static QString count(qint64 n); // locale-grouped: 1,234,567
    static QString rate(double perSecond); // "1,234/s"
    static QString bytes(qint64 n); // "12.3 MB"
    static QString duration(qint64 ms); // "850 ms", "12.4 s", "3 min 5 s", "2 h 10 min"
    static QString money(double usd); // "$0.0123"
    static QString time(qint64 ms); // local date and time, to the second
    static QString circuit(const QString& circuit); // closed / open / half_open
    static QString labels(const QJsonObject& labels); // "team=search, env=prod"
    // An action's text for a button: "&Submit task…" and "提交任务(&S)…" lose
    // their mnemonic and the dots ("Submit task", "提交任务").
    static QString withoutMnemonic(QString text);
};

// The T of a QFuture<T> (continuations need the exact argument type).
template <typename F> struct FutureValue;
template <typename T> struct FutureValue<QFuture<T>>
{
    using type = T;
};

// An action of one view: its shortcut works while the view (or a child) has
// focus, so views can reuse keys (Del, Ctrl+R) for their own selection.
QAction* viewAction(QWidget* view, const QString& text, const QKeySequence& key, const QString& themeIcon);

// A table of tasks as the Queue and Dead letters show them: whole rows
// selected, fixed row heights (a million rows cost nothing to lay out).
void setupTaskTable(QTableView* table);

// Keeps a model filter combo (first item: all models, data "") in step with
// the snapshot's models, keeping the current choice; no signals while it changes.
void syncModelCombo(QComboBox* combo, const EngineSnapshot& snapshot);

// A line of text over an empty list or table ("No tasks match ..."), hidden
// while it says nothing; it follows the view's size. Object name "emptyHint".
class EmptyHint final : public QLabel
{
public:
    explicit EmptyHint(QAbstractScrollArea* view);
    void setHint(const QString& text); // empty: hidden

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void place();
};

// A colour per state that reads on light and dark backgrounds.
QColor stateColor(TaskState s);

} // namespace llmsched::ui
