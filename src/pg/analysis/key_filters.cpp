// Filter conditions in key queries.
//
// A key query must find every document a change can reach in any state a
// concurrent transaction may commit. Its snapshot cannot see an
// uncommitted change of another relation, so a condition on another
// relation — a post's `published`, a user's `active`, an EXISTS over a
// third table — may hide a document that a concurrent writer is about to
// make visible; that writer's own refresh cannot see this transaction's
// change either, and the document would stay stale (isolation spec
// update_update_filter). So, at every level of the path from the top of
// the query to the changed occurrence, a key query keeps only:
//   * equality links between two relations (btree equality of one column
//     or expression of each side): they connect the changed rows to the
//     key, and a concurrent change of either side takes a link lock;
//   * conditions on the changed rows alone (the transition rows: a
//     concurrent writer of those rows waits on the row lock);
// and drops every other condition. A condition that mixes the changed rows
// with another relation in some other way (`c.at >= p.published_at`) is
// dropped where the changed rows are linked by equality to every other
// relation it names, kept otherwise (dropping it would make the key query
// a cross product; docs/limits.md). Dropping a condition only adds keys:
// the flush recomputes them and finds them absent from the view.
//
// C style on purpose (see view_analysis.hpp): runs inside pg_call.
#include <vector>

#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "utils/lsyscache.h"
}

namespace pg_tviews::pg {

namespace {

// What a condition reads, as members of one Bitmapset: the range table
// entries of its level (rti + kFirstRte), the changed rows themselves
// (kOwn), columns of the changed occurrence's subquery that come from
// other relations (kForeign), enclosing levels (kOuter) and sublinks.
constexpr int kOuter = 0;
constexpr int kSublink = 1;
constexpr int kForeign = 2;
constexpr int kOwn = 3;
constexpr int kFirstRte = 4;

struct Target {
    Index rti;               // the changed occurrence, or the subquery holding it; 0: none at this level
    Bitmapset* foreign;      // attnos of rti (a subquery) not computed from the changed rows alone
};

struct ReadsCtx {
    Query* q;
    const Target* target;
    Bitmapset* reads;
    int depth;
};

bool reads_walker(Node* node, void* raw);

void add_var(Var* var, ReadsCtx* ctx) {
    RangeTblEntry* rte = rt_fetch(var->varno, ctx->q->rtable);
    if (rte->rtekind == RTE_JOIN) {
        ReadsCtx inner = *ctx;
        inner.depth = 0;
        if (var->varattno == 0)
            (void)reads_walker(reinterpret_cast<Node*>(rte->joinaliasvars), &inner);
        else if (var->varattno > 0 && var->varattno <= list_length(rte->joinaliasvars))
            (void)reads_walker(static_cast<Node*>(list_nth(rte->joinaliasvars, var->varattno - 1)), &inner);
        ctx->reads = inner.reads;
        return;
    }
    if (static_cast<Index>(var->varno) != ctx->target->rti) {
        ctx->reads = bms_add_member(ctx->reads, static_cast<int>(var->varno) + kFirstRte);
        return;
    }
    bool foreign = var->varattno > 0 ? bms_is_member(var->varattno, ctx->target->foreign)
                                     : !bms_is_empty(ctx->target->foreign);
    ctx->reads = bms_add_member(ctx->reads, kOwn);
    if (foreign) ctx->reads = bms_add_member(ctx->reads, kForeign);
}

bool reads_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* ctx = static_cast<ReadsCtx*>(raw);
    if (IsA(node, Var)) {
        auto* var = reinterpret_cast<Var*>(node);
        int up = static_cast<int>(var->varlevelsup);
        if (up == ctx->depth) add_var(var, ctx);
        else if (up > ctx->depth) ctx->reads = bms_add_member(ctx->reads, kOuter);
        return false;
    }
    if (IsA(node, SubLink)) ctx->reads = bms_add_member(ctx->reads, kSublink);
    if (IsA(node, Query))
        return walk_query_level(reinterpret_cast<Query*>(node), &ctx->depth, PGTV_WALKER(reads_walker), raw);
    return expression_tree_walker(node, PGTV_WALKER(reads_walker), raw);
}

Bitmapset* reads_of(Node* node, Query* q, const Target* target) {
    ReadsCtx ctx{q, target, nullptr, 0};
    (void)reads_walker(node, &ctx);
    return ctx.reads;
}

// A condition reading only the changed rows (and constants): kOwn and
// nothing from another relation, no sublink.
bool own_only(Bitmapset* reads) {
    Bitmapset* own = bms_make_singleton(kOwn);
    return bms_is_subset(reads, own);
}

// `a = b` where = is the equality of a btree operator family and each side
// reads exactly one relation (or the enclosing level), not the same one.
// The changed rows' own side counts as one relation, however it is split
// into own and foreign columns.
int side_of(Bitmapset* reads) {
    if (bms_is_member(kSublink, reads)) return -1;
    if (bms_is_member(kOwn, reads)) reads = bms_del_member(bms_del_member(bms_copy(reads), kOwn), kForeign);
    else if (bms_is_member(kForeign, reads)) return -1;
    int n = bms_num_members(reads);
    if (n == 0) return kOwn;
    if (n == 1 && reads != nullptr) return bms_singleton_member(reads);
    return -1;
}

bool link_sides(Node* cond, Query* q, const Target* target, int* a, int* b) {
    if (!IsA(cond, OpExpr)) return false;
    auto* op = reinterpret_cast<OpExpr*>(cond);
    if (list_length(op->args) != 2 || !is_btree_equality(op->opno)) return false;
    Bitmapset* left = reads_of(static_cast<Node*>(linitial(op->args)), q, target);
    Bitmapset* right = reads_of(static_cast<Node*>(lsecond(op->args)), q, target);
    if (bms_is_empty(left) || bms_is_empty(right)) return false;
    *a = side_of(left);
    *b = side_of(right);
    return *a >= 0 && *b >= 0 && *a != *b;
}

struct Conditions {
    List* all;              // Node*: every conjunct at this level
    Bitmapset* linked_own;  // what the changed rows are linked to by equality
};

void collect(Node* jt, Conditions* c) {
    if (jt == nullptr) return;
    Node* quals = nullptr;
    if (IsA(jt, FromExpr)) {
        auto* f = reinterpret_cast<FromExpr*>(jt);
        quals = f->quals;
        ListCell* lc;
        foreach (lc, f->fromlist) collect(static_cast<Node*>(lfirst(lc)), c);
    } else if (IsA(jt, JoinExpr)) {
        auto* j = reinterpret_cast<JoinExpr*>(jt);
        quals = j->quals;
        collect(j->larg, c);
        collect(j->rarg, c);
    }
    if (quals != nullptr) c->all = list_concat(c->all, make_ands_implicit(reinterpret_cast<Expr*>(quals)));
}

bool keep(Node* cond, Query* q, const Target* target, const Conditions* c) {
    int a = 0;
    int b = 0;
    if (link_sides(cond, q, target, &a, &b)) return true;
    Bitmapset* reads = reads_of(cond, q, target);
    if (own_only(reads)) return true;
    if (!bms_is_member(kOwn, reads)) return false;  // a filter on other relations
    Bitmapset* others = bms_del_member(bms_copy(reads), kOwn);
    return !bms_is_subset(others, c->linked_own);
}

Node* keep_in(Node* quals, Query* q, const Target* target, const Conditions* c) {
    if (quals == nullptr) return nullptr;
    List* kept = NIL;
    ListCell* lc;
    foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(quals))) {
        auto* cond = static_cast<Node*>(lfirst(lc));
        if (keep(cond, q, target, c)) kept = lappend(kept, cond);
    }
    return kept == NIL ? nullptr : reinterpret_cast<Node*>(make_ands_explicit(kept));
}

void rewrite(Node* jt, Query* q, const Target* target, const Conditions* c) {
    if (jt == nullptr) return;
    if (IsA(jt, FromExpr)) {
        auto* f = reinterpret_cast<FromExpr*>(jt);
        f->quals = keep_in(f->quals, q, target, c);
        ListCell* lc;
        foreach (lc, f->fromlist) rewrite(static_cast<Node*>(lfirst(lc)), q, target, c);
    } else if (IsA(jt, JoinExpr)) {
        auto* j = reinterpret_cast<JoinExpr*>(jt);
        j->quals = keep_in(j->quals, q, target, c);
        rewrite(j->larg, q, target, c);
        rewrite(j->rarg, q, target, c);
    }
}

}  // namespace

bool is_btree_equality(Oid opno) {
    ListCell* lc;
    foreach (lc, get_op_btree_interpretation(opno)) {
        if (static_cast<OpBtreeInterpretation*>(lfirst(lc))->strategy == BTEqualStrategyNumber) return true;
    }
    return false;
}

void drop_filters(Query* q, Index target_rti, Bitmapset* foreign_attnos) {
    Target target{target_rti, foreign_attnos};
    Conditions c{NIL, nullptr};
    collect(reinterpret_cast<Node*>(q->jointree), &c);
    ListCell* lc;
    foreach (lc, c.all) {
        int a = 0;
        int b = 0;
        if (!link_sides(static_cast<Node*>(lfirst(lc)), q, &target, &a, &b)) continue;
        if (a == kOwn) c.linked_own = bms_add_member(c.linked_own, b);
        if (b == kOwn) c.linked_own = bms_add_member(c.linked_own, a);
    }
    // Other columns of the changed occurrence's own subquery: a condition
    // on one range table entry never makes the key query a cross product.
    c.linked_own = bms_add_member(c.linked_own, kForeign);
    rewrite(reinterpret_cast<Node*>(q->jointree), q, &target, &c);
}

Bitmapset* foreign_outputs(Query* q, Index target_rti, Bitmapset* foreign_attnos) {
    Target target{target_rti, foreign_attnos};
    Bitmapset* out = nullptr;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        Bitmapset* reads = reads_of(reinterpret_cast<Node*>(tle->expr), q, &target);
        if (!own_only(reads)) out = bms_add_member(out, tle->resno);
    }
    return out;
}

// (view_analysis.hpp.) Long because the breadth-first walk over the
// equality links keeps its queue, parents and goals in one frame.
bool needed_rtis(Query* q, Index target_rti, Bitmapset* foreign_attnos, Node* held, Node* wanted, Bitmapset** out) {
    Target target{target_rti, foreign_attnos};
    Conditions c{NIL, nullptr};
    collect(reinterpret_cast<Node*>(q->jointree), &c);
    // The changed side: the occurrence (or its subquery), or the relations
    // the sublink holding it correlates with.
    Bitmapset* from = nullptr;
    if (target_rti != 0) from = bms_make_singleton(kOwn);
    if (held != nullptr) {
        ReadsCtx ctx{q, &target, nullptr, 0};  // inside it, level 1 is this level
        (void)reads_walker(held, &ctx);
        from = bms_union(from, ctx.reads);
    }
    // What must be reached: the relations the level above reads, and those
    // correlated with an enclosing level.
    Bitmapset* to = wanted ? reads_of(wanted, q, &target) : nullptr;
    ListCell* lc;
    foreach (lc, c.all) {
        Bitmapset* reads = reads_of(static_cast<Node*>(lfirst(lc)), q, &target);
        if (bms_is_member(kOuter, reads)) to = bms_union(to, reads);
    }
    from = bms_del_members(from, bms_add_members(bms_make_singleton(kOuter), bms_make_singleton(kSublink)));
    to = bms_del_member(bms_del_member(bms_del_member(to, kOuter), kSublink), kForeign);
    if (bms_is_empty(from)) return false;
    // Breadth-first over the equality links from the changed side; every
    // relation on a shortest path to something that must be reached is
    // needed.
    int n = list_length(q->rtable) + kFirstRte;
    std::vector<int> parent(static_cast<std::size_t>(n), -2);
    std::vector<int> queue;
    int m = -1;
    while ((m = bms_next_member(from, m)) >= 0) {
        if (m >= n) return false;
        parent[static_cast<std::size_t>(m)] = -1;
        queue.push_back(m);
    }
    for (std::size_t head = 0; head < queue.size(); head++) {
        int node = queue[head];
        foreach (lc, c.all) {
            int a = 0;
            int b = 0;
            if (!link_sides(static_cast<Node*>(lfirst(lc)), q, &target, &a, &b)) continue;
            int next = a == node ? b : (b == node ? a : -1);
            if (next == kOuter) continue;  // one token for every enclosing relation: no path through it
            if (next < 0 || next >= n || parent[static_cast<std::size_t>(next)] != -2) continue;
            parent[static_cast<std::size_t>(next)] = node;
            queue.push_back(next);
        }
    }
    Bitmapset* needed = bms_copy(from);
    m = -1;
    while ((m = bms_next_member(to, m)) >= 0) {
        if (m >= n || parent[static_cast<std::size_t>(m)] == -2) return false;  // not linked: keep every join
        for (int node = m; node >= 0; node = parent[static_cast<std::size_t>(node)]) needed = bms_add_member(needed, node);
    }
    Bitmapset* rtis = nullptr;
    m = -1;
    while ((m = bms_next_member(needed, m)) >= 0) {
        if (m == kOwn) rtis = bms_add_member(rtis, static_cast<int>(target_rti));
        else if (m >= kFirstRte) rtis = bms_add_member(rtis, m - kFirstRte);
    }
    *out = rtis;
    return true;
}

}  // namespace pg_tviews::pg
