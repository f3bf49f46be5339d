// Dependency graph between TVIEWs: an edge base -> dependent means the
// dependent's view reads the base TVIEW's table. Refresh order is by level
// (a TVIEW's level is one more than the highest level it reads), then by id;
// this is also the global order in which keys are locked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace pg_tviews {

using NodeId = std::uint32_t;

class DepGraph {
public:
    void add_node(NodeId node);
    void add_edge(NodeId base, NodeId dependent);

    bool contains(NodeId node) const { return nodes_.count(node) != 0; }
    // A cycle through the graph, as the list of nodes on it, or nothing.
    std::optional<std::vector<NodeId>> find_cycle() const;
    // Level of each node; throws TviewError 42P19 when the graph has a cycle.
    std::map<NodeId, int> levels() const;
    // All nodes in refresh order (level, then id).
    std::vector<NodeId> refresh_order() const;
    // Every node that reads `node`, directly or transitively (not `node`).
    std::set<NodeId> dependents_closure(NodeId node) const;
    const std::set<NodeId>& direct_dependents(NodeId node) const;

private:
    std::set<NodeId> nodes_;
    std::map<NodeId, std::set<NodeId>> out_;  // base -> dependents
    std::map<NodeId, std::set<NodeId>> in_;   // dependent -> bases
};

}  // namespace pg_tviews
