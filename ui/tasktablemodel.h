#pragma once

#include "core/enginetypes.h"
#include "core/storetypes.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>

#include <list>

namespace llmsched {
class Engine;
}

namespace llmsched::ui {

class LiveState;

// The Queue view's rows: a window onto the tasks table that fetches pages of
// rows from the store on reader threads as the view asks for them, so a
// million tasks cost one count and a few pages. Rows not fetched yet show a
// placeholder until their page arrives. Task events from LiveState update the
// states of rows on screen in place; new tasks are counted (newTasks()) and
// shown on refresh(), which the view calls when following the top.
class TaskTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TaskTableModel)

public:
    enum Column { Id, Model, State, Priority, Attempts, Created, Duration, Endpoint, Tokens, Cost, Node, Tags, Labels, Error, ColumnCount };
    enum Role { TaskIdRole = Qt::UserRole + 1, StateRole, LoadedRole };
    static constexpr int kPageSize = 200;

    explicit TaskTableModel(LiveState& live, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order) override;
    static bool isSortable(int column);

    // Filter and order (state, model, priority, text); applying one reloads.
    TaskFilter filter() const { return m_filter; }
    void setFilter(const TaskFilter& filter);

    // Reloads the count and the pages on screen; selection is kept by id in the view.
    void refresh();
    // Tasks submitted (matching the model and state filter) since the last refresh.
    qint64 newTasks() const { return m_newTasks; }
    // Whether the last count or page query is still running.
    bool isLoading() const { return m_countPending || !m_pagesInFlight.isEmpty(); }
    QString lastError() const { return m_lastError; }

    QString taskId(int row) const;
    const Task* taskAt(int row) const; // nullptr until its page is loaded
    int rowOfTask(const QString& id) const; // -1 when not loaded

signals:
    void countChanged(qint64 count);
    void newTasksChanged(qint64 count);
    void loadingChanged(bool loading);
    // A page or count query failed (store error); message for the status line.
    void loadFailed(const QString& message);
    // A page of rows arrived (first paint, tests).
    void pageLoaded(int page);

private:
    struct Page
    {
        QList<Task> rows;
        std::list<int>::iterator lru;
    };

    void requestPage(int page) const;
    void onPage(quint64 generation, int page, const Result<TaskPage>& result);
    void onCount(quint64 generation, const Result<qint64>& result);
    void onTaskEvents(const TaskEvents& events, qint64 created);
    void touchPage(int page) const;
    bool matchesFilter(const TaskEvent& e) const;

    LiveState& m_live;
    TaskFilter m_filter;
    qint64 m_count = 0;
    quint64 m_generation = 0;
    bool m_countPending = false;
    qint64 m_newTasks = 0;
    QString m_lastError;

    // Mutable: data() is const but fetches pages on demand.
    mutable QHash<int, Page> m_pages;
    mutable std::list<int> m_lru; // most recent first
    mutable QSet<int> m_pagesInFlight;
    mutable QHash<Ulid, int> m_rowById; // rows of loaded pages
};

} // namespace llmsched::ui
