// Patch analysis: which columns of a base relation reach a TVIEW's
// documents only as leaf values, and the SQL that recomputes just those
// leaves for a set of keys.
//
// A column qualifies when every reference to it in the whole query is a
// leaf: an output column that is the column itself (through binary casts),
// or a value of jsonb_build_object, directly or nested in further
// jsonb_build_object calls with constant, distinct keys; or the same inside
// the elements of an array built by jsonb_agg over a correlated subquery
// whose ORDER BY fixes every row's position (array_elements.cpp). Its
// relation must occur at most once in the top level's FROM and once in each
// such subquery's FROM, nowhere else, and the top level must not group,
// aggregate, remove duplicates or combine queries. Then the document's
// shape (which rows build it, in which order, where its leaves are) depends
// only on the relation's other columns: an UPDATE that left those as they
// were (as a multiset) changes nothing but leaf values, which the patch
// reads again from the current state through the view's own FROM and WHERE
// (and the subqueries' own). Anything else (expressions, filters, joins,
// ordering, aggregates over the column, DISTINCT) recomputes as before.
//
// Server C style: palloc, List, ereport; C++ callers run it inside pg_call.
#include <vector>

#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "optimizer/tlist.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
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

// Where leaves are collected from: the top level (`array` -1) or the
// elements of array `array` (its path `array_path`), in query `top`.
struct Leaves {
    Query* top;
    Index rti;
    int* leaf_refs;  // per attno
    List* found;     // of PatchLeafC*
    List* values;    // the leaf expressions, as written (same order)
    int array;
    List* array_path;
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
    leaf->array = ctx->array;
    if (ctx->array >= 0) {
        leaf->path = list_copy(ctx->array_path);
        leaf->element_path = list_copy(path);
    } else {
        leaf->path = list_copy(path);
    }
    ctx->found = lappend(ctx->found, leaf);
    ctx->values = lappend(ctx->values, value);
    ctx->leaf_refs[attno]++;
}

// The leaves in `value` at `path`: the value itself, or the values of
// (nested) jsonb_build_object with constant, distinct keys.
void value_leaves(Node* value, int column, List* path, Leaves* ctx) {
    if (AttrNumber attno = leaf_column(value, ctx)) {
        add_leaf(ctx, attno, column, path, value);
        return;
    }
    Node* bare = strip_relabel(value);
    List* keys = constant_object_keys(bare);
    auto* f = reinterpret_cast<FuncExpr*>(bare);
    for (int i = 0; i < list_length(keys); i++)
        value_leaves(static_cast<Node*>(list_nth(f->args, 2 * i + 1)), column,
                     lappend(list_copy(path), list_nth(keys, i)), ctx);
}

// "data.author.name", "data.comments[*].author.name",
// "data.users[*].posts[*].title", or "title" for a whole output column.
// `nodes`: the array nodes, when leaf->array is a node's index (the leaves
// as found); NIL when the leaf carries its nest (the leaves kept).
void append_path(StringInfo buf, List* path) {
    ListCell* lc;
    foreach (lc, path) appendStringInfo(buf, ".%s", strVal(lfirst(lc)));
}

void append_node_path(StringInfo buf, List* nodes, int n) {
    auto* node = static_cast<ArrayNodeC*>(list_nth(nodes, n));
    if (node->parent >= 0) append_node_path(buf, nodes, node->parent);
    append_path(buf, node->path);
    appendStringInfoString(buf, "[*]");
}

char* leaf_text(const ViewShapeC* shape, const PatchLeafC* leaf, List* nodes) {
    StringInfoData buf;
    initStringInfo(&buf);
    appendStringInfoString(&buf, strVal(list_nth(shape->column_names, leaf->column)));
    if (leaf->array < 0) {
        append_path(&buf, leaf->path);
    } else {
        append_node_path(&buf, nodes, leaf->array);
        append_path(&buf, leaf->element_path);
    }
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

// COALESCE(value, 'null'::jsonb): an element's image is never SQL NULL,
// which pg_tviews_patch_doc() reads as "leave this element as it is".
Node* json_image(Node* value) {
    auto* json_null = makeConst(JSONBOID, -1, InvalidOid, -1, DirectFunctionCall1(jsonb_in, CStringGetDatum("null")),
                                false, false);
    auto* image = makeNode(CoalesceExpr);
    image->coalescetype = JSONBOID;
    image->coalescecollid = InvalidOid;
    image->args = list_make2(value, json_null);
    image->location = -1;
    return reinterpret_cast<Node*>(image);
}

// jsonb for one element's leaves: the leaf (to_jsonb unless it is jsonb),
// or jsonb_build_array of them.
Node* element_value(List* values) {
    if (list_length(values) == 1) {
        auto* v = static_cast<Node*>(linitial(values));
        if (exprType(v) == JSONBOID) return v;
        return reinterpret_cast<Node*>(makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(v), InvalidOid,
                                                    exprCollation(v), COERCE_EXPLICIT_CALL));
    }
    return reinterpret_cast<Node*>(
        makeFuncExpr(F_JSONB_BUILD_ARRAY_ANY, JSONBOID, values, InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
}

// The relation's identity column `identity` of occurrence `rti`:
//   CASE WHEN $2 IS NULL OR occ.identity = ANY ($2) THEN COALESCE(value, 'null') END
// (NULL: a row that did not change, whose element is not read again).
Node* only_changed(Node* value, Index rti, Oid relid, AttrNumber identity) {
    Oid type = InvalidOid;
    int32 typmod = -1;
    Oid collation = InvalidOid;
    get_atttypetypmodcoll(relid, identity, &type, &typmod, &collation);
    auto* rows = makeNode(Param);
    rows->paramkind = PARAM_EXTERN;
    rows->paramid = 2;
    rows->paramtype = get_array_type(type);
    rows->paramtypmod = -1;
    rows->paramcollid = InvalidOid;
    rows->location = -1;
    TypeCacheEntry* tc = lookup_type_cache(type, TYPECACHE_EQ_OPR);
    auto* any = makeNode(ScalarArrayOpExpr);
    any->opno = tc->eq_opr;
    any->opfuncid = get_opcode(tc->eq_opr);
    any->useOr = true;
    any->inputcollid = collation;
    any->args = list_make2(makeVar(static_cast<int>(rti), identity, type, typmod, collation, 0), rows);
    any->location = -1;
    auto* all = makeNode(NullTest);
    all->arg = static_cast<Expr*>(copyObjectImpl(rows));
    all->nulltesttype = IS_NULL;
    all->argisrow = false;
    all->location = -1;
    auto* when = makeNode(CaseWhen);
    when->expr = reinterpret_cast<Expr*>(makeBoolExpr(OR_EXPR, list_make2(all, any), -1));
    when->result = reinterpret_cast<Expr*>(json_image(value));
    when->location = -1;
    auto* c = makeNode(CaseExpr);
    c->casetype = JSONBOID;
    c->casecollid = InvalidOid;
    c->arg = nullptr;
    c->args = list_make1(when);
    c->defresult = reinterpret_cast<Expr*>(makeNullConst(JSONBOID, -1, InvalidOid));
    c->location = -1;
    return reinterpret_cast<Node*>(c);
}

// The leaves a plan keeps (those of patchable columns): scalar ones first
// (v1..vn), then per array of the document that has any, inside its
// elements or in arrays nested in them (a1..am, numbered again). Per array
// node (its index in the nodes list): its own leaves' values and whether it
// or a nested array has kept leaves.
struct Kept {
    List* leaves = NIL;
    List* values = NIL;
    List* roots = NIL;             // of int: the arrays of the document, a1..am
    List** node_values = nullptr;  // per node
    bool* node_kept = nullptr;     // per node
    bool restricts = false;        // some root reads only the changed rows (only_changed)
    List* keyed = NIL;             // of int: the roots found by a key inside their elements (map_sql_of)
};

bool has_kept_children(const Kept& k, List* nodes, int n) {
    for (int c = n + 1; c < list_length(nodes); c++)
        if (k.node_kept[c] && static_cast<ArrayNodeC*>(list_nth(nodes, c))->parent == n) return true;
    return false;
}

// One element's jsonb of node n: its leaves, then per nested array with
// kept leaves the jsonb array of that array's elements; alone, or in a
// jsonb array when there are several (pg_tviews_patch_doc reads them so).
Node* node_value(const Kept& k, List* nodes, int n) {
    List* entries = list_copy(k.node_values[n]);
    bool nested = false;
    for (int c = n + 1; c < list_length(nodes); c++) {
        auto* child = static_cast<ArrayNodeC*>(list_nth(nodes, c));
        if (!k.node_kept[c] || child->parent != n) continue;
        Node* link = array_values_link(child, node_value(k, nodes, c));
        Node* json = reinterpret_cast<Node*>(
            makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(link), InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
        auto* empty = makeConst(JSONBOID, -1, InvalidOid, -1, DirectFunctionCall1(jsonb_in, CStringGetDatum("[]")),
                                false, false);
        auto* c_expr = makeNode(CoalesceExpr);
        c_expr->coalescetype = JSONBOID;
        c_expr->coalescecollid = InvalidOid;
        c_expr->args = list_make2(json, empty);
        c_expr->location = -1;
        entries = lappend(entries, c_expr);
        nested = true;
    }
    if (nested && list_length(entries) == 1) return static_cast<Node*>(linitial(entries));
    return element_value(entries);
}

// The (k, v1..vn, a1..am) query of a plan: the view's query with only the
// key, the scalar leaf values and, per array, its elements' leaves
// (array_values_link; only of the changed rows when the relation has an
// identity and the array no nested array with leaves) as output, deparsed
// schema-qualified.
char* select_sql_of(Query* q, const ViewShapeC* shape, const Kept& k, List* nodes, const std::vector<Index>& rtis,
                    Oid relid, AttrNumber identity) {
    auto* copy = static_cast<Query*>(copyObject(q));
    TargetEntry* key = key_entry(copy, shape->key_index);
    List* tlist = list_make1(makeTargetEntry(static_cast<Expr*>(copyObject(key->expr)), 1, pstrdup("k"), false));
    int i = 1;
    ListCell* lc;
    foreach (lc, k.values) {
        i++;
        tlist = lappend(tlist, makeTargetEntry(static_cast<Expr*>(copyObject(lfirst(lc))), static_cast<AttrNumber>(i),
                                               psprintf("v%d", i - 1), false));
    }
    int j = 0;
    foreach (lc, k.roots) {
        int n = lfirst_int(lc);
        if (list_member_int(k.keyed, n)) {
            ++j;  // its values come from map_sql_of
            continue;
        }
        i++;
        Node* value = node_value(k, nodes, n);
        Index rti = rtis[static_cast<std::size_t>(n)];
        value = identity != 0 && rti != 0 && !has_kept_children(k, nodes, n) ? only_changed(value, rti, relid, identity)
                                                                             : json_image(value);
        Node* link = array_values_link(static_cast<ArrayNodeC*>(list_nth(nodes, n)), value);
        tlist = lappend(tlist, makeTargetEntry(reinterpret_cast<Expr*>(link), static_cast<AttrNumber>(i),
                                               psprintf("a%d", ++j), false));
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

// The one row (a<j>: per keyed root, its map) that a plan with keyed
// roots reads once per statement (keyed_map_link), deparsed
// schema-qualified; NULL when it has none.
char* map_sql_of(const Kept& k, List* nodes, const std::vector<Index>& rtis, Oid relid, AttrNumber identity,
                 const std::vector<AttrNumber>& keys) {
    if (k.keyed == NIL) return nullptr;
    List* tlist = NIL;
    int j = 0;
    ListCell* lc;
    foreach (lc, k.roots) {
        int n = lfirst_int(lc);
        ++j;
        if (!list_member_int(k.keyed, n)) continue;
        auto un = static_cast<std::size_t>(n);
        Node* link = keyed_map_link(static_cast<ArrayNodeC*>(list_nth(nodes, n)), rtis[un], relid, identity, keys[un],
                                    json_image(node_value(k, nodes, n)));
        tlist = lappend(tlist, makeTargetEntry(reinterpret_cast<Expr*>(link),
                                               static_cast<AttrNumber>(list_length(tlist) + 1), psprintf("a%d", j),
                                               false));
    }
    Query* q = makeNode(Query);
    q->commandType = CMD_SELECT;
    q->querySource = QSRC_ORIGINAL;
    q->canSetTag = true;
    q->jointree = makeFromExpr(NIL, nullptr);
    q->targetList = tlist;
    q->hasSubLinks = true;
    int nest = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                            0, false);
    char* sql = pg_get_querydef(q, false);
    AtEOXact_GUC(true, nest);
    return sql;
}

// The occurrence of `relid` in the top level's FROM (0: none; -1: more
// than one).
int top_occurrence(Query* q, Oid relid) {
    int rti = 0;
    int i = 0;
    ListCell* lc;
    foreach (lc, q->rtable) {
        i++;
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind == RTE_RELATION && rte->relid == relid) rti = rti == 0 ? i : -1;
    }
    return rti;
}

// Counts every reference to the occurrence `rti` of `query` in it (`refs`).
void count_refs(Query* query, Index rti, int natts, int* refs) {
    RefCount counts{query, rti, 0, natts, refs};
    (void)query_tree_walker(query, PGTV_WALKER(ref_walker), &counts, QTW_IGNORE_JOINALIASES);
}

// The top level's leaves of the occurrence: output columns, and values of
// jsonb_build_object, nested or not. The key is never a leaf.
void find_leaves(Query* q, const ViewShapeC* shape, Leaves* leaves) {
    for_each_document_column(q, shape, [&](int column, Node* expr) { value_leaves(expr, column, NIL, leaves); });
}

// Where one relation is read: at the top level (`top_rti`) and in the
// FROM of array subqueries (`in_arrays`: per node, its rti there or 0);
// `known`: those are all its occurrences.
struct Occurrence {
    Index top_rti = 0;
    std::vector<Index> in_arrays;
    bool known = false;
};

Occurrence locate(Query* q, Oid relid, List* nodes) {
    Occurrence o;
    int top = top_occurrence(q, relid);
    if (top < 0) return o;
    o.top_rti = static_cast<Index>(top);
    int covered = top > 0 ? 1 : 0;
    ListCell* lc;
    foreach (lc, nodes) {
        int in_node = top_occurrence(static_cast<ArrayNodeC*>(lfirst(lc))->sub, relid);
        if (in_node < 0) return o;
        o.in_arrays.push_back(static_cast<Index>(in_node));
        covered += in_node > 0 ? 1 : 0;
    }
    o.known = covered == occurrences_of(q, relid);
    return o;
}

// What pg_tviews_analyze_select() shows for the relation: per column read,
// whether its changes patch (and which paths) or recompute, and why.
template <typename Patchable>
void add_uses(List** uses, Oid relid, int natts, bool known, const int* refs, bool whole_row, const char* refusal,
              const ViewShapeC* shape, List* kept_leaves, List* nodes, const std::vector<const char*>& reasons,
              Patchable&& patchable) {
    if (!known) {
        // Not known which columns are read: one row for the relation.
        *uses = lappend(*uses, use(relid, 0, false,
                                   "the relation is read more than once at one level, or inside a subquery that is "
                                   "not an array of the document"));
        return;
    }
    for (AttrNumber a = 1; a <= natts; a++) {
        if (refs[a] == 0 && !whole_row) continue;  // not read: changes do nothing
        if (patchable(a)) {
            ColumnUseC* u = use(relid, a, true, nullptr);
            ListCell* lc;
            foreach (lc, kept_leaves) {
                auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
                if (leaf->attno == a) u->paths = lappend(u->paths, makeString(leaf_text(shape, leaf, nodes)));
            }
            *uses = lappend(*uses, u);
        } else {
            const char* why = refusal                             ? refusal
                              : reasons[static_cast<std::size_t>(a)] ? reasons[static_cast<std::size_t>(a)]
                              : whole_row                           ? "the relation's rows are read whole"
                                          : "read outside a document leaf (the key, a join, a filter, an "
                                            "expression, an ordering, an aggregate, an array in no fixed order)";
            *uses = lappend(*uses, use(relid, a, false, why));
        }
    }
}

// The leaves and references of one relation in the whole query.
struct RelationLeaves {
    int natts = 0;
    int* refs = nullptr;
    int* leaf_refs = nullptr;
    List* found = NIL;   // of PatchLeafC* (array: the node's position in `nodes`)
    List* values = NIL;  // their expressions
};

RelationLeaves relation_leaves(Query* q, const ViewShapeC* shape, List* nodes, const Occurrence& o, int natts) {
    RelationLeaves r;
    r.natts = natts;
    r.refs = static_cast<int*>(palloc0(sizeof(int) * (natts + 1)));
    r.leaf_refs = static_cast<int*>(palloc0(sizeof(int) * (natts + 1)));
    if (o.top_rti != 0) {
        count_refs(q, o.top_rti, natts, r.refs);
        Leaves top{q, o.top_rti, r.leaf_refs, NIL, NIL, -1, NIL};
        find_leaves(q, shape, &top);
        r.found = top.found;
        r.values = top.values;
    }
    for (std::size_t n = 0; n < o.in_arrays.size(); n++) {
        Index rti = o.in_arrays[n];
        if (rti == 0) continue;
        auto* node = static_cast<ArrayNodeC*>(list_nth(nodes, static_cast<int>(n)));
        count_refs(node->sub, rti, natts, r.refs);
        // An ORDER BY of the element itself (jsonb_agg(x ORDER BY x): the
        // parser gives both one entry) reads its columns a second time, to
        // order the array: they are not leaves only.
        ListCell* sc;
        foreach (sc, node->agg->aggorder) {
            TargetEntry* tle = get_sortgroupclause_tle(static_cast<SortGroupClause*>(lfirst(sc)), node->agg->args);
            if (tle->resjunk) continue;
            RefCount again{node->sub, rti, 0, natts, r.refs};
            (void)ref_walker(reinterpret_cast<Node*>(tle->expr), &again);
        }
        // Elements whose position is not fixed have no leaves: their
        // columns recompute.
        if (!node->ordered) continue;
        Leaves in{node->sub, rti, r.leaf_refs, NIL, NIL, static_cast<int>(n), node->path};
        value_leaves(node->element, node->column, NIL, &in);
        r.found = list_concat(r.found, in.found);
        r.values = list_concat(r.values, in.values);
    }
    return r;
}

template <typename Patchable>
Kept keep_leaves(const RelationLeaves& r, List* nodes, const Occurrence& o, Patchable&& patchable) {
    Kept k;
    int nnodes = list_length(nodes);
    k.node_values = static_cast<List**>(palloc0(sizeof(List*) * (nnodes + 1)));
    k.node_kept = static_cast<bool*>(palloc0(sizeof(bool) * (nnodes + 1)));
    std::vector<int> number(static_cast<std::size_t>(nnodes), -1);
    ListCell* lc;
    ListCell* vc;
    forboth (lc, r.found, vc, r.values) {
        auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
        if (leaf->array >= 0 || !patchable(leaf->attno)) continue;
        k.leaves = lappend(k.leaves, leaf);
        k.values = lappend(k.values, lfirst(vc));
    }
    forboth (lc, r.found, vc, r.values) {
        auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
        if (leaf->array < 0 || !patchable(leaf->attno)) continue;
        // The array of the document holding it, and the nested arrays down to it.
        int root = leaf->array;
        List* nest = NIL;
        while (static_cast<ArrayNodeC*>(list_nth(nodes, root))->parent >= 0) {
            nest = lcons(static_cast<ArrayNodeC*>(list_nth(nodes, root))->path, nest);
            root = static_cast<ArrayNodeC*>(list_nth(nodes, root))->parent;
        }
        auto r_index = static_cast<std::size_t>(root);
        if (number[r_index] < 0) {
            number[r_index] = list_length(k.roots);
            k.roots = lappend_int(k.roots, root);
        }
        k.node_values[leaf->array] = lappend(k.node_values[leaf->array], lfirst(vc));
        for (int n = leaf->array; n >= 0; n = static_cast<ArrayNodeC*>(list_nth(nodes, n))->parent)
            k.node_kept[n] = true;
        auto* kept = static_cast<PatchLeafC*>(palloc(sizeof(PatchLeafC)));
        *kept = *leaf;
        kept->array = number[r_index];
        kept->path = static_cast<ArrayNodeC*>(list_nth(nodes, root))->path;
        kept->nest = nest;
        k.leaves = lappend(k.leaves, kept);
    }
    foreach (lc, k.roots) {
        int n = lfirst_int(lc);
        if (o.in_arrays[static_cast<std::size_t>(n)] != 0 && !has_kept_children(k, nodes, n)) k.restricts = true;
    }
    return k;
}

// Keyed arrays: per array node, the column of the relation that keys its
// elements (0: none; the elements are then placed by position) and the
// path of its leaf inside them. A node is keyed when it is an array of the
// document itself with no array inside its elements, the relation's
// leaves in it are columns of its occurrence there (no join alias), one of
// them is a locator_column, and another one patches.
struct ElementKeys {
    std::vector<AttrNumber> column;
    std::vector<List*> path;
    bool any = false;
};

template <typename Patchable>
ElementKeys element_keys(const RelationLeaves& r, List* nodes, const Occurrence& o, Oid relid, AttrNumber identity,
                         Patchable&& patchable) {
    ElementKeys keys;
    auto nnodes = static_cast<std::size_t>(list_length(nodes));
    keys.column.assign(nnodes, 0);
    keys.path.assign(nnodes, NIL);
    if (identity == 0) return keys;
    for (std::size_t n = 0; n < nnodes; n++) {
        Index rti = o.in_arrays[n];
        auto* node = static_cast<ArrayNodeC*>(list_nth(nodes, static_cast<int>(n)));
        if (rti == 0 || node->parent >= 0 || !node->ordered) continue;
        bool nested = false;
        for (std::size_t c = 0; c < nnodes; c++)
            if (static_cast<ArrayNodeC*>(list_nth(nodes, static_cast<int>(c)))->parent == static_cast<int>(n))
                nested = true;
        if (nested) continue;
        AttrNumber key = 0;
        List* path = NIL;
        bool direct = true;
        ListCell* lc;
        ListCell* vc;
        forboth (lc, r.found, vc, r.values) {
            auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
            if (leaf->array != static_cast<int>(n)) continue;
            Node* bare = strip_relabel(static_cast<Node*>(lfirst(vc)));
            if (bare == nullptr || !IsA(bare, Var) || static_cast<Index>(reinterpret_cast<Var*>(bare)->varno) != rti ||
                reinterpret_cast<Var*>(bare)->varlevelsup != 0)
                direct = false;
            if (key == 0 && locator_column(relid, leaf->attno)) {
                key = leaf->attno;
                path = leaf->element_path;
            }
        }
        if (!direct || key == 0) continue;
        bool patches = false;
        forboth (lc, r.found, vc, r.values) {
            auto* leaf = static_cast<PatchLeafC*>(lfirst(lc));
            if (leaf->array == static_cast<int>(n) && leaf->attno != key && leaf->attno != identity &&
                patchable(leaf->attno))
                patches = true;
        }
        if (!patches) continue;
        keys.column[n] = key;
        keys.path[n] = path;
        keys.any = true;
    }
    return keys;
}

// "data.comments[*]": where node n is.
char* node_text(const ViewShapeC* shape, List* nodes, int n) {
    StringInfoData buf;
    initStringInfo(&buf);
    appendStringInfoString(&buf, strVal(list_nth(shape->column_names, static_cast<ArrayNodeC*>(list_nth(nodes, n))->column)));
    append_node_path(&buf, nodes, n);
    return buf.data;
}

}  // namespace

List* build_patch_plans(Query* q, const ViewShapeC* shape, List** uses) {
    List* plans = NIL;
    const char* refusal = top_level_refusal(q);
    List* nodes = find_array_nodes(q, shape);
    ListCell* rc;
    foreach (rc, shape->relations) {
        Oid relid = static_cast<RelationReadC*>(lfirst(rc))->relid;
        int natts = 0;
        {
            Relation rel = relation_open(relid, AccessShareLock);
            natts = RelationGetNumberOfAttributes(rel);
            relation_close(rel, NoLock);
        }
        Occurrence o = locate(q, relid, nodes);
        RelationLeaves r;
        if (o.known) r = relation_leaves(q, shape, nodes, o, natts);
        // Which columns patch: read only as leaves (and no whole-row use).
        bool whole_row = o.known && r.refs[0] > 0;
        auto leaf_only = [&](AttrNumber a) {
            return refusal == nullptr && o.known && !whole_row && r.refs[a] > 0 && r.refs[a] == r.leaf_refs[a];
        };
        // The columns keying array elements, and the identity of the rows
        // then, must keep their values (with each other: as pairs) for a
        // patch to find the elements: changing them recomputes.
        AttrNumber identity = o.known && refusal == nullptr && !whole_row ? identity_column(relid) : 0;
        ElementKeys keys;
        if (o.known) keys = element_keys(r, nodes, o, relid, identity, leaf_only);
        std::vector<const char*> reasons(static_cast<std::size_t>(natts) + 1, nullptr);
        for (std::size_t n = 0; n < keys.column.size(); n++) {
            if (keys.column[n] == 0) continue;
            char* where = node_text(shape, nodes, static_cast<int>(n));
            reasons[static_cast<std::size_t>(keys.column[n])] =
                psprintf("keys the elements of %s: patches find them by it", where);
            if (reasons[static_cast<std::size_t>(identity)] == nullptr)
                reasons[static_cast<std::size_t>(identity)] =
                    psprintf("identifies the changed rows whose elements of %s patches find by key", where);
        }
        auto patchable = [&](AttrNumber a) { return leaf_only(a) && reasons[static_cast<std::size_t>(a)] == nullptr; };
        if (uses)
            add_uses(uses, relid, natts, o.known, r.refs, whole_row, refusal, shape, r.found, nodes, reasons, patchable);
        if (!o.known) continue;
        Kept kept = keep_leaves(r, nodes, o, patchable);
        ListCell* kc;
        foreach (kc, kept.leaves) {
            auto* leaf = static_cast<PatchLeafC*>(lfirst(kc));
            if (leaf->array < 0) continue;
            int n = list_nth_int(kept.roots, leaf->array);
            if (keys.column[static_cast<std::size_t>(n)] == 0) continue;
            leaf->locator = keys.path[static_cast<std::size_t>(n)];
            if (!list_member_int(kept.keyed, n)) kept.keyed = lappend_int(kept.keyed, n);
        }
        List* others = NIL;
        for (AttrNumber a = 1; a <= natts; a++)
            if ((r.refs[a] > 0 || (keys.any && a == identity)) && !patchable(a)) others = lappend_int(others, a);
        if (kept.leaves == NIL) continue;
        auto* plan = static_cast<PatchPlanC*>(palloc0(sizeof(PatchPlanC)));
        plan->relid = relid;
        plan->leaves = kept.leaves;
        plan->others = others;
        plan->identity = kept.restricts ? identity_column(relid) : 0;
        if (plan->identity != 0) plan->identity_type = get_atttype(relid, plan->identity);
        plan->select_sql = select_sql_of(q, shape, kept, nodes, o.in_arrays, relid, plan->identity);
        plan->map_sql = map_sql_of(kept, nodes, o.in_arrays, relid, plan->identity, keys.column);
        plans = lappend(plans, plan);
    }
    return plans;
}

}  // namespace pg_tviews::pg
