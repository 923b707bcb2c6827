#include "graphlayout.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace llmsched::ui {

namespace {

// Neighbour lists of every node in one flat array (compressed sparse rows):
// the neighbours of node v are at [start[v], start[v + 1]).
struct Adjacency
{
    std::vector<int> start;
    std::vector<int> node;

    int begin(int v) const { return start[static_cast<size_t>(v)]; }
    int end(int v) const { return start[static_cast<size_t>(v) + 1]; }
};

Adjacency adjacency(int nodeCount, const std::vector<GraphEdge>& edges, bool forward)
{
    Adjacency a;
    a.start.assign(static_cast<size_t>(nodeCount) + 1, 0);
    for (const GraphEdge& e : edges)
        ++a.start[static_cast<size_t>(forward ? e.from : e.to) + 1];
    for (size_t v = 1; v < a.start.size(); ++v)
        a.start[v] += a.start[v - 1];
    a.node.resize(edges.size());
    std::vector<int> fill(a.start.begin(), a.start.end() - 1);
    for (const GraphEdge& e : edges)
        a.node[static_cast<size_t>(fill[static_cast<size_t>(forward ? e.from : e.to)]++)] = forward ? e.to : e.from;
    return a;
}

// Longest path from the sources, by Kahn's topological order. A node of a
// cycle never reaches in-degree 0: when the queue runs dry the lowest-index
// node not yet placed is placed as it stands, and edges into placed nodes are
// skipped from then on, so every node is placed once and it ends in O(V + E).
std::vector<int> longestPathLayers(int nodeCount, const Adjacency& out, const std::vector<GraphEdge>& edges)
{
    std::vector<int> layer(static_cast<size_t>(nodeCount), 0);
    std::vector<int> inDegree(static_cast<size_t>(nodeCount), 0);
    for (const GraphEdge& e : edges)
        ++inDegree[static_cast<size_t>(e.to)];
    std::vector<char> placed(static_cast<size_t>(nodeCount), 0);
    std::vector<int> queue;
    queue.reserve(static_cast<size_t>(nodeCount));
    for (int v = 0; v < nodeCount; ++v) {
        if (inDegree[static_cast<size_t>(v)] == 0) {
            placed[static_cast<size_t>(v)] = 1;
            queue.push_back(v);
        }
    }
    size_t head = 0;
    int unplaced = 0; // every node below it is placed
    while (head < static_cast<size_t>(nodeCount)) {
        if (head == queue.size()) { // only cycles are left
            while (placed[static_cast<size_t>(unplaced)])
                ++unplaced;
            placed[static_cast<size_t>(unplaced)] = 1;
            queue.push_back(unplaced);
        }
        const int u = queue[head++];
        for (int i = out.begin(u); i < out.end(u); ++i) {
            const int v = out.node[static_cast<size_t>(i)];
            if (placed[static_cast<size_t>(v)])
                continue; // back into the placed part: a cycle
            layer[static_cast<size_t>(v)] = std::max(layer[static_cast<size_t>(v)], layer[static_cast<size_t>(u)] + 1);
            if (--inDegree[static_cast<size_t>(v)] == 0) {
                placed[static_cast<size_t>(v)] = 1;
                queue.push_back(v);
            }
        }
    }
    return layer;
}

// The layers' nodes in row order, in one flat array: layer l holds
// order[layerStart[l] .. layerStart[l + 1]).
struct Ordering
{
    std::vector<int> layerStart;
    std::vector<int> order;
    std::vector<int> row; // by node: its index within its layer
};

qint64 crossings(const std::vector<int>& layer, const std::vector<int>& row, const std::vector<int>& layerSize, const std::vector<GraphEdge>& edges)
{
    const size_t layers = layerSize.size();
    if (layers < 2)
        return 0;
    // Edges joining layer l and l + 1, as (row in l, row in l + 1), grouped by l.
    std::vector<int> groupStart(layers + 1, 0);
    const auto lowerEnd = [&](const GraphEdge& e, int& lower, int& upper) {
        lower = e.from;
        upper = e.to;
        if (layer[static_cast<size_t>(lower)] > layer[static_cast<size_t>(upper)])
            std::swap(lower, upper);
        return layer[static_cast<size_t>(upper)] == layer[static_cast<size_t>(lower)] + 1;
    };
    for (const GraphEdge& e : edges) {
        int a = 0;
        int b = 0;
        if (lowerEnd(e, a, b))
            ++groupStart[static_cast<size_t>(layer[static_cast<size_t>(a)]) + 1];
    }
    for (size_t l = 1; l <= layers; ++l)
        groupStart[l] += groupStart[l - 1];
    std::vector<std::pair<int, int>> pairs(static_cast<size_t>(groupStart[layers]));
    std::vector<int> fill(groupStart.begin(), groupStart.end() - 1);
    for (const GraphEdge& e : edges) {
        int a = 0;
        int b = 0;
        if (lowerEnd(e, a, b))
            pairs[static_cast<size_t>(fill[static_cast<size_t>(layer[static_cast<size_t>(a)])]++)]
                = { row[static_cast<size_t>(a)], row[static_cast<size_t>(b)] };
    }
    // Two edges cross when their ends are in opposite orders: sorted by the
    // first end, count the earlier edges whose second end is strictly below
    // (a Fenwick tree over the rows of layer l + 1).
    qint64 total = 0;
    std::vector<int> tree;
    for (size_t l = 0; l + 1 < layers; ++l) {
        const auto first = pairs.begin() + groupStart[l];
        const auto last = pairs.begin() + groupStart[l + 1];
        if (last - first < 2)
            continue;
        std::sort(first, last);
        const int size = layerSize[l + 1];
        tree.assign(static_cast<size_t>(size) + 1, 0);
        qint64 seen = 0;
        for (auto it = first; it != last; ++it) {
            qint64 atOrAbove = 0;
            for (int i = it->second + 1; i > 0; i -= i & -i)
                atOrAbove += tree[static_cast<size_t>(i)];
            total += seen - atOrAbove;
            for (int i = it->second + 1; i <= size; i += i & -i)
                ++tree[static_cast<size_t>(i)];
            ++seen;
        }
    }
    return total;
}

// One barycenter pass over the layers in `down` order (by the parents) or up
// (by the children): each node moves to the mean centred row of its
// neighbours in the layers already passed; one without such neighbours keeps
// its place.
void barycenterPass(Ordering& o, const std::vector<int>& layer, const std::vector<int>& layerSize, const Adjacency& neighbours, bool down)
{
    const int layers = static_cast<int>(layerSize.size());
    const auto centred
        = [&](int v) { return o.row[static_cast<size_t>(v)] - (layerSize[static_cast<size_t>(layer[static_cast<size_t>(v)])] - 1) / 2.0; };
    std::vector<std::pair<double, int>> keyed;
    for (int step = 1; step < layers; ++step) {
        const int l = down ? step : layers - 1 - step;
        const int begin = o.layerStart[static_cast<size_t>(l)];
        const int end = o.layerStart[static_cast<size_t>(l) + 1];
        keyed.clear();
        for (int i = begin; i < end; ++i) {
            const int v = o.order[static_cast<size_t>(i)];
            double sum = 0;
            int count = 0;
            for (int j = neighbours.begin(v); j < neighbours.end(v); ++j) {
                const int w = neighbours.node[static_cast<size_t>(j)];
                const int lw = layer[static_cast<size_t>(w)];
                if (down ? lw < l : lw > l) {
                    sum += centred(w);
                    ++count;
                }
            }
            keyed.emplace_back(count > 0 ? sum / count : centred(v), v);
        }
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        for (int i = begin; i < end; ++i) {
            const int v = keyed[static_cast<size_t>(i - begin)].second;
            o.order[static_cast<size_t>(i)] = v;
            o.row[static_cast<size_t>(v)] = i - begin;
        }
    }
}

std::vector<GraphEdge> validEdges(int nodeCount, const QList<GraphEdge>& edges)
{
    std::vector<GraphEdge> valid;
    valid.reserve(static_cast<size_t>(edges.size()));
    for (const GraphEdge& e : edges)
        if (e.from >= 0 && e.from < nodeCount && e.to >= 0 && e.to < nodeCount && e.from != e.to)
            valid.push_back(e);
    return valid;
}

} // namespace

GraphLayout layoutGraph(int nodeCount, const QList<GraphEdge>& input, int sweeps)
{
    GraphLayout out;
    if (nodeCount <= 0)
        return out;
    const std::vector<GraphEdge> edges = validEdges(nodeCount, input);
    const Adjacency children = adjacency(nodeCount, edges, true);
    const std::vector<int> layer = longestPathLayers(nodeCount, children, edges);

    // Input order within each layer (a counting sort by layer).
    const int layers = *std::max_element(layer.begin(), layer.end()) + 1;
    std::vector<int> layerSize(static_cast<size_t>(layers), 0);
    for (int l : layer)
        ++layerSize[static_cast<size_t>(l)];
    Ordering o;
    o.layerStart.assign(static_cast<size_t>(layers) + 1, 0);
    for (int l = 0; l < layers; ++l)
        o.layerStart[static_cast<size_t>(l) + 1] = o.layerStart[static_cast<size_t>(l)] + layerSize[static_cast<size_t>(l)];
    o.order.resize(static_cast<size_t>(nodeCount));
    o.row.resize(static_cast<size_t>(nodeCount));
    std::vector<int> fill(o.layerStart.begin(), o.layerStart.end() - 1);
    for (int v = 0; v < nodeCount; ++v) {
        const size_t l = static_cast<size_t>(layer[static_cast<size_t>(v)]);
        o.row[static_cast<size_t>(v)] = fill[l] - o.layerStart[l];
        o.order[static_cast<size_t>(fill[l]++)] = v;
    }

    std::vector<int> bestRow = o.row;
    if (sweeps > 0 && layers > 1 && !edges.empty()) {
        const Adjacency parents = adjacency(nodeCount, edges, false);
        qint64 best = crossings(layer, o.row, layerSize, edges);
        for (int pass = 0; pass < 2 * sweeps && best > 0; ++pass) {
            const bool down = pass % 2 == 0;
            barycenterPass(o, layer, layerSize, down ? parents : children, down);
            const qint64 c = crossings(layer, o.row, layerSize, edges);
            if (c < best) {
                best = c;
                bestRow = o.row;
            }
        }
    }

    out.layer = QList<int>(layer.begin(), layer.end());
    out.row = QList<int>(bestRow.begin(), bestRow.end());
    out.layerSize = QList<int>(layerSize.begin(), layerSize.end());
    out.maxLayerSize = *std::max_element(layerSize.begin(), layerSize.end());
    return out;
}

qint64 countCrossings(const GraphLayout& layout, const QList<GraphEdge>& input)
{
    const int nodeCount = static_cast<int>(std::min(layout.layer.size(), layout.row.size()));
    const std::vector<GraphEdge> edges = validEdges(nodeCount, input);
    return crossings(std::vector<int>(layout.layer.begin(), layout.layer.begin() + nodeCount),
        std::vector<int>(layout.row.begin(), layout.row.begin() + nodeCount), std::vector<int>(layout.layerSize.begin(), layout.layerSize.end()),
        edges);
}

} // namespace llmsched::ui
