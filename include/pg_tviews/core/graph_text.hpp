// The dependency graph of the read model as text (pg_tviews_graph()):
// Mermaid (flowchart) or Graphviz DOT. Nodes are base tables, helper views
// and TVIEWs; an edge says how changes of its source find the TVIEW's keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pg_tviews {

struct GraphNode {
    std::uint32_t id = 0;
    std::string name;  // as shown (schema-qualified where useful)
    enum Kind { kTable, kHelperView, kTview } kind = kTable;
};

struct GraphEdge {
    std::uint32_t from = 0;
    std::uint32_t to = 0;
    std::string label;  // "direct", "key query", "full refresh", "through"
};

struct GraphModel {
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;
};

enum class GraphFormat { kMermaid, kDot };

// Throws TviewError 22023 for an unknown format name.
GraphFormat graph_format(const std::string& name);

std::string render_graph(const GraphModel& model, GraphFormat format);

}  // namespace pg_tviews
