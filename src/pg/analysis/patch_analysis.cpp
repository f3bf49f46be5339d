// Patch analysis: which columns of a base relation reach a TVIEW's
// documents only as leaf values, and the SQL that recomputes just those
// leaves for a set of keys.
//
// A column qualifies when every reference to it in the whole query is a
// leaf: an output column that is the column itself (through binary casts),
// or a value of jsonb_build_object, directly or nested in further
// jsonb_build_object calls with constant, distinct keys. Its relation must
// occur once in the query, in the top level's FROM, and the top level must
// not group, aggregate, remove duplicates or combine queries. Then the
// document's shape (which rows build it, where its leaves are) depends
// only on the relation's other columns: an UPDATE that left those as they
// were (as a multiset) changes nothing but leaf values, which the patch
// reads again from the current state through the view's own FROM and WHERE.
// Anything else (expressions, filters, joins, ordering, aggregates over the
// column, DISTINCT) recomputes as before.
//
// Server C style: palloc, List, ereport; C++ callers run it inside pg_call.
#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "utils/fmgroids.h"
}

namespace pg_tviews::pg {

namespace {

// ---- references to the columns of one top-level occurrence ----------------

struct RefCount {
    Query* top;
    Index rti;
    int depth;
    int natts;
    int* refs;  // [0]: whole-row references; [attno]: references to the column
};

bool ref_walker(Node* node, void* raw);

void count_var(Var* var, RefCount* ctx) {
    if (static_cast<int>(var->varlevelsup) != ctx->depth) return;
    RangeTblEntry* rte = rt_fetch(var->varno, ctx->top->rtable);
    if (rte->rtekind == RTE_JOIN) {
        // A join alias: count what it stands for (a whole join row: all of it).
        int saved = ctx->depth;
        ctx->depth = 0;
        if (var->varattno == 0)
            (void)expression_tree_walker(reinterpret_cast<Node*>(rte->joinaliasvars), PGTV_WALKER(ref_walker), ctx);
        else if (var->varattno > 0 && var->varattno <= list_length(rte->joinaliasvars))
            (void)ref_walker(static_cast<Node*>(list_nth(rte->joinaliasvars, var->varattno - 1)), ctx);
        ctx->depth = saved;
        return;
    }
    if (static_cast<Index>(var->varno) != ctx->rti) return;
    if (var->varattno <= 0 || var->varattno > ctx->natts)
        ctx->refs[0]++;
    else
        ctx->refs[var->varattno]++;
}

bool ref_walker(Node* node, void* raw) {
    auto* ctx = static_cast<RefCount*>(raw);
    if (node == nullptr) return false;
    if (IsA(node, Var)) {
        count_var(reinterpret_cast<Var*>(node), ctx);
        return false;
    }
    // Below the top, join aliases are walked as they are (a reference
    // counted twice only makes a column look used more: recompute).
    if (IsA(node, Query))
        return walk_query_level(reinterpret_cast<Query*>(node), &ctx->depth, PGTV_WALKER(ref_walker), ctx);
    return expression_tree_walker(node, PGTV_WALKER(ref_walker), ctx);
}

// ---- occurrences of relations ----------------------------------------------

struct Occurrences {
    Oid relid;
    int count;
};

bool occurrence_walker(Node* node, void* raw) {
    auto* ctx = static_cast<Occurrences*>(raw);
    if (node == nullptr) return false;
    if (IsA(node, RangeTblEntry)) {
        auto* rte = reinterpret_cast<RangeTblEntry*>(node);
        if (rte->rtekind == RTE_RELATION && rte->relid == ctx->relid) ctx->count++;
        return false;
    }
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query*>(node), PGTV_WALKER(occurrence_walker), ctx,
                                 QTW_EXAMINE_RTES_BEFORE);
    return expression_tree_walker(node, PGTV_WALKER(occurrence_walker), ctx);
}

int occurrences_of(Query* q, Oid relid) {
    Occurrences ctx{relid, 0};
    (void)query_tree_walker(q, PGTV_WALKER(occurrence_walker), &ctx, QTW_EXAMINE_RTES_BEFORE);
    return ctx.count;
}

// ---- leaves ------------------------------------------------------------------

Node* strip_relabel(Node* expr) {
    while (expr && IsA(expr, RelabelType)) expr = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(expr)->arg);
    return expr;
}

struct Leaves {
    Query* top;
    Index rti;
    int* leaf_refs;  // per attno
    List* found;     // of PatchLeafC*
    List* values;    // the leaf expressions, as written (same order)
};

// The column of the occurrence that `expr` is, or 0.
AttrNumber leaf_column(Node* expr, Leaves* ctx) {
    Node* bare = strip_relabel(expr);
    if (bare == nullptr || !IsA(bare, Var) || reinterpret_cast<Var*>(bare)->varlevelsup != 0) return 0;
    Var* var = resolve_var(bare, ctx->top);
    if (var == nullptr || static_cast<Index>(var->varno) != ctx->rti || var->varattno <= 0) return 0;
    return var->varattno;
}

void add_leaf(Leaves* ctx, AttrNumber attno, int column, List* path, Node* value) {
    auto* leaf = static_cast<PatchLeafC*>(palloc0(sizeof(PatchLeafC)));
    leaf->attno = attno;
    leaf->column = column;
    leaf->path = list_copy(path);
    ctx->found = lappend(ctx->found, leaf);
    ctx->values = lappend(ctx->values, value);
    ctx->leaf_refs[attno]++;
}

const char* object_key(Node* arg) {
    if (arg == nullptr || !IsA(arg, Const)) return nullptr;
    auto* c = reinterpret_cast<Const*>(arg);
    if (c->constisnull) return nullptr;
    if (c->consttype == TEXTOID || c->consttype == VARCHAROID) return TextDatumGetCString(c->constvalue);
    if (c->consttype == UNKNOWNOID) return DatumGetCString(c->constvalue);
    return nullptr;
}

bool is_build_object(Node* expr) {
    return expr && IsA(expr, FuncExpr) && reinterpret_cast<FuncExpr*>(expr)->funcid == F_JSONB_BUILD_OBJECT_ANY &&
           !reinterpret_cast<FuncExpr*>(expr)->funcvariadic;
}

void object_leaves(FuncExpr* f, int column, List* path, Leaves* ctx) {
    int n = list_length(f->args);
    if (n % 2 != 0) return;
    // Constant keys, distinct at this level (a repeated key keeps the last
    // value: its path would be ambiguous).
    List* keys = NIL;
    for (int i = 0; i < n; i += 2) {
        const char* key = object_key(static_cast<Node*>(list_nth(f->args, i)));
        if (key == nullptr) return;
        ListCell* kc;
        foreach (kc, keys)
            if (strcmp(strVal(lfirst(kc)), key) == 0) return;
        keys = lappend(keys, makeString(pstrdup(key)));
    }
    for (int i = 0; i < n; i += 2) {
        Node* value = static_cast<Node*>(list_nth(f->args, i + 1));
        List* here = lappend(list_copy(path), list_nth(keys, i / 2));
        Node* bare = strip_relabel(value);
        if (AttrNumber attno = leaf_column(value, ctx))
            add_leaf(ctx, attno, column, here, value);
        else if (is_build_object(bare))
            object_leaves(reinterpret_cast<FuncExpr*>(bare), column, here, ctx);
    }
}

// "data.author.name", or "title" for a whole output column.
char* leaf_text(const ViewShapeC* shape, const PatchLeafC* leaf) {
    StringInfoData buf;
    initStringInfo(&buf);
    appendStringInfoString(&buf, strVal(list_nth(shape->column_names, leaf->column)));
    ListCell* lc;
    foreach (lc, leaf->path) appendStringInfo(&buf, ".%s", strVal(lfirst(lc)));
    return buf.data;
}

const char* top_level_refusal(Query* q) {
    if (q->setOperations || q->groupClause || q->groupingSets || q->hasAggs || q->hasWindowFuncs ||
        q->distinctClause || q->hasTargetSRFs || q->havingQual || q->rowMarks)
        return "the query groups, aggregates, removes duplicates or combines queries at its top level";
    return nullptr;
}

ColumnUseC* use(Oid relid, AttrNumber attno, bool patch, const char* why) {
    auto* u = static_cast<ColumnUseC*>(palloc0(sizeof(ColumnUseC)));
    u->relid = relid;
    u->attno = attno;
    u->patch = patch;
    u->why = why;
    return u;
}

// The (k, v1..vn) query of a plan: the view's query with only the key and
// the leaf values as output, deparsed schema-qualified.
char* select_sql_of(Query* q, const ViewShapeC* shape, List* values) {
    auto* copy = static_cast<Query*>(copyObject(q));
    TargetEntry* key = key_entry(copy, shape->key_index);
    List* tlist = list_make1(makeTargetEntry(static_cast<Expr*>(copyObject(key->expr)), 1, pstrdup("k"), false));
    int i = 1;
    ListCell* lc;
    foreach (lc, values) {
        i++;
        tlist = lappend(tlist, makeTargetEntry(static_cast<Expr*>(copyObject(lfirst(lc))), static_cast<AttrNumber>(i),
                                               psprintf("v%d", i - 1), false));
    }
    copy->targetList = tlist;
    copy->sortClause = NIL;
    int nest = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                            0, false);
    char* sql = pg_get_querydef(copy, false);
    AtEOXact_GUC(true, nest);
    return sql;
}

// The occurrence of `relid` that can patch: the only one in the whole
// query, in the top level's FROM (0: none).
Index top_occurrence(Query* q, Oid relid) {
    if (occurrences_of(q, relid) != 1) return 0;
    Index rti = 0;
    Index i = 0;
    ListCell* lc;
    foreach (lc, q->rtable) {
        i++;
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind == RTE_RELATION && rte->relid == relid) rti = i;
    }
    return rti;
}

// Counts every reference to the occurrence's columns (`refs`) and collects
// the document leaves among them (`leaves`, counted in leaf_refs): output
// columns, and values of jsonb_build_object, nested or not. The key is
// never a leaf.
void find_leaves(Query* q, const ViewShapeC* shape, int natts, int* refs, Leaves* leaves) {
    RefCount counts{q, leaves->rti, 0, natts, refs};
    (void)query_tree_walker(q, PGTV_WALKER(ref_walker), &counts, QTW_IGNORE_JOINALIASES);
    int column = 0;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (tle->resjunk) continue;
        int here = column++;
        if (here == shape->key_index) continue;
        Node* bare = strip_relabel(reinterpret_cast<Node*>(tle->expr));
        if (AttrNumber attno = leaf_column(reinterpret_cast<Node*>(tle->expr), leaves))
            add_leaf(leaves, attno, here, NIL, reinterpret_cast<Node*>(tle->expr));
        else if (is_build_object(bare))
            object_leaves(reinterpret_cast<FuncExpr*>(bare), here, NIL, leaves);
    }
}

// What pg_tviews_analyze_select() shows for the relation: per column read,
// whether its changes patch (and which paths) or recompute, and why.
template <typename Patchable>
void add_uses(List** uses, Oid relid, int natts, Index rti, const int* refs, bool whole_row, const char* refusal,
              const ViewShapeC* shape, List* kept_leaves, Patchable&& patchable) {
    for (AttrNumber a = 1; a <= natts; a++) {
        if (rti != 0 && refs[a] == 0 && !whole_row) continue;  // not read: changes do nothing
        if (rti == 0) {
            // Not known which columns are read: one row for the relation.
            *uses = lappend(*uses, use(relid, 0, false, "the relation is read more than once, or inside a subquery"));
            return;
        }
        if (patchable(a)) {
            ColumnUseC* u = use(relid, a, true, nullptr);
            ListCell* lc;
            foreach (lc, kept_leaves) {
                auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
                if (leaf->attno == a) u->paths = lappend(u->paths, makeString(leaf_text(shape, leaf)));
            }
            *uses = lappend(*uses, u);
        } else {
            const char* why = refusal      ? refusal
                              : whole_row ? "the relation's rows are read whole"
                                          : "read outside a document leaf (the key, a join, a filter, an "
                                            "expression, an ordering or an aggregate)";
            *uses = lappend(*uses, use(relid, a, false, why));
        }
    }
}

}  // namespace

List* build_patch_plans(Query* q, const ViewShapeC* shape, List** uses) {
    List* plans = NIL;
    const char* refusal = top_level_refusal(q);
    ListCell* rc;
    foreach (rc, shape->relations) {
        Oid relid = static_cast<RelationReadC*>(lfirst(rc))->relid;
        int natts = 0;
        {
            Relation rel = relation_open(relid, AccessShareLock);
            natts = RelationGetNumberOfAttributes(rel);
            relation_close(rel, NoLock);
        }
        Index rti = top_occurrence(q, relid);
        int* refs = static_cast<int*>(palloc0(sizeof(int) * (natts + 1)));
        int* leaf_refs = static_cast<int*>(palloc0(sizeof(int) * (natts + 1)));
        Leaves leaves{q, rti, leaf_refs, NIL, NIL};
        if (rti != 0) find_leaves(q, shape, natts, refs, &leaves);
        // Which columns patch: read only as leaves (and no whole-row use).
        bool whole_row = rti != 0 && refs[0] > 0;
        auto patchable = [&](AttrNumber a) {
            return refusal == nullptr && rti != 0 && !whole_row && refs[a] > 0 && refs[a] == leaf_refs[a];
        };
        List* kept_leaves = NIL;
        List* kept_values = NIL;
        List* others = NIL;
        ListCell* lc;
        ListCell* vc;
        forboth (lc, leaves.found, vc, leaves.values) {
            auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
            if (!patchable(leaf->attno)) continue;
            kept_leaves = lappend(kept_leaves, leaf);
            kept_values = lappend(kept_values, lfirst(vc));
        }
        for (AttrNumber a = 1; a <= natts; a++) {
            if (rti == 0 || refs[a] == 0 || patchable(a)) continue;
            others = lappend_int(others, a);
        }
        if (uses) add_uses(uses, relid, natts, rti, refs, whole_row, refusal, shape, kept_leaves, patchable);
        if (kept_leaves == NIL) continue;
        auto* plan = static_cast<PatchPlanC*>(palloc0(sizeof(PatchPlanC)));
        plan->relid = relid;
        plan->leaves = kept_leaves;
        plan->others = others;
        plan->select_sql = select_sql_of(q, shape, kept_values);
        plans = lappend(plans, plan);
    }
    return plans;
}

}  // namespace pg_tviews::pg
