#pragma once

#include "core/storetypes.h"

#include <QTimer>
#include <QWidget>

class QLabel;
class QTableWidget;

namespace llmsched::ui {

class EmptyHint;
class LiveState;

// The nodes that share the shown engine's store: one on SQLite, every
// llm-schedulerd of a cluster on PostgreSQL (docs/scaling.md). Each with its
// address, version, online or offline, calls running, tasks/s and last
// heartbeat; the node this window talks to is marked. Reloaded every few
// seconds while shown, never on the GUI thread's time.
class NodesView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodesView)

public:
    enum Column { Node, Status, Address, Version, Host, Running, Rate, Heartbeat, Started, ColumnCount };

    explicit NodesView(LiveState& live, QWidget* parent = nullptr);

    QTableWidget* table() const { return m_table; }
    QLabel* summary() const { return m_summary; }
    // Asks for the registry now (the view does so every few seconds while shown).
    void reload();

signals:
    void loaded(); // the table shows a fresh answer (or its error)

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void showNodes(const QList<NodeInfo>& nodes);

    LiveState& m_live;
    QTableWidget* m_table = nullptr;
    QLabel* m_summary = nullptr;
    EmptyHint* m_empty = nullptr;
    QTimer m_timer;
    bool m_loading = false;
};

} // namespace llmsched::ui
