#include "pg_tviews/core/dep_graph.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "pg_tviews/core/error.hpp"

using namespace pg_tviews;
using Ids = std::vector<NodeId>;

namespace {

// Node ids deliberately not in dependency order.
constexpr NodeId kCompany = 40;
constexpr NodeId kUser = 30;
constexpr NodeId kPost = 20;
constexpr NodeId kComment = 10;

DepGraph chain() {
    DepGraph g;
    // base -> dependent: tv_user reads tv_company, tv_post reads tv_user, ...
    g.add_edge(kCompany, kUser);
    g.add_edge(kUser, kPost);
    g.add_edge(kPost, kComment);
    return g;
}

// True when `cycle` is a cycle of `g`: every consecutive pair (and last ->
// first) is an edge, and no node repeats.
bool is_cycle_of(const DepGraph& g, const Ids& cycle) {
    if (cycle.empty()) return false;
    if (std::set<NodeId>(cycle.begin(), cycle.end()).size() != cycle.size()) return false;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
        NodeId from = cycle[i];
        NodeId to = cycle[(i + 1) % cycle.size()];
        if (!g.direct_dependents(from).count(to)) return false;
    }
    return true;
}

}  // namespace

TEST(DepGraph, EmptyGraph) {
    DepGraph g;
    EXPECT_FALSE(g.find_cycle().has_value());
    EXPECT_TRUE(g.levels().empty());
    EXPECT_TRUE(g.refresh_order().empty());
    EXPECT_TRUE(g.dependents_closure(1).empty());
    EXPECT_TRUE(g.direct_dependents(1).empty());
    EXPECT_FALSE(g.contains(1));
}

TEST(DepGraph, IsolatedNodesAreLevelZero) {
    DepGraph g;
    g.add_node(3);
    g.add_node(1);
    g.add_node(2);
    g.add_node(2);
    EXPECT_TRUE(g.contains(1));
    EXPECT_FALSE(g.contains(4));
    auto lv = g.levels();
    EXPECT_EQ(lv, (std::map<NodeId, int>{{1, 0}, {2, 0}, {3, 0}}));
    EXPECT_EQ(g.refresh_order(), (Ids{1, 2, 3}));
}

TEST(DepGraph, AddEdgeAddsNodes) {
    DepGraph g;
    g.add_edge(1, 2);
    EXPECT_TRUE(g.contains(1));
    EXPECT_TRUE(g.contains(2));
    EXPECT_EQ(g.direct_dependents(1), (std::set<NodeId>{2}));
    EXPECT_TRUE(g.direct_dependents(2).empty());
}

TEST(DepGraph, ChainLevels) {
    DepGraph g = chain();
    auto lv = g.levels();
    ASSERT_EQ(lv.size(), 4u);
    EXPECT_EQ(lv.at(kCompany), 0);
    EXPECT_EQ(lv.at(kUser), 1);
    EXPECT_EQ(lv.at(kPost), 2);
    EXPECT_EQ(lv.at(kComment), 3);
}

TEST(DepGraph, ChainRefreshOrderFollowsLevelsNotIds) {
    DepGraph g = chain();
    EXPECT_EQ(g.refresh_order(), (Ids{kCompany, kUser, kPost, kComment}));
}

TEST(DepGraph, DiamondLevels) {
    // 1 -> 2 -> 4 and 1 -> 3 -> 4
    DepGraph g;
    g.add_edge(1, 3);
    g.add_edge(1, 2);
    g.add_edge(3, 4);
    g.add_edge(2, 4);
    auto lv = g.levels();
    EXPECT_EQ(lv, (std::map<NodeId, int>{{1, 0}, {2, 1}, {3, 1}, {4, 2}}));
    EXPECT_EQ(g.refresh_order(), (Ids{1, 2, 3, 4}));
    EXPECT_FALSE(g.find_cycle().has_value());
}

TEST(DepGraph, LevelIsOneMoreThanHighestBase) {
    // 5 reads both 1 (level 0) and the end of a chain 1 -> 2 -> 3 (level 2).
    DepGraph g;
    g.add_edge(1, 2);
    g.add_edge(2, 3);
    g.add_edge(1, 5);
    g.add_edge(3, 5);
    g.add_node(4);
    auto lv = g.levels();
    EXPECT_EQ(lv.at(5), 3);
    EXPECT_EQ(lv.at(4), 0);
    EXPECT_EQ(g.refresh_order(), (Ids{1, 4, 2, 3, 5}));
}

TEST(DepGraph, RefreshOrderSortedByLevelThenId) {
    DepGraph g;
    g.add_edge(9, 2);
    g.add_edge(9, 7);
    g.add_edge(1, 5);
    g.add_edge(5, 3);
    g.add_node(6);
    // levels: 1,6,9 -> 0; 2,5,7 -> 1; 3 -> 2
    Ids order = g.refresh_order();
    EXPECT_EQ(order, (Ids{1, 6, 9, 2, 5, 7, 3}));
    auto lv = g.levels();
    for (std::size_t i = 1; i < order.size(); ++i) {
        auto a = std::make_pair(lv.at(order[i - 1]), order[i - 1]);
        auto b = std::make_pair(lv.at(order[i]), order[i]);
        EXPECT_LT(a, b);
    }
}

TEST(DepGraph, FindCycleNoneForDag) {
    EXPECT_EQ(chain().find_cycle(), std::nullopt);
}

TEST(DepGraph, FindCycleSelfLoop) {
    DepGraph g;
    g.add_edge(5, 5);
    auto c = g.find_cycle();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(*c, Ids{5});
}

TEST(DepGraph, FindCycleTwoCycle) {
    DepGraph g = chain();
    g.add_edge(kComment, kPost);  // post <-> comment
    auto c = g.find_cycle();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->size(), 2u);
    EXPECT_TRUE(is_cycle_of(g, *c));
    EXPECT_EQ(std::set<NodeId>(c->begin(), c->end()), (std::set<NodeId>{kPost, kComment}));
}

TEST(DepGraph, FindCycleThreeCycle) {
    DepGraph g;
    g.add_node(100);  // unrelated
    g.add_edge(1, 2);
    g.add_edge(2, 3);
    g.add_edge(3, 4);
    g.add_edge(4, 2);  // 2 -> 3 -> 4 -> 2
    auto c = g.find_cycle();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->size(), 3u);
    EXPECT_TRUE(is_cycle_of(g, *c));
    EXPECT_EQ(std::set<NodeId>(c->begin(), c->end()), (std::set<NodeId>{2, 3, 4}));
}

TEST(DepGraph, LevelsThrowOnCycle) {
    DepGraph g;
    g.add_edge(1, 2);
    g.add_edge(2, 3);
    g.add_edge(3, 1);
    EXPECT_THROW(g.levels(), TviewError);
    try {
        g.levels();
        FAIL() << "levels() did not throw";
    } catch (const TviewError& e) {
        EXPECT_EQ(e.sqlstate, "42P19");
        EXPECT_EQ(e.sqlstate, sqlstate::kInvalidRecursion);
        // The detail names the OIDs on the cycle.
        EXPECT_NE(e.detail.find("1"), std::string::npos);
        EXPECT_NE(e.detail.find("2"), std::string::npos);
        EXPECT_NE(e.detail.find("3"), std::string::npos);
    }
    EXPECT_THROW(g.refresh_order(), TviewError);
}

TEST(DepGraph, DependentsClosureChain) {
    DepGraph g = chain();
    EXPECT_EQ(g.dependents_closure(kCompany), (std::set<NodeId>{kUser, kPost, kComment}));
    EXPECT_EQ(g.dependents_closure(kUser), (std::set<NodeId>{kPost, kComment}));
    EXPECT_EQ(g.dependents_closure(kPost), (std::set<NodeId>{kComment}));
    EXPECT_TRUE(g.dependents_closure(kComment).empty());
    EXPECT_TRUE(g.dependents_closure(999).empty());
}

TEST(DepGraph, DependentsClosureDiamondAndBranches) {
    DepGraph g;
    g.add_edge(1, 2);
    g.add_edge(1, 3);
    g.add_edge(2, 4);
    g.add_edge(3, 4);
    g.add_edge(4, 5);
    g.add_edge(6, 5);  // 6 is another base of 5, not a dependent of 1
    EXPECT_EQ(g.dependents_closure(1), (std::set<NodeId>{2, 3, 4, 5}));
    EXPECT_EQ(g.dependents_closure(6), (std::set<NodeId>{5}));
    EXPECT_EQ(g.dependents_closure(3), (std::set<NodeId>{4, 5}));
}

TEST(DepGraph, DependentsClosureExcludesSelfOnCycle) {
    DepGraph g;
    g.add_edge(1, 2);
    g.add_edge(2, 1);
    EXPECT_EQ(g.dependents_closure(1), (std::set<NodeId>{2}));
}

TEST(DepGraph, DeepChainDoesNotOverflow) {
    DepGraph g;
    const NodeId n = 2000;
    for (NodeId i = 1; i < n; ++i) g.add_edge(i, i + 1);
    auto lv = g.levels();
    EXPECT_EQ(lv.at(n), static_cast<int>(n - 1));
    Ids order = g.refresh_order();
    ASSERT_EQ(order.size(), n);
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    EXPECT_EQ(g.dependents_closure(1).size(), n - 1);
}
