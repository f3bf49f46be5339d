#include "pg_tviews/core/graph_text.hpp"

#include <string>

#include <gtest/gtest.h>

#include "pg_tviews/core/error.hpp"

using namespace pg_tviews;

namespace {

GraphModel blog() {
    GraphModel m;
    m.nodes = {{1, "tb_user", GraphNode::kTable},
               {2, "tb_post", GraphNode::kTable},
               {3, "commenters", GraphNode::kHelperView},
               {4, "tv_post", GraphNode::kTview}};
    m.edges = {{2, 4, "direct"}, {1, 4, "key query"}, {3, 4, "through"}};
    return m;
}

}  // namespace

TEST(GraphText, MermaidShapesAndEdges) {
    std::string text = render_graph(blog(), GraphFormat::kMermaid);
    EXPECT_EQ(text.rfind("flowchart LR\n", 0), 0u);
    EXPECT_NE(text.find("n1[\"tb_user\"]"), std::string::npos);
    EXPECT_NE(text.find("n3([\"commenters\"])"), std::string::npos);
    EXPECT_NE(text.find("n4[[\"tv_post\"]]"), std::string::npos);
    EXPECT_NE(text.find("n1 -->|key query| n4"), std::string::npos);
    EXPECT_NE(text.find("n2 -->|direct| n4"), std::string::npos);
    EXPECT_NE(text.find("n3 -.->|through| n4"), std::string::npos);
}

TEST(GraphText, DotIsOneDigraph) {
    std::string text = render_graph(blog(), GraphFormat::kDot);
    EXPECT_EQ(text.rfind("digraph pg_tviews {", 0), 0u);
    EXPECT_NE(text.find("n4 [label=\"tv_post\", shape=box, style=bold];"), std::string::npos);
    EXPECT_NE(text.find("n1 -> n4 [label=\"key query\"];"), std::string::npos);
    EXPECT_NE(text.find("n3 -> n4 [label=\"through\", style=dashed];"), std::string::npos);
    EXPECT_EQ(text.substr(text.size() - 2), "}\n");
}

TEST(GraphText, QuotesInNamesAreEscaped) {
    GraphModel m;
    m.nodes = {{7, "s.\"odd\"", GraphNode::kTable}};
    EXPECT_NE(render_graph(m, GraphFormat::kMermaid).find("n7[\"s.#quot;odd#quot;\"]"), std::string::npos);
    EXPECT_NE(render_graph(m, GraphFormat::kDot).find("label=\"s.\\\"odd\\\"\""), std::string::npos);
}

TEST(GraphText, UnknownFormatIsRefused) {
    EXPECT_EQ(graph_format("mermaid"), GraphFormat::kMermaid);
    EXPECT_EQ(graph_format("dot"), GraphFormat::kDot);
    try {
        graph_format("png");
        FAIL();
    } catch (const TviewError& e) {
        EXPECT_EQ(e.sqlstate, "22023");
    }
}
