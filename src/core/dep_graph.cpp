#include "pg_tviews/core/dep_graph.hpp"

#include <algorithm>
#include <functional>
#include <string>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

void DepGraph::add_node(NodeId node) { nodes_.insert(node); }

void DepGraph::add_edge(NodeId base, NodeId dependent) {
    nodes_.insert(base);
    nodes_.insert(dependent);
    out_[base].insert(dependent);
    in_[dependent].insert(base);
}

const std::set<NodeId>& DepGraph::direct_dependents(NodeId node) const {
    static const std::set<NodeId> kEmpty;
    auto it = out_.find(node);
    return it == out_.end() ? kEmpty : it->second;
}

std::optional<std::vector<NodeId>> DepGraph::find_cycle() const {
    enum class Mark { kNone, kActive, kDone };
    std::map<NodeId, Mark> mark;
    std::vector<NodeId> stack;
    std::optional<std::vector<NodeId>> found;

    std::function<bool(NodeId)> visit = [&](NodeId n) -> bool {
        mark[n] = Mark::kActive;
        stack.push_back(n);
        for (NodeId d : direct_dependents(n)) {
            Mark m = mark.count(d) ? mark[d] : Mark::kNone;
            if (m == Mark::kActive) {
                auto start = std::find(stack.begin(), stack.end(), d);
                found = std::vector<NodeId>(start, stack.end());
                return true;
            }
            if (m == Mark::kNone && visit(d)) return true;
        }
        stack.pop_back();
        mark[n] = Mark::kDone;
        return false;
    };
    for (NodeId n : nodes_)
        if (!mark.count(n) && visit(n)) return found;
    return std::nullopt;
}

std::map<NodeId, int> DepGraph::levels() const {
    if (auto cycle = find_cycle()) {
        std::string path;
        for (NodeId n : *cycle) path += fmt::format("{} -> ", n);
        path += fmt::format("{}", cycle->front());
        throw TviewError(sqlstate::kInvalidRecursion,
                         "TVIEW dependencies form a cycle",
                         fmt::format("Cycle through table OIDs {}.", path),
                         "A TVIEW cannot read itself, directly or through other TVIEWs.");
    }
    std::map<NodeId, int> level;
    std::function<int(NodeId)> compute = [&](NodeId n) -> int {
        auto it = level.find(n);
        if (it != level.end()) return it->second;
        int l = 0;
        auto in = in_.find(n);
        if (in != in_.end())
            for (NodeId b : in->second) l = std::max(l, compute(b) + 1);
        level[n] = l;
        return l;
    };
    for (NodeId n : nodes_) compute(n);
    return level;
}

std::vector<NodeId> DepGraph::refresh_order() const {
    auto level = levels();
    std::vector<NodeId> order(nodes_.begin(), nodes_.end());
    std::stable_sort(order.begin(), order.end(), [&](NodeId a, NodeId b) {
        if (level[a] != level[b]) return level[a] < level[b];
        return a < b;
    });
    return order;
}

std::set<NodeId> DepGraph::dependents_closure(NodeId node) const {
    std::set<NodeId> seen;
    std::vector<NodeId> work{node};
    while (!work.empty()) {
        NodeId n = work.back();
        work.pop_back();
        for (NodeId d : direct_dependents(n))
            if (d != node && seen.insert(d).second) work.push_back(d);
    }
    return seen;
}

}  // namespace pg_tviews
