// Key queries that skip the TVIEW's own level.
//
// A key query rewritten for an occurrence inside a correlated subquery reads
//   SELECT p.pk_post AS k FROM tb_post p ...
//   WHERE EXISTS (SELECT 1 FROM tb_comment c JOIN pg_tviews_new cu ON ...
//                 WHERE c.fk_post = p.pk_post)
// When that correlation is the subquery's only reference to the levels
// above, and it equates the key with a column of the subquery, every key
// found is the value of that column in some row of the subquery: the key
// query can be the subquery alone,
//   SELECT c.fk_post AS k FROM tb_comment c JOIN pg_tviews_new cu ON ...
// which reads no row of the key's relation (one index probe per key less).
// It finds a superset (a key whose row is gone, or that the dropped
// conditions of the top level would have left out): a key refreshed that
// did not need it costs time, never correctness.
//
// The column must have the key's type and compare with the type's own
// equality under a deterministic collation, so that equal means the same
// key (the queue, the key locks and the dictionary compare images).
//
// Server C style; called inside pg_call.
#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

namespace pg_tviews::pg {

namespace {

// Whether anything below `node` (`*depth` query levels below the subquery)
// reaches above the subquery.
struct Escape {
    int depth;
};

bool escape_walker(Node* node, void* raw) {
    auto* ctx = static_cast<Escape*>(raw);
    if (node == nullptr) return false;
    if (IsA(node, Var)) return static_cast<int>(reinterpret_cast<Var*>(node)->varlevelsup) > ctx->depth;
    if (IsA(node, Aggref)) {
        if (static_cast<int>(reinterpret_cast<Aggref*>(node)->agglevelsup) > ctx->depth) return true;
    } else if (IsA(node, GroupingFunc)) {
        if (static_cast<int>(reinterpret_cast<GroupingFunc*>(node)->agglevelsup) > ctx->depth) return true;
    } else if (IsA(node, RangeTblEntry)) {
        auto* rte = reinterpret_cast<RangeTblEntry*>(node);
        return rte->rtekind == RTE_CTE && static_cast<int>(rte->ctelevelsup) > ctx->depth;
    } else if (IsA(node, Query)) {
        ctx->depth++;
        bool found = query_tree_walker(reinterpret_cast<Query*>(node), PGTV_WALKER(escape_walker), ctx,
                                       QTW_EXAMINE_RTES_BEFORE);
        ctx->depth--;
        return found;
    }
    return expression_tree_walker(node, PGTV_WALKER(escape_walker), ctx);
}

bool reaches_above(Query* sub) {
    Escape ctx{0};
    return query_tree_walker(sub, PGTV_WALKER(escape_walker), &ctx, QTW_EXAMINE_RTES_BEFORE);
}

// Whether `sub` reads the transition rows `enrname` (at any depth).
struct Reads {
    const char* enrname;
};

bool reads_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    if (IsA(node, RangeTblEntry)) {
        auto* rte = reinterpret_cast<RangeTblEntry*>(node);
        return rte->rtekind == RTE_CTE && strcmp(rte->ctename, static_cast<Reads*>(raw)->enrname) == 0;
    }
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query*>(node), PGTV_WALKER(reads_walker), raw,
                                 QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, PGTV_WALKER(reads_walker), raw);
}

// `c` is inner = outer: a column of `sub` (level 0) equal, by its type's
// own equality, to the key column of `q` (level 1 from sub); the inner
// side, or nullptr.
Node* key_equal_column(Node* c, Query* q, Query* sub, Var* key, Oid key_type) {
    if (!IsA(c, OpExpr) || list_length(reinterpret_cast<OpExpr*>(c)->args) != 2) return nullptr;
    auto* op = reinterpret_cast<OpExpr*>(c);
    TypeCacheEntry* tc = lookup_type_cache(key_type, TYPECACHE_EQ_OPR);
    if (op->opno != tc->eq_opr || !deterministic_collation(op->inputcollid)) return nullptr;
    for (int side = 0; side < 2; side++) {
        Node* inner = static_cast<Node*>(list_nth(op->args, side));
        Node* outer = strip_relabel(static_cast<Node*>(list_nth(op->args, 1 - side)));
        if (exprType(inner) != key_type || outer == nullptr || !IsA(outer, Var)) continue;
        Node* bare = strip_relabel(inner);
        if (bare == nullptr || !IsA(bare, Var) || reinterpret_cast<Var*>(bare)->varlevelsup != 0 ||
            resolve_var(bare, sub) == nullptr)
            continue;
        auto* ov = static_cast<Var*>(copyObjectImpl(outer));
        if (ov->varlevelsup != 1) continue;
        ov->varlevelsup = 0;
        Var* resolved = resolve_var(reinterpret_cast<Node*>(ov), q);
        if (resolved && resolved->varno == key->varno && resolved->varattno == key->varattno) return inner;
    }
    return nullptr;
}

}  // namespace

Query* key_query_through_sublink(Query* q, Node* key_expr, const char* enrname) {
    Var* key = resolve_var(key_expr, q);
    Oid key_type = exprType(key_expr);
    if (key == nullptr || exprType(reinterpret_cast<Node*>(key)) != key_type || q->jointree == nullptr) return nullptr;
    Reads reads{enrname};
    ListCell* lc;
    foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(q->jointree->quals))) {
        auto* node = static_cast<Node*>(lfirst(lc));
        if (!IsA(node, SubLink) || reinterpret_cast<SubLink*>(node)->subLinkType != EXISTS_SUBLINK) continue;
        auto* sub = static_cast<Query*>(copyObjectImpl(reinterpret_cast<SubLink*>(node)->subselect));
        if (sub->setOperations || sub->jointree == nullptr || sub->cteList || sub->hasWindowFuncs || sub->hasTargetSRFs ||
            !query_tree_walker(sub, PGTV_WALKER(reads_walker), &reads, QTW_EXAMINE_RTES_BEFORE))
            continue;
        // The correlation with the key goes; every other conjunct stays.
        Node* column = nullptr;
        List* kept = NIL;
        ListCell* qc;
        foreach (qc, make_ands_implicit(reinterpret_cast<Expr*>(sub->jointree->quals))) {
            auto* c = static_cast<Node*>(lfirst(qc));
            Node* inner = column == nullptr ? key_equal_column(c, q, sub, key, key_type) : nullptr;
            if (inner != nullptr)
                column = inner;
            else
                kept = lappend(kept, c);
        }
        if (column == nullptr) return nullptr;
        sub->jointree->quals = kept == NIL ? nullptr : reinterpret_cast<Node*>(make_ands_explicit(kept));
        if (reaches_above(sub)) return nullptr;
        sub->targetList = list_make1(makeTargetEntry(static_cast<Expr*>(copyObjectImpl(column)), 1, pstrdup("k"), false));
        sub->groupClause = NIL;
        sub->groupingSets = NIL;
        sub->havingQual = nullptr;
        sub->hasAggs = false;
        sub->distinctClause = NIL;
        sub->hasDistinctOn = false;
        sub->sortClause = NIL;
        sub->limitCount = nullptr;
        sub->limitOffset = nullptr;
        return sub;
    }
    return nullptr;
}

}  // namespace pg_tviews::pg
