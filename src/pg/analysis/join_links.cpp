// Equality links between relation columns in a TVIEW's query. They drive the
// link locks of the capture trigger (see key_locks.hpp): two transactions
// changing rows that are linked through one of these equalities (or whose
// change creates or breaks such a link) must not both miss the document
// the link builds.
//
// C style on purpose (see view_analysis.hpp): runs inside pg_call.
#include <utility>

#include "pg_tviews/pg/analysis/view_analysis.hpp"

namespace pg_tviews::pg {

namespace {

struct Column {
    Oid relid;
    AttrNumber attno;
};

// Resolves an expression at a given level of the query stack to a base
// relation column: through RelabelType, join alias variables and plain
// output columns of subqueries (expanded helper views).
bool resolve_column(Node* expr, List* stack, int level, Column* out, int depth_guard) {
    if (depth_guard > 32) return false;
    while (expr && IsA(expr, RelabelType)) expr = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(expr)->arg);
    if (expr == nullptr || !IsA(expr, Var)) return false;
    auto* var = reinterpret_cast<Var*>(expr);
    int owner_level = level - static_cast<int>(var->varlevelsup);
    if (owner_level < 0 || var->varattno <= 0) return false;
    auto* q = static_cast<Query*>(list_nth(stack, owner_level));
    RangeTblEntry* rte = rt_fetch(var->varno, q->rtable);
    switch (rte->rtekind) {
        case RTE_RELATION:
            out->relid = rte->relid;
            out->attno = var->varattno;
            return true;
        case RTE_JOIN:
            if (var->varattno > list_length(rte->joinaliasvars)) return false;
            return resolve_column(static_cast<Node*>(list_nth(rte->joinaliasvars, var->varattno - 1)),
                                  list_copy_head(stack, owner_level + 1), owner_level, out, depth_guard + 1);
        case RTE_SUBQUERY: {
            Query* sub = rte->subquery;
            if (sub == nullptr || sub->setOperations || sub->hasAggs || sub->groupClause) return false;
            TargetEntry* tle = get_tle_by_resno(sub->targetList, var->varattno);
            if (tle == nullptr) return false;
            List* sub_stack = lappend(list_copy_head(stack, owner_level + 1), sub);
            return resolve_column(reinterpret_cast<Node*>(tle->expr), sub_stack, owner_level + 1, out,
                                  depth_guard + 1);
        }
        default:
            return false;
    }
}

struct LinkContext {
    List* stack;  // Query* from the top down to the current level
    List* links;  // JoinLinkC*
};

bool link_walker(Node* node, void* raw);

void add_link(LinkContext* ctx, Column a, Column b) {
    if (a.relid == b.relid && a.attno == b.attno) return;
    if (b.relid < a.relid || (b.relid == a.relid && b.attno < a.attno)) std::swap(a, b);
    ListCell* lc;
    foreach (lc, ctx->links) {
        auto* l = static_cast<JoinLinkC*>(lfirst(lc));
        if (l->rel_a == a.relid && l->att_a == a.attno && l->rel_b == b.relid && l->att_b == b.attno) return;
    }
    auto* link = static_cast<JoinLinkC*>(palloc0(sizeof(JoinLinkC)));
    link->rel_a = a.relid;
    link->att_a = a.attno;
    link->rel_b = b.relid;
    link->att_b = b.attno;
    ctx->links = lappend(ctx->links, link);
}

// Walks query `q` with the query stack one level deeper.
bool visit_query(Query* q, LinkContext* ctx) {
    ctx->stack = lappend(ctx->stack, q);
    bool stop = query_tree_walker(q, PGTV_WALKER(link_walker), ctx, 0);
    ctx->stack = list_delete_last(ctx->stack);
    return stop;
}

// Records `a = b` when both sides resolve to base table columns.
void note_equality(const OpExpr* op, LinkContext* ctx) {
    if (list_length(op->args) != 2 || !is_btree_equality(op->opno)) return;
    Column a{}, b{};
    int level = list_length(ctx->stack) - 1;
    if (resolve_column(static_cast<Node*>(linitial(op->args)), ctx->stack, level, &a, 0) &&
        resolve_column(static_cast<Node*>(lsecond(op->args)), ctx->stack, level, &b, 0))
        add_link(ctx, a, b);
}

bool link_walker(Node* node, void* raw) {
    auto* ctx = static_cast<LinkContext*>(raw);
    if (node == nullptr) return false;
    if (IsA(node, Query)) return visit_query(reinterpret_cast<Query*>(node), ctx);
    if (IsA(node, OpExpr)) note_equality(reinterpret_cast<OpExpr*>(node), ctx);
    return expression_tree_walker(node, PGTV_WALKER(link_walker), raw);
}

}  // namespace

List* find_join_links(Query* rewritten) {
    LinkContext ctx{NIL, NIL};
    visit_query(inline_ctes_copy(rewritten), &ctx);
    return ctx.links;
}

}  // namespace pg_tviews::pg
