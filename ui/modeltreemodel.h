#pragma once

#include "core/enginetypes.h"

#include <QAbstractItemModel>
#include <QColor>
#include <QIcon>

#include <array>
#include <memory>

namespace llmsched::ui {

// The Models view's data: one top-level row per model and one child row per
// endpoint, with the live figures of the engine snapshot. setSnapshot() updates
// the rows in place (dataChanged for changed cells, inserts, removes and moves
// only when the set of models or endpoints changes), so selection and
// expansion survive the ~10 updates a second. Lives on the GUI thread.
class ModelTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelTreeModel)

public:
    enum Column {
        NameColumn,
        StatusColumn,
        CircuitColumn,
        InflightColumn,
        QueuedColumn,
        RateColumn,
        LatencyColumn,
        RpmColumn,
        TpmColumn,
        CostColumn,
        ProviderColumn,
        BaseUrlColumn,
        LastErrorColumn,
        ColumnCount
    };

    enum Role {
        ModelNameRole = Qt::UserRole + 1, // the model's name, for model and endpoint rows
        EndpointNameRole, // the endpoint's name; empty on model rows
        PausedRole, // the model is paused (bool)
    };

    explicit ModelTreeModel(QObject* parent = nullptr);
    ~ModelTreeModel() override;

    void setSnapshot(const std::shared_ptr<const EngineSnapshot>& snapshot);

    // The model of a model or endpoint row; nullptr for an invalid index.
    const ModelSnapshot* modelAt(const QModelIndex& index) const;
    QModelIndex indexOfModel(const QString& name) const;
    QModelIndex indexOfEndpoint(const QString& model, const QString& endpoint) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    using Cells = std::array<QString, ColumnCount>;
    struct EndpointRow
    {
        QString name;
        EndpointSnapshot snap;
        Cells text;
        int style = 0; // hash of what colours the row; a change repaints it whole
    };
    struct ModelRow
    {
        QString name;
        quintptr id = 0; // stable internal id of its children's indexes
        ModelSnapshot snap; // endpoints moved out into `endpoints`
        Cells text;
        int style = 0;
        QList<EndpointRow> endpoints;
    };

    template <typename Row, typename Item, typename Make, typename Update>
    void syncRows(const QModelIndex& parent, QList<Row>& rows, const QList<Item>& items, Make make, Update update);
    void updateModelRow(int row, const ModelSnapshot& snap, bool restyle);
    ModelRow makeModelRow(const ModelSnapshot& snap);
    EndpointRow makeEndpointRow(const EndpointSnapshot& snap) const;
    Cells modelCells(const ModelSnapshot& m) const;
    Cells endpointCells(const EndpointSnapshot& e) const;
    int modelStyle(const ModelSnapshot& m) const;
    int endpointStyle(const EndpointSnapshot& e) const;
    int rowOfId(quintptr id) const;
    void emitChanged(const QModelIndex& parent, int row, const Cells& before, const Cells& after, bool whole);
    QVariant modelData(const ModelRow& row, int column, int role) const;
    QVariant endpointData(const ModelRow& model, const EndpointRow& row, int column, int role) const;

    QList<ModelRow> m_rows;
    quintptr m_nextId = 1;
    qint64 m_timeMs = 0;
    bool m_enginePaused = false;
};

// "OpenAI-compatible", "Anthropic", ... for a provider id.
QString providerDisplayName(const QString& provider);

// Colours shared by the Models view and the model editor.
QColor circuitColor(const QString& circuit); // closed green, half_open amber, open red
QColor okColor();
QColor warningColor();
QColor errorColor();
// A small filled circle for status columns and lists.
QIcon dotIcon(const QColor& color);

} // namespace llmsched::ui
