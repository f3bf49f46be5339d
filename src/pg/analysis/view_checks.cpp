// Parsing, refusals and description of a TVIEW's defining query.
// C style on purpose (see view_analysis.hpp): runs inside pg_call.
#include "pg_tviews/pg/analysis/view_analysis.hpp"
#include "pg_tviews/pg/capture/key_codec.hpp"

extern "C" {
#include "catalog/catalog.h"
#include "storage/lmgr.h"
#include "utils/syscache.h"
}

namespace pg_tviews::pg {

namespace {

[[noreturn]] void refuse(const char* tview, const char* what, const char* hint) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("TVIEW \"%s\" cannot be maintained: its definition uses %s", tview, what),
                    errhint("%s", hint)));
    pg_unreachable();
}

struct CheckContext {
    const char* tview;
};

bool check_walker(Node* node, void* raw);

void check_level(Query* q, CheckContext* ctx) {
    if (q->hasWindowFuncs)
        refuse(ctx->tview, "window functions",
               "Compute the windowed value in the base tables, or aggregate it with a "
               "correlated subquery (SELECT ... ORDER BY ... LIMIT 1).");
    if (q->windowClause != NIL)
        refuse(ctx->tview, "a WINDOW clause",
               "Remove the WINDOW clause (window functions are not supported either).");
    if (q->hasRecursive)
        refuse(ctx->tview, "a recursive CTE (WITH RECURSIVE)",
               "Store the hierarchy's path or depth in the base table and select it directly.");
    if (q->hasModifyingCTE)
        refuse(ctx->tview, "a data-modifying statement in WITH",
               "A TVIEW definition must only read.");
    if (q->rowMarks != NIL)
        refuse(ctx->tview, "FOR UPDATE/FOR SHARE", "Remove the locking clause.");
    if (q->commandType != CMD_SELECT || q->utilityStmt != nullptr)
        refuse(ctx->tview, "a statement that is not a SELECT", "Use a plain SELECT.");
    ListCell* lc;
    foreach (lc, q->rtable) {
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->tablesample)
            refuse(ctx->tview, "TABLESAMPLE",
                   "A sample changes on every run; a TVIEW must be reproducible.");
    }
    query_tree_walker(q, PGTV_WALKER(check_walker), ctx, 0);
}

// Every (sub)query level is checked; expressions are walked for sublinks.
bool check_walker(Node* node, void* raw) {
    if (node != nullptr && IsA(node, Query)) check_level(reinterpret_cast<Query*>(node), static_cast<CheckContext*>(raw));
    else if (node != nullptr) return expression_tree_walker(node, PGTV_WALKER(check_walker), raw);
    return false;
}

struct RelContext {
    Oid self_oid;
    const char* tview;
    List* relations;
    List* helper_views;
};

void add_relation(RelContext* ctx, RangeTblEntry* rte) {
    Oid relid = rte->relid;
    if (relid == ctx->self_oid) return;
    char relkind = get_rel_relkind(relid);
    const char* relname = get_rel_name(relid);
    if (relkind == RELKIND_VIEW) {
        ctx->helper_views = list_append_unique_oid(ctx->helper_views, relid);
        return;
    }
    if (relkind == RELKIND_MATVIEW)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("TVIEW \"%s\" cannot read materialized view \"%s\"", ctx->tview, relname),
                        errdetail("Changes to a materialized view cannot be captured."),
                        errhint("Read the materialized view's base tables, or make it a TVIEW.")));
    if (relkind == RELKIND_FOREIGN_TABLE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("TVIEW \"%s\" cannot read foreign table \"%s\"", ctx->tview, relname),
                        errdetail("Changes to a foreign table happen elsewhere and cannot be captured."),
                        errhint("Copy the data into a local table.")));
    if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("TVIEW \"%s\" cannot read relation \"%s\" of this kind", ctx->tview, relname),
                        errhint("A TVIEW can read tables, partitioned tables, views and other TVIEWs.")));
    if (IsCatalogRelationOid(relid) || get_rel_namespace(relid) == PG_CATALOG_NAMESPACE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("TVIEW \"%s\" cannot read system catalog \"%s\"", ctx->tview, relname),
                        errdetail("Changes to system catalogs cannot be captured."),
                        errhint("Read the information from an ordinary table.")));
    if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("TVIEW \"%s\" cannot read temporary table \"%s\"", ctx->tview, relname),
                        errdetail("A TVIEW outlives the session that owns a temporary table."),
                        errhint("Use a permanent or unlogged table.")));
    ListCell* lc;
    foreach (lc, ctx->relations)
        if (static_cast<RelationReadC*>(lfirst(lc))->relid == relid) return;
    auto* r = static_cast<RelationReadC*>(palloc0(sizeof(RelationReadC)));
    r->relid = relid;
    r->relkind = relkind;
    ctx->relations = lappend(ctx->relations, r);
}

bool relation_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* ctx = static_cast<RelContext*>(raw);
    if (IsA(node, Query))
        return query_tree_walker(reinterpret_cast<Query*>(node),
                                 PGTV_WALKER(relation_walker), raw,
                                 QTW_EXAMINE_RTES_BEFORE);
    if (IsA(node, RangeTblEntry)) {
        auto* rte = reinterpret_cast<RangeTblEntry*>(node);
        if (rte->rtekind == RTE_RELATION) add_relation(ctx, rte);
        return false;
    }
    return expression_tree_walker(node, PGTV_WALKER(relation_walker), raw);
}

}  // namespace

namespace {

// Positions of parse errors point into the definition, not into the
// statement that called pg_tviews_create().
void definition_error_callback(void* arg) {
    int position = geterrposition();
    if (position <= 0) return;
    errposition(0);
    internalerrposition(position);
    internalerrquery(static_cast<const char*>(arg));
}

// UNION ALL (any nesting of it) is maintained branch by branch.
bool only_union_all(Node* node) {
    if (node == nullptr || IsA(node, RangeTblRef)) return true;
    if (!IsA(node, SetOperationStmt)) return false;
    auto* op = reinterpret_cast<SetOperationStmt*>(node);
    return op->op == SETOP_UNION && op->all && only_union_all(op->larg) && only_union_all(op->rarg);
}

}  // namespace

Query* parse_tview_select(const char* sql, const char* tview) {
    ErrorContextCallback callback;
    callback.callback = definition_error_callback;
    callback.arg = const_cast<char*>(sql);
    callback.previous = error_context_stack;
    error_context_stack = &callback;
    List* raw = raw_parser(sql, RAW_PARSE_DEFAULT);
    if (list_length(raw) != 1)
        ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
                        errmsg("definition of TVIEW \"%s\" must be exactly one SELECT statement", tview),
                        errdetail("%d statements were given.", list_length(raw)),
                        errhint("Pass a single SELECT without a trailing second statement.")));
    auto* rs = linitial_node(RawStmt, raw);
    if (!IsA(rs->stmt, SelectStmt))
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("definition of TVIEW \"%s\" must be a SELECT statement", tview),
                        errhint("Write the read model as SELECT ... FROM your base tables.")));
    auto* select = reinterpret_cast<SelectStmt*>(rs->stmt);
    if (select->intoClause)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("definition of TVIEW \"%s\" must not use SELECT INTO", tview),
                        errhint("Remove the INTO clause.")));
    Query* q = parse_analyze_fixedparams(rs, sql, nullptr, 0, nullptr);
    error_context_stack = callback.previous;
    List* rewritten = QueryRewrite(q);
    if (list_length(rewritten) != 1)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("definition of TVIEW \"%s\" is rewritten into several statements", tview),
                        errhint("Remove the rules that rewrite the SELECT.")));
    return linitial_node(Query, rewritten);
}

void check_tview_query(Query* q, const char* tview) {
    if (q->setOperations && !only_union_all(q->setOperations))
        refuse(tview, "UNION, INTERSECT or EXCEPT",
               "Use UNION ALL with branches whose keys do not overlap, create one TVIEW per branch, or move "
               "the set operation into a subquery in FROM.");
    if (q->limitCount || q->limitOffset)
        refuse(tview, "LIMIT or OFFSET at the top level",
               "A TVIEW holds every row of its SELECT; filter with WHERE instead.");
    if (q->groupingSets)
        refuse(tview, "GROUPING SETS, ROLLUP or CUBE", "Create one TVIEW per grouping.");
    if (contain_volatile_functions(reinterpret_cast<Node*>(q)))
        refuse(tview, "a volatile function (for example random(), nextval() or clock_timestamp())",
               "A TVIEW must give the same rows when recomputed; compute volatile values in "
               "the base tables, or mark the function STABLE or IMMUTABLE if it is.");
    CheckContext ctx{tview};
    check_level(q, &ctx);
}

// The shape of a checked definition: output columns and types, the key
// and its type, relations and helper views read. (Long: one pass over the
// target list and one over the relations, each recording its findings.)
ViewShapeC* describe_tview_query(Query* q, const char* tview, const char* key_column, Oid self_oid) {
    auto* shape = static_cast<ViewShapeC*>(palloc0(sizeof(ViewShapeC)));
    shape->key_index = -1;
    int position = 0;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (tle->resjunk) continue;
        const char* name = tle->resname;
        if (name == nullptr || strcmp(name, "?column?") == 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_COLUMN_DEFINITION),
                            errmsg("column %d of TVIEW \"%s\" has no name", position + 1, tview),
                            errhint("Name every output column with AS.")));
        ListCell* lc2;
        foreach (lc2, shape->column_names)
            if (strcmp(strVal(lfirst(lc2)), name) == 0)
                ereport(ERROR, (errcode(ERRCODE_DUPLICATE_COLUMN),
                                errmsg("TVIEW \"%s\" has two columns named \"%s\"", tview, name),
                                errhint("Give each output column a distinct name with AS.")));
        Oid type = exprType(reinterpret_cast<Node*>(tle->expr));
        if (type == UNKNOWNOID || type == RECORDOID)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("column \"%s\" of TVIEW \"%s\" has no storable type (%s)", name,
                                   tview, format_type_be(type)),
                            errhint("Cast the column to a concrete type, for example '...'::text or to_jsonb(...).")));
        if (strcmp(name, key_column) == 0) {
            shape->key_index = position;
            shape->key_type = type;
            shape->key_collation = exprCollation(reinterpret_cast<Node*>(tle->expr));
            if (contain_aggs_of_level(reinterpret_cast<Node*>(tle->expr), 0))
                ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                                errmsg("key column \"%s\" of TVIEW \"%s\" must not be an aggregate",
                                       key_column, tview),
                                errhint("Select the entity's key column and GROUP BY it.")));
        }
        shape->column_names = lappend(shape->column_names, makeString(pstrdup(name)));
        shape->column_types = lappend_oid(shape->column_types, type);
        shape->column_typmods =
            lappend_int(shape->column_typmods, exprTypmod(reinterpret_cast<Node*>(tle->expr)));
        position++;
    }
    if (shape->key_index < 0)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("TVIEW \"%s\" has no key column \"%s\"", tview, key_column),
                        errdetail("The table tv_<entity> is keyed by the column pk_<entity>."),
                        errhint("Select the entity's key as %s, for example: SELECT x.pk AS %s, ...",
                                key_column, key_column)));
    if (const char* refusal = key_type_refusal(shape->key_type))
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("key column \"%s\" of TVIEW \"%s\" has type %s", key_column, tview,
                               format_type_be(shape->key_type)),
                        errdetail("A TVIEW key needs a type with a btree equality and a hash function: %s.", refusal),
                        errhint("Key the TVIEW by an integer, uuid or text column.")));

    RelContext ctx{self_oid, tview, NIL, NIL};
    query_tree_walker(q, PGTV_WALKER(relation_walker), &ctx, QTW_EXAMINE_RTES_BEFORE);
    if (ctx.relations == NIL)
        ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                        errmsg("TVIEW \"%s\" reads no table", tview),
                        errhint("A TVIEW follows the tables its SELECT reads; select FROM at least one table.")));
    shape->relations = ctx.relations;
    shape->helper_views = ctx.helper_views;
    return shape;
}

Query* rewritten_view_query_if_exists(Oid view_oid) {
    // Locked before it is opened: a concurrent DROP that held the lock has
    // committed when the wait ends, and the view is gone (not an error here).
    LockRelationOid(view_oid, AccessShareLock);
    if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(view_oid))) {
        UnlockRelationOid(view_oid, AccessShareLock);
        return nullptr;
    }
    Relation rel = relation_open(view_oid, NoLock);
    Query* q = static_cast<Query*>(copyObject(get_view_query(rel)));
    relation_close(rel, NoLock);
    AcquireRewriteLocks(q, true, false);
    List* rewritten = QueryRewrite(q);
    return linitial_node(Query, rewritten);
}

Query* rewritten_view_query(Oid view_oid) {
    Query* q = rewritten_view_query_if_exists(view_oid);
    if (q == nullptr)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("the view with OID %u was dropped by another transaction", view_oid),
                        errhint("Run the statement again.")));
    return q;
}

ViewShapeC* analyze_tview_view(Oid view_oid, const char* tview, const char* key_column) {
    Query* q = rewritten_view_query(view_oid);
    check_tview_query(q, tview);
    return describe_tview_query(q, tview, key_column, view_oid);
}

bool walk_query_level(Query* query, int* depth, bool (*walker)(), void* context) {
    (*depth)++;
    bool result = query_tree_walker(query, walker, context, 0);
    (*depth)--;
    return result;
}

}  // namespace pg_tviews::pg
