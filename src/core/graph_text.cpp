#include "pg_tviews/core/graph_text.hpp"

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

namespace {

// Mermaid labels: quotes become #quot; (Mermaid's entity), nothing else is special inside "...".
std::string mermaid_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"')
            out += "#quot;";
        else
            out += c;
    }
    return out;
}

std::string dot_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

GraphFormat graph_format(const std::string& name) {
    if (name == "mermaid") return GraphFormat::kMermaid;
    if (name == "dot") return GraphFormat::kDot;
    throw TviewError(sqlstate::kInvalidParameterValue, fmt::format("unknown graph format \"{}\"", name), "",
                     "Use 'mermaid' or 'dot'.");
}

std::string render_graph(const GraphModel& model, GraphFormat format) {
    std::string out;
    if (format == GraphFormat::kMermaid) {
        out += "flowchart LR\n";
        for (const auto& n : model.nodes) {
            std::string label = mermaid_text(n.name);
            switch (n.kind) {
                case GraphNode::kTable: out += fmt::format("  n{}[\"{}\"]\n", n.id, label); break;
                case GraphNode::kHelperView: out += fmt::format("  n{}([\"{}\"])\n", n.id, label); break;
                case GraphNode::kTview: out += fmt::format("  n{}[[\"{}\"]]\n", n.id, label); break;
            }
        }
        for (const auto& e : model.edges) {
            if (e.label == "through")
                out += fmt::format("  n{} -.->|through| n{}\n", e.from, e.to);
            else
                out += fmt::format("  n{} -->|{}| n{}\n", e.from, mermaid_text(e.label), e.to);
        }
        return out;
    }
    out += "digraph pg_tviews {\n  rankdir=LR;\n";
    for (const auto& n : model.nodes) {
        const char* shape = n.kind == GraphNode::kTview       ? "box, style=bold"
                            : n.kind == GraphNode::kHelperView ? "ellipse, style=dashed"
                                                               : "box";
        out += fmt::format("  n{} [label=\"{}\", shape={}];\n", n.id, dot_text(n.name), shape);
    }
    for (const auto& e : model.edges)
        out += fmt::format("  n{} -> n{} [label=\"{}\"{}];\n", e.from, e.to, dot_text(e.label),
                           e.label == "through" ? ", style=dashed" : "");
    out += "}\n";
    return out;
}

}  // namespace pg_tviews
