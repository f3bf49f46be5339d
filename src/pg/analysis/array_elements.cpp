// Arrays whose elements patch: where a TVIEW's documents hold
//   COALESCE((SELECT jsonb_agg(element ORDER BY ...) FROM ... WHERE ...), '[]')
// and whether that ORDER BY fixes the position of every row.
//
// The position is fixed when the ORDER BY names a column that is unique and
// not null in one relation of the subquery (its "driver": a primary key, a
// unique index on that column alone, immediate, without predicate, sorted
// by its operator family), and every other relation of the subquery is
// joined by equality with a unique column of its own, to values of
// relations already so placed (or of the outer query): then each driver row
// yields at most one row, no two rows tie, and the n-th element is always
// the one of the n-th row. The subquery must not group, remove duplicates,
// limit or read anything but tables and joins.
//
// Server C style (palloc, List, ereport); called inside pg_call.
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "access/stratnum.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteManip.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

namespace pg_tviews::pg {

Node* strip_relabel(Node* expr) {
    while (expr && IsA(expr, RelabelType)) expr = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(expr)->arg);
    return expr;
}

namespace {

const char* object_key(Node* arg) {
    if (arg == nullptr || !IsA(arg, Const)) return nullptr;
    auto* c = reinterpret_cast<Const*>(arg);
    if (c->constisnull) return nullptr;
    if (c->consttype == TEXTOID || c->consttype == VARCHAROID) return TextDatumGetCString(c->constvalue);
    if (c->consttype == UNKNOWNOID) return DatumGetCString(c->constvalue);
    return nullptr;
}

}  // namespace

List* constant_object_keys(Node* expr) {
    if (expr == nullptr || !IsA(expr, FuncExpr)) return NIL;
    auto* f = reinterpret_cast<FuncExpr*>(expr);
    if (f->funcid != F_JSONB_BUILD_OBJECT_ANY || f->funcvariadic) return NIL;
    int n = list_length(f->args);
    if (n == 0 || n % 2 != 0) return NIL;
    // A repeated key keeps the last value: its path would be ambiguous.
    List* keys = NIL;
    for (int i = 0; i < n; i += 2) {
        const char* key = object_key(static_cast<Node*>(list_nth(f->args, i)));
        if (key == nullptr) return NIL;
        ListCell* kc;
        foreach (kc, keys)
            if (strcmp(strVal(lfirst(kc)), key) == 0) return NIL;
        keys = lappend(keys, makeString(pstrdup(key)));
    }
    return keys;
}

namespace {

// ---- the subquery's shape ----------------------------------------------------

// The jsonb_agg of a subquery that returns only it, over tables and joins.
Aggref* array_aggregate(Query* sub) {
    if (sub->commandType != CMD_SELECT || sub->setOperations || sub->groupClause || sub->groupingSets ||
        sub->havingQual || sub->hasWindowFuncs || sub->distinctClause || sub->sortClause || sub->limitCount ||
        sub->limitOffset || sub->hasTargetSRFs || sub->rowMarks || sub->cteList || !sub->hasAggs)
        return nullptr;
    ListCell* lc;
    foreach (lc, sub->rtable) {
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind != RTE_RELATION && rte->rtekind != RTE_JOIN) return nullptr;
        if (rte->rtekind == RTE_RELATION && rte->tablesample) return nullptr;
    }
    if (list_length(sub->targetList) != 1) return nullptr;
    auto* tle = static_cast<TargetEntry*>(linitial(sub->targetList));
    if (tle->resjunk || !IsA(tle->expr, Aggref)) return nullptr;
    auto* agg = reinterpret_cast<Aggref*>(tle->expr);
    if (agg->aggfnoid != F_JSONB_AGG || agg->agglevelsup != 0 || agg->aggdistinct || agg->aggfilter ||
        agg->aggdirectargs || agg->aggkind != AGGKIND_NORMAL || agg->aggorder == NIL)
        return nullptr;
    return agg;
}

Node* aggregated_value(Aggref* agg) {
    ListCell* lc;
    foreach (lc, agg->args) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (!tle->resjunk) return reinterpret_cast<Node*>(tle->expr);
    }
    return nullptr;
}

// The scalar subquery `value` is, through casts and COALESCE(it, constant).
SubLink* array_link(Node* value) {
    Node* bare = strip_relabel(value);
    if (bare && IsA(bare, CoalesceExpr)) {
        auto* c = reinterpret_cast<CoalesceExpr*>(bare);
        if (list_length(c->args) != 2 || !IsA(lsecond(c->args), Const)) return nullptr;
        bare = strip_relabel(static_cast<Node*>(linitial(c->args)));
    }
    if (bare == nullptr || !IsA(bare, SubLink)) return nullptr;
    auto* link = reinterpret_cast<SubLink*>(bare);
    return link->subLinkType == EXPR_SUBLINK ? link : nullptr;
}

// ---- unique columns ------------------------------------------------------------

// A unique index on one column alone: valid, immediate, without predicate
// or expression.
struct UniqueColumn {
    Oid index;
    AttrNumber attno;
    bool primary;
    bool not_null;  // the column is never null (a primary key, or NOT NULL)
    bool one_null;  // NULLS NOT DISTINCT: at most one row is null
};

List* unique_columns(Oid relid) {
    Relation rel = relation_open(relid, AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    List* indexes = RelationGetIndexList(rel);
    List* out = NIL;
    ListCell* lc;
    foreach (lc, indexes) {
        HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
        if (!HeapTupleIsValid(tup)) continue;
        auto* form = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup));
        AttrNumber a = form->indnkeyatts == 1 ? form->indkey.values[0] : 0;
        if (a > 0 && a <= desc->natts && form->indisunique && form->indimmediate && form->indisvalid &&
            heap_attisnull(tup, Anum_pg_index_indpred, nullptr) && heap_attisnull(tup, Anum_pg_index_indexprs, nullptr)) {
            auto* u = static_cast<UniqueColumn*>(palloc(sizeof(UniqueColumn)));
            u->index = lfirst_oid(lc);
            u->attno = a;
            u->primary = form->indisprimary;
            u->not_null = form->indisprimary || TupleDescAttr(desc, a - 1)->attnotnull;
            u->one_null = form->indnullsnotdistinct;
            out = lappend(out, u);
        }
        ReleaseSysCache(tup);
    }
    relation_close(rel, NoLock);
    return out;
}

// Whether column `attno` of `relid` is unique by itself; `not_null`: also
// never null, or null in one row at most (no two rows tie). The operator families of its unique indexes go to
// `*opfamilies`.
bool unique_column(Oid relid, AttrNumber attno, bool not_null, List** opfamilies) {
    bool found = false;
    ListCell* lc;
    foreach (lc, unique_columns(relid)) {
        auto* u = static_cast<UniqueColumn*>(lfirst(lc));
        if (u->attno != attno || (not_null && !u->not_null && !u->one_null)) continue;
        found = true;
        if (opfamilies) *opfamilies = lappend_oid(*opfamilies, get_opclass_family(get_index_column_opclass(u->index, 1)));
    }
    return found;
}

}  // namespace

AttrNumber identity_column(Oid relid) {
    AttrNumber best = 0;
    ListCell* lc;
    foreach (lc, unique_columns(relid)) {
        auto* u = static_cast<UniqueColumn*>(lfirst(lc));
        if (u->primary) return u->attno;
        if (u->not_null && best == 0) best = u->attno;
    }
    return best;
}

bool locator_column(Oid relid, AttrNumber attno) {
    Oid type = get_atttype(relid, attno);
    if (type != INT2OID && type != INT4OID && type != INT8OID && type != UUIDOID && type != TEXTOID &&
        type != VARCHAROID)
        return false;
    ListCell* lc;
    foreach (lc, unique_columns(relid)) {
        auto* u = static_cast<UniqueColumn*>(lfirst(lc));
        if (u->attno == attno && u->not_null) return true;
    }
    return false;
}

bool deterministic_collation(Oid collation) {
    return !OidIsValid(collation) || collation == C_COLLATION_OID || get_collation_isdeterministic(collation);
}

namespace {

// The relation and column a level-0 Var of `sub` reads, through join aliases.
bool base_column(Node* expr, Query* sub, Index* rti, AttrNumber* attno) {
    Node* bare = strip_relabel(expr);
    if (bare == nullptr || !IsA(bare, Var) || reinterpret_cast<Var*>(bare)->varlevelsup != 0) return false;
    Var* var = resolve_var(bare, sub);
    if (var == nullptr || var->varattno <= 0) return false;
    RangeTblEntry* rte = rt_fetch(var->varno, sub->rtable);
    if (rte->rtekind != RTE_RELATION) return false;
    *rti = static_cast<Index>(var->varno);
    *attno = var->varattno;
    return true;
}

// The relation whose unique, not null column the ORDER BY sorts by (in its
// index's operator family, with a deterministic collation), or 0.
Index order_driver(Query* sub, Aggref* agg) {
    ListCell* sc;
    foreach (sc, agg->aggorder) {
        auto* sort = static_cast<SortGroupClause*>(lfirst(sc));
        TargetEntry* tle = get_sortgroupclause_tle(sort, agg->args);
        Index rti = 0;
        AttrNumber attno = 0;
        if (!base_column(reinterpret_cast<Node*>(tle->expr), sub, &rti, &attno)) continue;
        if (!deterministic_collation(exprCollation(reinterpret_cast<Node*>(tle->expr)))) continue;
        List* families = NIL;
        if (!unique_column(rt_fetch(rti, sub->rtable)->relid, attno, true, &families)) continue;
        ListCell* fc;
        foreach (fc, families) {
            int strategy = get_op_opfamily_strategy(sort->sortop, lfirst_oid(fc));
            if (strategy == BTLessStrategyNumber || strategy == BTGreaterStrategyNumber) return rti;
        }
    }
    return 0;
}

// ---- joins that do not multiply rows -------------------------------------------

struct Conjunct {
    Node* qual;
    Bitmapset* usable_for;  // rtis it may place (NULL: any)
};

void add_conjuncts(Node* quals, Bitmapset* usable_for, List** out) {
    if (quals == nullptr) return;
    List* items = make_ands_implicit(reinterpret_cast<Expr*>(quals));
    ListCell* lc;
    foreach (lc, items) {
        auto* c = static_cast<Conjunct*>(palloc(sizeof(Conjunct)));
        c->qual = static_cast<Node*>(lfirst(lc));
        c->usable_for = usable_for;
        *out = lappend(*out, c);
    }
}

Bitmapset* relations_below(Node* node, Query* sub) {
    Bitmapset* set = nullptr;
    if (IsA(node, RangeTblRef)) {
        Index rti = static_cast<Index>(reinterpret_cast<RangeTblRef*>(node)->rtindex);
        if (rt_fetch(rti, sub->rtable)->rtekind == RTE_RELATION) set = bms_add_member(set, static_cast<int>(rti));
    } else if (IsA(node, JoinExpr)) {
        auto* j = reinterpret_cast<JoinExpr*>(node);
        set = bms_union(relations_below(j->larg, sub), relations_below(j->rarg, sub));
    } else if (IsA(node, FromExpr)) {
        ListCell* lc;
        foreach (lc, reinterpret_cast<FromExpr*>(node)->fromlist) set = bms_join(set, relations_below(static_cast<Node*>(lfirst(lc)), sub));
    }
    return set;
}

// Collects the conjuncts that restrict rows, and the relations on the
// nullable side of a LEFT JOIN; false for another kind of join.
bool collect_joins(Node* node, Query* sub, List** conjuncts, Bitmapset** nullable) {
    if (IsA(node, RangeTblRef)) return true;
    if (IsA(node, FromExpr)) {
        auto* f = reinterpret_cast<FromExpr*>(node);
        ListCell* lc;
        foreach (lc, f->fromlist)
            if (!collect_joins(static_cast<Node*>(lfirst(lc)), sub, conjuncts, nullable)) return false;
        add_conjuncts(f->quals, nullptr, conjuncts);
        return true;
    }
    if (!IsA(node, JoinExpr)) return false;
    auto* j = reinterpret_cast<JoinExpr*>(node);
    if (j->jointype != JOIN_INNER && j->jointype != JOIN_LEFT) return false;
    if (!collect_joins(j->larg, sub, conjuncts, nullable) || !collect_joins(j->rarg, sub, conjuncts, nullable))
        return false;
    if (j->jointype == JOIN_INNER) {
        add_conjuncts(j->quals, nullptr, conjuncts);
    } else {
        // The ON of a LEFT JOIN keeps every left row: it places only the
        // relations of its right side.
        Bitmapset* right = relations_below(j->rarg, sub);
        *nullable = bms_union(*nullable, right);
        add_conjuncts(j->quals, right, conjuncts);
    }
    return true;
}

struct LevelZero {
    Bitmapset* rels;
    Query* sub;
    bool other;  // a level-0 reference that is not a relation's column
};

bool level_zero_walker(Node* node, void* raw) {
    auto* ctx = static_cast<LevelZero*>(raw);
    if (node == nullptr) return false;
    if (IsA(node, Var)) {
        auto* v = reinterpret_cast<Var*>(node);
        if (v->varlevelsup != 0) return false;
        Var* base = resolve_var(node, ctx->sub);
        if (base == nullptr || rt_fetch(base->varno, ctx->sub->rtable)->rtekind != RTE_RELATION)
            ctx->other = true;
        else
            ctx->rels = bms_add_member(ctx->rels, base->varno);
        return false;
    }
    if (IsA(node, Query) || IsA(node, SubLink) || IsA(node, Aggref)) {
        ctx->other = true;
        return true;
    }
    return expression_tree_walker(node, PGTV_WALKER(level_zero_walker), ctx);
}

// `qual` is `X.u = expr`: X's unique column u against values of `placed`
// relations (or of the outer query, or constants); returns X or 0.
Index placed_by(Node* qual, Query* sub, Bitmapset* placed) {
    if (!IsA(qual, OpExpr) || list_length(reinterpret_cast<OpExpr*>(qual)->args) != 2) return 0;
    auto* op = reinterpret_cast<OpExpr*>(qual);
    for (int side = 0; side < 2; side++) {
        Index rti = 0;
        AttrNumber attno = 0;
        if (!base_column(static_cast<Node*>(list_nth(op->args, side)), sub, &rti, &attno)) continue;
        if (bms_is_member(static_cast<int>(rti), placed)) continue;
        Node* other = static_cast<Node*>(list_nth(op->args, 1 - side));
        if (contain_volatile_functions(other)) continue;
        LevelZero refs{nullptr, sub, false};
        (void)level_zero_walker(other, &refs);
        if (refs.other || !bms_is_subset(refs.rels, placed)) continue;
        List* families = NIL;
        if (!unique_column(rt_fetch(rti, sub->rtable)->relid, attno, false, &families)) continue;
        ListCell* fc;
        foreach (fc, families)
            if (get_op_opfamily_strategy(op->opno, lfirst_oid(fc)) == BTEqualStrategyNumber &&
                deterministic_collation(op->inputcollid))
                return rti;
    }
    return 0;
}

bool order_is_total(Query* sub, Aggref* agg) {
    Index driver = order_driver(sub, agg);
    if (driver == 0) return false;
    List* conjuncts = NIL;
    Bitmapset* nullable = nullptr;
    if (!collect_joins(reinterpret_cast<Node*>(sub->jointree), sub, &conjuncts, &nullable)) return false;
    // The driver's rows are all there: it is not on a nullable side.
    if (bms_is_member(static_cast<int>(driver), nullable)) return false;
    Bitmapset* all = relations_below(reinterpret_cast<Node*>(sub->jointree), sub);
    Bitmapset* placed = bms_make_singleton(static_cast<int>(driver));
    bool progress = true;
    while (progress && !bms_is_subset(all, placed)) {
        progress = false;
        ListCell* lc;
        foreach (lc, conjuncts) {
            auto* c = static_cast<Conjunct*>(lfirst(lc));
            Index x = placed_by(c->qual, sub, placed);
            if (x == 0 || (c->usable_for && !bms_is_member(static_cast<int>(x), c->usable_for))) continue;
            placed = bms_add_member(placed, static_cast<int>(x));
            progress = true;
        }
    }
    return bms_is_subset(all, placed);
}

// ---- where the arrays are ------------------------------------------------------

struct Finder {
    List* nodes;
};

void find_in_value(Finder* f, int column, int parent, List* path, Node* value);

// Adds the array of `link` (at `path` of output column `column`, or of the
// elements of node `parent`), then the arrays inside its elements.
// Arrays deeper than kMostNestedArrays are not nodes: what they show recomputes.
void add_node(Finder* f, int column, int parent, List* path, SubLink* link) {
    int depth = 0;
    for (int p = parent; p >= 0; p = static_cast<ArrayNodeC*>(list_nth(f->nodes, p))->parent) depth++;
    if (depth >= kMostNestedArrays) return;
    auto* sub = reinterpret_cast<Query*>(link->subselect);
    Aggref* agg = array_aggregate(sub);
    if (agg == nullptr) return;
    auto* node = static_cast<ArrayNodeC*>(palloc0(sizeof(ArrayNodeC)));
    node->column = column;
    node->parent = parent;
    node->path = list_copy(path);
    node->link = link;
    node->sub = sub;
    node->agg = agg;
    node->element = aggregated_value(agg);
    node->ordered = node->element != nullptr && order_is_total(sub, agg) &&
                    (parent < 0 || static_cast<ArrayNodeC*>(list_nth(f->nodes, parent))->ordered);
    f->nodes = lappend(f->nodes, node);
    if (node->element != nullptr) find_in_value(f, column, list_length(f->nodes) - 1, NIL, node->element);
}

void find_in_value(Finder* f, int column, int parent, List* path, Node* value) {
    if (SubLink* link = array_link(value)) {
        add_node(f, column, parent, path, link);
        return;
    }
    Node* bare = strip_relabel(value);
    List* keys = constant_object_keys(bare);
    if (keys == NIL) return;
    auto* obj = reinterpret_cast<FuncExpr*>(bare);
    for (int i = 0; i < list_length(keys); i++)
        find_in_value(f, column, parent, lappend(list_copy(path), list_nth(keys, i)),
                      static_cast<Node*>(list_nth(obj->args, 2 * i + 1)));
}

}  // namespace

List* find_array_nodes(Query* q, const ViewShapeC* shape) {
    Finder f{NIL};
    for_each_document_column(q, shape, [&](int column, Node* expr) { find_in_value(&f, column, -1, NIL, expr); });
    return f.nodes;
}

Node* array_values_link(const ArrayNodeC* node, Node* value) {
    auto* link = static_cast<SubLink*>(copyObjectImpl(node->link));
    auto* sub = reinterpret_cast<Query*>(link->subselect);
    auto* tle = static_cast<TargetEntry*>(linitial(sub->targetList));
    auto* agg = reinterpret_cast<Aggref*>(tle->expr);
    agg->aggfnoid = F_ARRAY_AGG_ANYNONARRAY;
    agg->aggtype = JSONBARRAYOID;
    agg->aggcollid = InvalidOid;
    agg->inputcollid = InvalidOid;
    agg->aggtranstype = InvalidOid;
    agg->aggargtypes = list_make1_oid(JSONBOID);
    ListCell* lc;
    foreach (lc, agg->args) {
        auto* arg = static_cast<TargetEntry*>(lfirst(lc));
        if (arg->resjunk) continue;
        arg->expr = static_cast<Expr*>(copyObjectImpl(value));
        break;
    }
    return reinterpret_cast<Node*>(link);
}

Node* keyed_map_link(const ArrayNodeC* node, Index rti, Oid relid, AttrNumber identity, AttrNumber key, Node* value) {
    RangeTblEntry* rte = static_cast<RangeTblEntry*>(copyObjectImpl(rt_fetch(rti, node->sub->rtable)));
    auto column = [&](AttrNumber attno) {
        Oid type = InvalidOid;
        int32 typmod = -1;
        Oid collation = InvalidOid;
        get_atttypetypmodcoll(relid, attno, &type, &typmod, &collation);
        return makeVar(1, attno, type, typmod, collation, 0);
    };
    // The value's columns are those of occurrence `rti`: now the only one.
    Node* mapped = static_cast<Node*>(copyObjectImpl(value));
    ChangeVarNodes(mapped, static_cast<int>(rti), 1, 0);
    auto* as_text = makeNode(CoerceViaIO);
    as_text->arg = reinterpret_cast<Expr*>(column(key));
    as_text->resulttype = TEXTOID;
    as_text->resultcollid = DEFAULT_COLLATION_OID;
    as_text->coerceformat = COERCE_EXPLICIT_CAST;
    as_text->location = -1;
    auto* agg = makeNode(Aggref);
    agg->aggfnoid = F_JSONB_OBJECT_AGG;
    agg->aggtype = JSONBOID;
    agg->aggcollid = InvalidOid;
    agg->inputcollid = DEFAULT_COLLATION_OID;
    agg->aggtranstype = InvalidOid;
    agg->aggargtypes = list_make2_oid(TEXTOID, JSONBOID);
    agg->args = list_make2(makeTargetEntry(reinterpret_cast<Expr*>(as_text), 1, nullptr, false),
                           makeTargetEntry(reinterpret_cast<Expr*>(mapped), 2, nullptr, false));
    agg->aggkind = AGGKIND_NORMAL;
    agg->agglevelsup = 0;
    agg->aggsplit = AGGSPLIT_SIMPLE;
    agg->aggno = -1;
    agg->aggtransno = -1;
    agg->location = -1;
    // WHERE identity = ANY ($3)
    Var* id = column(identity);
    auto* rows = makeNode(Param);
    rows->paramkind = PARAM_EXTERN;
    rows->paramid = 3;
    rows->paramtype = get_array_type(id->vartype);
    rows->paramtypmod = -1;
    rows->paramcollid = InvalidOid;
    rows->location = -1;
    TypeCacheEntry* tc = lookup_type_cache(id->vartype, TYPECACHE_EQ_OPR);
    auto* any = makeNode(ScalarArrayOpExpr);
    any->opno = tc->eq_opr;
    any->opfuncid = get_opcode(tc->eq_opr);
    any->useOr = true;
    any->inputcollid = id->varcollid;
    any->args = list_make2(id, rows);
    any->location = -1;
    auto* ref = makeNode(RangeTblRef);
    ref->rtindex = 1;
    Query* sub = makeNode(Query);
    sub->commandType = CMD_SELECT;
    sub->querySource = QSRC_ORIGINAL;
    sub->canSetTag = true;
    sub->rtable = list_make1(rte);
    sub->jointree = makeFromExpr(list_make1(ref), reinterpret_cast<Node*>(any));
    sub->targetList = list_make1(makeTargetEntry(reinterpret_cast<Expr*>(agg), 1, pstrdup("map"), false));
    sub->hasAggs = true;
    auto* link = makeNode(SubLink);
    link->subLinkType = EXPR_SUBLINK;
    link->subLinkId = 0;
    link->testexpr = nullptr;
    link->operName = NIL;
    link->subselect = reinterpret_cast<Node*>(sub);
    link->location = -1;
    return reinterpret_cast<Node*>(link);
}

}  // namespace pg_tviews::pg
