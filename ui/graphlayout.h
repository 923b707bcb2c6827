#pragma once

#include <QList>

namespace llmsched::ui {

// An edge of a graph to lay out: node indices, from -> to.
struct GraphEdge
{
    int from = 0;
    int to = 0;
};

// Where a layered layout put each node: a layer (a column, left to right)
// and a row (its place from the top within the layer, 0 ... size - 1).
struct GraphLayout
{
    QList<int> layer; // by node
    QList<int> row; // by node
    QList<int> layerSize; // nodes in each layer
    int maxLayerSize = 0;

    int layerCount() const { return static_cast<int>(layerSize.size()); }
};

// Passes of the barycenter ordering by default: down (by the parents) then up
// (by the children), twice. More rarely pays on workflow shapes.
constexpr int kDefaultBarycenterSweeps = 2;

// Lays out a DAG of `nodeCount` nodes in layers, a pure function (no widgets,
// any thread). A node's layer is its longest path from a source, so every
// edge points to a later layer. Within a layer nodes start in input order and
// are then reordered by the barycenter of their neighbours' rows (rows taken
// centred, as the view draws each layer centred on one line), `sweeps` down
// and up passes, keeping the order with the fewest crossings seen, so the
// result never has more crossings than the input order. O(V + E) per pass
// plus sorting each layer.
//
// Workflows are DAGs, but a cycle does not hang it: a node left in a cycle is
// placed after its placed parents and the edges back into the placed part are
// ignored. Edges with an index out of range and self-loops are ignored.
GraphLayout layoutGraph(int nodeCount, const QList<GraphEdge>& edges, int sweeps = kDefaultBarycenterSweeps);

// The crossings between edges that join adjacent layers of `layout` (the ones
// the barycenter ordering works on). O(E log E).
qint64 countCrossings(const GraphLayout& layout, const QList<GraphEdge>& edges);

} // namespace llmsched::ui
