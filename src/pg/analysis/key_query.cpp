// Key queries: for each occurrence of a base relation in a TVIEW's
// (rewritten) query, SQL that returns the keys of the TVIEW rows built from
// a set of changed rows of that relation.
//
// The query is copied, the occurrence is replaced by the statement's
// transition rows (an ephemeral named relation, pg_tviews_old or
// pg_tviews_new, referenced like a CTE so that pg_get_querydef can print
// it), and the path from the top to the occurrence is transformed:
//   * outer joins that make the occurrence nullable become inner joins, and
//     conditions evaluated on the formerly null-extended side are dropped;
//   * a subquery in FROM that holds the occurrence keeps its output columns,
//     but aggregate outputs are marked tainted (they were computed over the
//     changed rows only) and conditions on tainted columns are dropped;
//   * a sublink that holds the occurrence becomes an EXISTS condition of the
//     enclosing query (aggregates and grouping removed), and the condition
//     it appeared in is dropped;
//   * at every level of that path, conditions that do not connect the
//     changed rows to the key (filters on other relations) are dropped and
//     inner joins with relations off the path become outer joins
//     (key_filters.cpp says why: concurrent writers);
//   * at the top, grouping, aggregates, HAVING, DISTINCT and ORDER BY go,
//     and only the key is projected.
// Dropping a condition only ever adds keys: a key refreshed that did not
// need it costs time, a key missed would be a bug. Where no key query can
// be built, the occurrence falls back to refreshing every key.
#include "pg_tviews/pg/analysis/view_analysis.hpp"
#include "pg_tviews/pg/capture/key_codec.hpp"

extern "C" {
#include "parser/parse_clause.h"
#include "parser/parse_oper.h"
}

namespace pg_tviews::pg {

namespace {


enum Mode { kModeKey, kModeExists, kModeRows };

struct Locate {
    Oid relid;
    int target;  // occurrence to rewrite; -1 counts only
    int counter;
    const char* enrname;
    bool fallback;
    const char* reason;
    int depth;
    Index direct_rti;       // target was this top-level RTE
    Bitmapset* top_cols;    // tainted columns at the top level
    Bitmapset* top_col_rtis;
    AttrNumber link_attno;  // key = this column of the changed rows (see key_via_link)
    int key_index;          // 0-based position of the key column (the top level's output)
    Bitmapset* occurrence_reads;  // the target's selectedCols, once found
    bool occurrence_found;
};

bool rewrite_level(Query* q, Locate* loc, Mode mode, Bitmapset** tainted_out, Bitmapset** foreign_out = nullptr);

constexpr int kColStride = 2048;  // > MaxHeapAttributeNumber
int encode_col(Index rti, AttrNumber attno) { return static_cast<int>(rti) * kColStride + attno; }

// ---- does an expression reference given range table entries / columns ----

struct RefsCtx {
    Query* q;
    Bitmapset* rtis;      // any column of these
    Bitmapset* cols;      // encoded (rti, attno)
    Bitmapset* col_rtis;  // rtis having tainted columns (for whole-row Vars)
    int depth;
};

bool refs_walker(Node* node, void* raw);

bool var_refs(Var* var, RefsCtx* ctx) {
    if (bms_is_member(static_cast<int>(var->varno), ctx->rtis)) return true;
    RangeTblEntry* rte = rt_fetch(var->varno, ctx->q->rtable);
    if (rte->rtekind == RTE_JOIN) {
        RefsCtx inner = *ctx;
        inner.depth = 0;
        if (var->varattno == 0) return refs_walker(reinterpret_cast<Node*>(rte->joinaliasvars), &inner);
        if (var->varattno > 0 && var->varattno <= list_length(rte->joinaliasvars))
            return refs_walker(static_cast<Node*>(list_nth(rte->joinaliasvars, var->varattno - 1)), &inner);
        return false;
    }
    if (var->varattno <= 0) return bms_is_member(static_cast<int>(var->varno), ctx->col_rtis);
    return bms_is_member(encode_col(var->varno, var->varattno), ctx->cols);
}

bool refs_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* ctx = static_cast<RefsCtx*>(raw);
    if (IsA(node, Var)) {
        auto* var = reinterpret_cast<Var*>(node);
        return static_cast<int>(var->varlevelsup) == ctx->depth && var_refs(var, ctx);
    }
    if (IsA(node, Query))
        return walk_query_level(reinterpret_cast<Query*>(node), &ctx->depth, PGTV_WALKER(refs_walker), raw);
    return expression_tree_walker(node, PGTV_WALKER(refs_walker), raw);
}

bool refs(Node* node, Query* q, Bitmapset* rtis, Bitmapset* cols, Bitmapset* col_rtis) {
    if (rtis == nullptr && cols == nullptr) return false;
    RefsCtx ctx{q, rtis, cols, col_rtis, 0};
    return refs_walker(node, &ctx);
}

Node* drop_referencing(Node* qual, Query* q, Bitmapset* rtis, Bitmapset* cols, Bitmapset* col_rtis) {
    if (qual == nullptr || (rtis == nullptr && cols == nullptr)) return qual;
    List* keep = NIL;
    ListCell* lc;
    foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(qual))) {
        auto* c = static_cast<Node*>(lfirst(lc));
        if (!refs(c, q, rtis, cols, col_rtis)) keep = lappend(keep, c);
    }
    return keep == NIL ? nullptr : reinterpret_cast<Node*>(make_ands_explicit(keep));
}

// ---- outer joins on the path to an occurrence ----

void rtis_of(Node* jt, Bitmapset** out) {
    if (jt == nullptr) return;
    if (IsA(jt, RangeTblRef)) {
        *out = bms_add_member(*out, reinterpret_cast<RangeTblRef*>(jt)->rtindex);
    } else if (IsA(jt, FromExpr)) {
        ListCell* lc;
        foreach (lc, reinterpret_cast<FromExpr*>(jt)->fromlist) rtis_of(static_cast<Node*>(lfirst(lc)), out);
    } else if (IsA(jt, JoinExpr)) {
        auto* j = reinterpret_cast<JoinExpr*>(jt);
        if (j->rtindex) *out = bms_add_member(*out, j->rtindex);
        rtis_of(j->larg, out);
        rtis_of(j->rarg, out);
    }
}

struct JoinFix {
    Bitmapset* converted_rtis;
    List* converted_joins;
};

bool fix_joins(Node* jt, Index rti, Query* q, JoinFix* fx) {
    if (jt == nullptr) return false;
    if (IsA(jt, RangeTblRef)) return reinterpret_cast<RangeTblRef*>(jt)->rtindex == static_cast<int>(rti);
    if (IsA(jt, FromExpr)) {
        ListCell* lc;
        foreach (lc, reinterpret_cast<FromExpr*>(jt)->fromlist)
            if (fix_joins(static_cast<Node*>(lfirst(lc)), rti, q, fx)) return true;
        return false;
    }
    if (!IsA(jt, JoinExpr)) return false;
    auto* j = reinterpret_cast<JoinExpr*>(jt);
    bool in_left = fix_joins(j->larg, rti, q, fx);
    bool in_right = !in_left && fix_joins(j->rarg, rti, q, fx);
    if (!in_left && !in_right) return false;
    JoinType new_type = j->jointype;
    Node* nullable = nullptr;
    switch (j->jointype) {
        case JOIN_LEFT:
            if (in_right) { new_type = JOIN_INNER; nullable = j->rarg; }
            break;
        case JOIN_RIGHT:
            if (in_left) { new_type = JOIN_INNER; nullable = j->larg; }
            break;
        case JOIN_FULL:
            if (in_left) { new_type = JOIN_LEFT; nullable = j->larg; }
            else { new_type = JOIN_RIGHT; nullable = j->rarg; }
            break;
        default:
            break;
    }
    if (nullable) {
        j->jointype = new_type;
        if (j->rtindex) rt_fetch(j->rtindex, q->rtable)->jointype = new_type;
        rtis_of(nullable, &fx->converted_rtis);
        fx->converted_joins = lappend(fx->converted_joins, j);
    }
    return true;
}

void drop_in_jointree(Node* jt, Query* q, JoinFix* fx, Bitmapset* cols, Bitmapset* col_rtis) {
    if (jt == nullptr) return;
    if (IsA(jt, FromExpr)) {
        auto* f = reinterpret_cast<FromExpr*>(jt);
        f->quals = drop_referencing(f->quals, q, fx->converted_rtis, cols, col_rtis);
        ListCell* lc;
        foreach (lc, f->fromlist) drop_in_jointree(static_cast<Node*>(lfirst(lc)), q, fx, cols, col_rtis);
    } else if (IsA(jt, JoinExpr)) {
        auto* j = reinterpret_cast<JoinExpr*>(jt);
        bool converted = list_member_ptr(fx->converted_joins, j);
        j->quals = drop_referencing(j->quals, q, converted ? nullptr : fx->converted_rtis, cols, col_rtis);
        drop_in_jointree(j->larg, q, fx, cols, col_rtis);
        drop_in_jointree(j->rarg, q, fx, cols, col_rtis);
    }
}

// ---- inner joins with relations off the path become outer joins ----
//
// An inner join with a relation the key query does not need (neither on the
// equality links from the changed rows to the key nor read above) only
// filters: the post's author row must exist for a commenter's rename to
// find the post. A concurrent writer can make it exist (or match), and the
// key query would miss the document, as with any filter (key_filters.cpp).
// The join is made outer on that relation's side, and conditions elsewhere
// on it are dropped, so every row of the needed side keeps its keys.

bool loosen(Node* jt, Bitmapset* needed, Query* q, JoinFix* fx) {
    if (jt == nullptr) return false;
    if (IsA(jt, RangeTblRef)) return bms_is_member(reinterpret_cast<RangeTblRef*>(jt)->rtindex, needed);
    if (IsA(jt, FromExpr)) {
        bool any = false;
        ListCell* lc;
        foreach (lc, reinterpret_cast<FromExpr*>(jt)->fromlist)
            any = loosen(static_cast<Node*>(lfirst(lc)), needed, q, fx) || any;
        return any;
    }
    if (!IsA(jt, JoinExpr)) return false;
    auto* j = reinterpret_cast<JoinExpr*>(jt);
    bool left = loosen(j->larg, needed, q, fx);
    bool right = loosen(j->rarg, needed, q, fx);
    if (j->jointype == JOIN_INNER && left != right) {
        j->jointype = left ? JOIN_LEFT : JOIN_RIGHT;
        if (j->rtindex) rt_fetch(j->rtindex, q->rtable)->jointype = j->jointype;
        rtis_of(left ? j->rarg : j->larg, &fx->converted_rtis);
        fx->converted_joins = lappend(fx->converted_joins, j);
    }
    return left || right;
}

void loosen_joins(Query* q, Index target_rti, Bitmapset* foreign, Node* held, Node* wanted) {
    Bitmapset* needed = nullptr;
    if (!needed_rtis(q, target_rti, foreign, held, wanted, &needed)) return;
    JoinFix fx{nullptr, NIL};
    (void)loosen(reinterpret_cast<Node*>(q->jointree), needed, q, &fx);
    if (fx.converted_rtis) drop_in_jointree(reinterpret_cast<Node*>(q->jointree), q, &fx, nullptr, nullptr);
}

// ---- the occurrence itself becomes the transition rows ----

void to_transition_rows(RangeTblEntry* rte, const char* enrname) {
    Relation rel = relation_open(rte->relid, NoLock);
    TupleDesc desc = RelationGetDescr(rel);
    List* types = NIL;
    List* typmods = NIL;
    List* collations = NIL;
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        types = lappend_oid(types, att->attisdropped ? InvalidOid : att->atttypid);
        typmods = lappend_int(typmods, att->atttypmod);
        collations = lappend_oid(collations, att->attcollation);
    }
    relation_close(rel, NoLock);
    rte->rtekind = RTE_CTE;
    rte->ctename = pstrdup(enrname);
    rte->ctelevelsup = 0;
    rte->self_reference = false;
    rte->coltypes = types;
    rte->coltypmods = typmods;
    rte->colcollations = collations;
    rte->relid = InvalidOid;
    rte->relkind = 0;
    rte->rellockmode = 0;
    rte->tablesample = nullptr;
    rte->inh = false;
}

// ---- counting and finding occurrences inside sublinks ----

int count_occurrences(Query* q, Oid relid) {
    Locate l{};
    l.relid = relid;
    l.target = -1;
    rewrite_level(q, &l, kModeRows, nullptr);
    return l.counter;
}

bool count_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* loc = static_cast<Locate*>(raw);
    if (IsA(node, SubLink)) {
        auto* sl = reinterpret_cast<SubLink*>(node);
        loc->counter += count_occurrences(reinterpret_cast<Query*>(sl->subselect), loc->relid);
        return count_walker(sl->testexpr, raw);
    }
    return expression_tree_walker(node, PGTV_WALKER(count_walker), raw);
}

// For x IN (SELECT e FROM ...), the correlation lives in the test
// expression (x = e), not in the subquery: move it inside as a condition,
// so EXISTS finds only the outer rows matching the changed rows. IS NOT
// FALSE keeps rows where the comparison is NULL (NOT IN is affected by a
// NULL for every outer row).
struct ParamSwap {
    List* target_list;
};

Node* swap_params(Node* node, void* raw) {
    if (node == nullptr) return nullptr;
    if (IsA(node, Param)) {
        auto* param = reinterpret_cast<Param*>(node);
        if (param->paramkind == PARAM_SUBLINK) {
            auto* ctx = static_cast<ParamSwap*>(raw);
            ListCell* lc;
            foreach (lc, ctx->target_list) {
                auto* tle = static_cast<TargetEntry*>(lfirst(lc));
                if (tle->resno == param->paramid) return reinterpret_cast<Node*>(copyObject(tle->expr));
            }
        }
    }
    return expression_tree_mutator(node, reinterpret_cast<Node* (*)()>(reinterpret_cast<void (*)(void)>(swap_params)),
                                   raw);
}

void move_test_inside(SubLink* sl, Query* sub) {
    if (sl->subLinkType != ANY_SUBLINK || sl->testexpr == nullptr) return;
    if (sub->setOperations || sub->hasAggs || sub->groupClause || sub->hasWindowFuncs || sub->hasTargetSRFs ||
        sub->groupingSets || sub->havingQual)
        return;
    auto* test = reinterpret_cast<Node*>(copyObject(sl->testexpr));
    IncrementVarSublevelsUp(test, 1, 0);
    ParamSwap ctx{sub->targetList};
    test = swap_params(test, &ctx);
    BooleanTest* not_false = makeNode(BooleanTest);
    not_false->arg = reinterpret_cast<Expr*>(test);
    not_false->booltesttype = IS_NOT_FALSE;
    not_false->location = -1;
    sub->jointree->quals = sub->jointree->quals
                               ? make_and_qual(sub->jointree->quals, reinterpret_cast<Node*>(not_false))
                               : reinterpret_cast<Node*>(not_false);
}

struct SublinkSearch {
    Locate* loc;
    Query* found;  // rewritten copy of the sublink's query (EXISTS mode)
};

bool sublink_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* s = static_cast<SublinkSearch*>(raw);
    if (s->found || s->loc->fallback) return true;
    if (IsA(node, SubLink)) {
        auto* sl = reinterpret_cast<SubLink*>(node);
        auto* sub = reinterpret_cast<Query*>(sl->subselect);
        int n = count_occurrences(sub, s->loc->relid);
        int before = s->loc->counter;
        if (s->loc->target >= before && s->loc->target < before + n) {
            auto* copy = reinterpret_cast<Query*>(copyObject(sub));
            move_test_inside(sl, copy);
            s->loc->depth++;
            rewrite_level(copy, s->loc, kModeExists, nullptr);
            s->loc->depth--;
            s->found = copy;
            return true;
        }
        s->loc->counter += n;
        return sublink_walker(sl->testexpr, raw);
    }
    return expression_tree_walker(node, PGTV_WALKER(sublink_walker), raw);
}

// Searches the conjuncts of a qual; the conjunct holding the target is dropped.
Node* search_quals(Node* qual, SublinkSearch* s) {
    if (qual == nullptr || s->found || s->loc->fallback) return qual;
    List* conjuncts = make_ands_implicit(reinterpret_cast<Expr*>(qual));
    List* keep = NIL;
    bool dropped = false;
    ListCell* lc;
    foreach (lc, conjuncts) {
        auto* c = static_cast<Node*>(lfirst(lc));
        if (!dropped && !s->found) {
            sublink_walker(c, s);
            if (s->found) {
                dropped = true;
                continue;
            }
        }
        keep = lappend(keep, c);
    }
    if (!dropped) return qual;
    return keep == NIL ? nullptr : reinterpret_cast<Node*>(make_ands_explicit(keep));
}

void search_jointree(Node* jt, SublinkSearch* s) {
    if (jt == nullptr || s->found || s->loc->fallback) return;
    if (IsA(jt, FromExpr)) {
        auto* f = reinterpret_cast<FromExpr*>(jt);
        f->quals = search_quals(f->quals, s);
        ListCell* lc;
        foreach (lc, f->fromlist) search_jointree(static_cast<Node*>(lfirst(lc)), s);
    } else if (IsA(jt, JoinExpr)) {
        auto* j = reinterpret_cast<JoinExpr*>(jt);
        j->quals = search_quals(j->quals, s);
        search_jointree(j->larg, s);
        search_jointree(j->rarg, s);
    }
}

void strip_to_rows(Query* q) {
    q->groupClause = NIL;
    q->groupingSets = NIL;
    q->groupDistinct = false;
    q->havingQual = nullptr;
    q->hasAggs = false;
    q->distinctClause = NIL;
    q->hasDistinctOn = false;
    q->sortClause = NIL;
    q->limitCount = nullptr;
    q->limitOffset = nullptr;
}

void fall_back(Locate* loc, const char* reason) {
    loc->fallback = true;
    loc->reason = reason;
}

// A grouped subquery may select columns that are not grouped because they
// depend on a grouped primary key (the parser records the constraint in
// constraintDeps). Over transition rows, which have no primary key, that
// dependency is gone and the query would not parse: group by those
// columns as well. They depend on the grouped key, so the groups, and the
// keys found, stay the same. False when a column's type has no equality.
bool group_by_dependent_columns(Query* q) {
    if (q->groupClause == NIL || q->constraintDeps == NIL) return true;
    Index next = 0;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (tle->ressortgroupref > next) next = tle->ressortgroupref;
    }
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        auto* expr = reinterpret_cast<Node*>(tle->expr);
        if (tle->ressortgroupref != 0 && get_sortgroupref_clause_noerr(tle->ressortgroupref, q->groupClause))
            continue;  // grouped already
        if (contain_aggs_of_level(expr, 0) || !contain_vars_of_level(expr, 0)) continue;
        Oid sortop = InvalidOid;
        Oid eqop = InvalidOid;
        bool hashable = false;
        get_sort_group_operators(exprType(expr), false, false, false, &sortop, &eqop, nullptr, &hashable);
        if (!OidIsValid(eqop)) return false;
        if (tle->ressortgroupref == 0) tle->ressortgroupref = ++next;
        SortGroupClause* g = makeNode(SortGroupClause);
        g->tleSortGroupRef = tle->ressortgroupref;
        g->eqop = eqop;
        g->sortop = sortop;
        g->nulls_first = false;
        g->hashable = hashable;
        q->groupClause = lappend(q->groupClause, g);
    }
    q->constraintDeps = NIL;
    return true;
}

// What the level above reads from this level: the key at the top, every
// output column of a subquery in FROM, nothing of an EXISTS sublink (its
// correlation conditions say what it needs).
Node* level_output(Query* q, Locate* loc, Mode mode) {
    if (q->setOperations) return nullptr;
    if (mode == kModeKey) return reinterpret_cast<Node*>(key_entry(q, loc->key_index)->expr);
    if (mode == kModeRows) return reinterpret_cast<Node*>(q->targetList);
    return nullptr;
}

// The range table entry of q holding the target occurrence (the relation
// itself, turned into the transition rows, or a subquery in FROM rewritten
// to the rows it outputs), or 0. Sets loc->fallback when the occurrence is
// inside a function call or VALUES list.
Index find_in_rtable(Query* q, Locate* loc, bool* found_relation, Bitmapset** sub_taint, Bitmapset** sub_foreign) {
    Index rti = 0;
    ListCell* lc;
    foreach (lc, q->rtable) {
        rti++;
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind == RTE_RELATION && rte->relid == loc->relid) {
            if (loc->counter++ == loc->target) {
                loc->occurrence_reads = bms_copy(rte->selectedCols);
                loc->occurrence_found = true;
                to_transition_rows(rte, loc->enrname);
                *found_relation = true;
                return rti;
            }
        } else if (rte->rtekind == RTE_SUBQUERY && rte->subquery) {
            loc->depth++;
            bool hit = rewrite_level(rte->subquery, loc, kModeRows, sub_taint, sub_foreign);
            loc->depth--;
            if (loc->fallback) return 0;
            if (hit) return rti;
        } else if (rte->rtekind == RTE_FUNCTION || rte->rtekind == RTE_TABLEFUNC || rte->rtekind == RTE_VALUES) {
            Locate counter{};
            counter.relid = loc->relid;
            counter.target = -1;
            count_walker(reinterpret_cast<Node*>(rte->functions), &counter);
            count_walker(reinterpret_cast<Node*>(rte->tablefunc), &counter);
            count_walker(reinterpret_cast<Node*>(rte->values_lists), &counter);
            if (loc->target >= loc->counter && loc->target < loc->counter + counter.counter) {
                fall_back(loc, "it is read inside a function call or VALUES list in FROM");
                return 0;
            }
            loc->counter += counter.counter;
        }
    }
    return 0;
}

// The sublink (in the target list, the join tree or HAVING) holding the
// target occurrence, rewritten to an EXISTS query, or nullptr.
Query* find_in_sublinks(Query* q, Locate* loc) {
    SublinkSearch s{loc, nullptr};
    ListCell* lc;
    foreach (lc, q->targetList) {
        sublink_walker(reinterpret_cast<Node*>(static_cast<TargetEntry*>(lfirst(lc))->expr), &s);
        if (s.found || loc->fallback) break;
    }
    search_jointree(reinterpret_cast<Node*>(q->jointree), &s);
    if (!s.found && !loc->fallback) sublink_walker(q->havingQual, &s);
    return loc->fallback ? nullptr : s.found;
}

// The occurrence is in a sublink: q keeps its rows that the sublink's
// changed rows correlate with (its other filters dropped, joins loosened).
// False when it falls back.
bool keep_rows_through(Query* q, Locate* loc, Mode mode, Query* exists_query) {
    if (contain_aggs_of_level(reinterpret_cast<Node*>(exists_query), 1)) {
        fall_back(loc, "it is read in a subquery that uses the enclosing query's aggregates");
        return false;
    }
    drop_filters(q, 0, nullptr);
    loosen_joins(q, 0, nullptr, reinterpret_cast<Node*>(exists_query), level_output(q, loc, mode));
    SubLink* sl = makeNode(SubLink);
    sl->subLinkType = EXISTS_SUBLINK;
    sl->subLinkId = 0;
    sl->testexpr = nullptr;
    sl->operName = NIL;
    sl->subselect = reinterpret_cast<Node*>(exists_query);
    sl->location = -1;
    q->jointree->quals = q->jointree->quals ? make_and_qual(q->jointree->quals, reinterpret_cast<Node*>(sl))
                                            : reinterpret_cast<Node*>(sl);
    q->hasSubLinks = true;
    return true;
}

// What q outputs for the level above, by mode: the key (recorded at the
// top), a constant (an EXISTS), or its rows, with the output columns the
// changed rows reach (`tainted_out`). False when it falls back.
bool shape_output(Query* q, Locate* loc, Mode mode, Bitmapset* cols, Bitmapset* col_rtis, Index found_rti,
                  Bitmapset* sub_foreign, Bitmapset** tainted_out, Bitmapset** foreign_out) {
    switch (mode) {
        case kModeKey:
            loc->top_cols = cols;
            loc->top_col_rtis = col_rtis;
            return true;
        case kModeExists:
            q->targetList = list_make1(makeTargetEntry(
                reinterpret_cast<Expr*>(makeConst(INT4OID, -1, InvalidOid, 4, Int32GetDatum(1), false, true)), 1,
                pstrdup("x"), false));
            strip_to_rows(q);
            return true;
        case kModeRows:
            break;
    }
    Bitmapset* tainted = nullptr;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        auto* expr = reinterpret_cast<Node*>(tle->expr);
        if ((q->hasAggs && contain_aggs_of_level(expr, 0)) || refs(expr, q, nullptr, cols, col_rtis))
            tainted = bms_add_member(tainted, tle->resno);
    }
    q->havingQual = nullptr;
    q->limitCount = nullptr;
    q->limitOffset = nullptr;
    if (!group_by_dependent_columns(q)) {
        fall_back(loc, "it is read in a grouped subquery whose columns depend on a primary key and "
                       "have a type without equality");
        return false;
    }
    if (q->hasDistinctOn) {
        q->distinctClause = NIL;
        q->hasDistinctOn = false;
    }
    if (tainted_out) *tainted_out = tainted;
    if (foreign_out) *foreign_out = foreign_outputs(q, found_rti, sub_foreign);
    return true;
}

// Returns true when the target occurrence lies within q (then q has been
// rewritten for `mode`, or loc->fallback is set).
bool rewrite_level(Query* q, Locate* loc, Mode mode, Bitmapset** tainted_out, Bitmapset** foreign_out) {
    bool found_relation = false;
    Bitmapset* sub_taint = nullptr;
    Bitmapset* sub_foreign = nullptr;
    Index found_rti = find_in_rtable(q, loc, &found_relation, &sub_taint, &sub_foreign);
    if (loc->fallback) return true;
    Bitmapset* cols = nullptr;
    Bitmapset* col_rtis = nullptr;
    if (found_rti) {
        if (found_relation && loc->depth == 0) loc->direct_rti = found_rti;
        int attno = -1;
        while ((attno = bms_next_member(sub_taint, attno)) >= 0)
            cols = bms_add_member(cols, encode_col(found_rti, static_cast<AttrNumber>(attno)));
        if (cols) col_rtis = bms_make_singleton(static_cast<int>(found_rti));
        JoinFix fx{nullptr, NIL};
        fix_joins(reinterpret_cast<Node*>(q->jointree), found_rti, q, &fx);
        drop_in_jointree(reinterpret_cast<Node*>(q->jointree), q, &fx, cols, col_rtis);
        drop_filters(q, found_rti, sub_foreign);
        loosen_joins(q, found_rti, sub_foreign, nullptr, level_output(q, loc, mode));
    } else {
        Query* exists_query = find_in_sublinks(q, loc);
        if (loc->fallback) return true;
        if (exists_query == nullptr) return false;
        if (!keep_rows_through(q, loc, mode, exists_query)) return true;
    }
    if (q->setOperations) {
        // Found in one branch: output columns are positional.
        if (tainted_out) *tainted_out = sub_taint;
        if (foreign_out) *foreign_out = sub_foreign;
        return true;
    }
    (void)shape_output(q, loc, mode, cols, col_rtis, found_rti, sub_foreign, tainted_out, foreign_out);
    return true;
}

// ---- non-recursive CTEs are inlined as subqueries first ----

struct InlineCtx {
    List* ancestors;  // Query* from the outermost down to the current one's parent
};

bool inline_walker(Node* node, void* raw);

void inline_ctes(Query* q, List* ancestors) {
    List* chain = lappend(list_copy(ancestors), q);
    ListCell* lc;
    foreach (lc, q->rtable) {
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind != RTE_CTE) continue;
        int owner_index = list_length(chain) - 1 - static_cast<int>(rte->ctelevelsup);
        auto* owner = static_cast<Query*>(list_nth(chain, owner_index));
        CommonTableExpr* cte = nullptr;
        ListCell* lc2;
        foreach (lc2, owner->cteList) {
            auto* c = static_cast<CommonTableExpr*>(lfirst(lc2));
            if (strcmp(c->ctename, rte->ctename) == 0) cte = c;
        }
        if (cte == nullptr) elog(ERROR, "pg_tviews: CTE \"%s\" not found", rte->ctename);
        auto* sub = reinterpret_cast<Query*>(copyObject(cte->ctequery));
        if (rte->ctelevelsup > 0) IncrementVarSublevelsUp(reinterpret_cast<Node*>(sub), rte->ctelevelsup, 1);
        rte->rtekind = RTE_SUBQUERY;
        rte->subquery = sub;
        rte->security_barrier = false;
        rte->ctename = nullptr;
        rte->ctelevelsup = 0;
        rte->self_reference = false;
        rte->coltypes = NIL;
        rte->coltypmods = NIL;
        rte->colcollations = NIL;
    }
    foreach (lc, q->rtable) {
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind == RTE_SUBQUERY && rte->subquery) inline_ctes(rte->subquery, chain);
    }
    InlineCtx ctx{chain};
    query_tree_walker(q, PGTV_WALKER(inline_walker), &ctx, QTW_IGNORE_RANGE_TABLE | QTW_IGNORE_CTE_SUBQUERIES);
    q->cteList = NIL;
}

bool inline_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    if (IsA(node, Query)) {
        inline_ctes(reinterpret_cast<Query*>(node), static_cast<InlineCtx*>(raw)->ancestors);
        return false;
    }
    return expression_tree_walker(node, PGTV_WALKER(inline_walker), raw);
}

}  // namespace

Var* resolve_var(Node* expr, Query* q) {
    while (expr && IsA(expr, RelabelType)) expr = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(expr)->arg);
    if (expr == nullptr || !IsA(expr, Var)) return nullptr;
    auto* var = reinterpret_cast<Var*>(expr);
    if (var->varlevelsup != 0 || var->varattno <= 0) return nullptr;
    RangeTblEntry* rte = rt_fetch(var->varno, q->rtable);
    if (rte->rtekind == RTE_JOIN) {
        if (var->varattno > list_length(rte->joinaliasvars)) return nullptr;
        return resolve_var(static_cast<Node*>(list_nth(rte->joinaliasvars, var->varattno - 1)), q);
    }
    return var;
}

TargetEntry* key_entry(Query* q, int key_index) {
    int position = 0;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (tle->resjunk) continue;
        if (position++ == key_index) return tle;
    }
    elog(ERROR, "pg_tviews: key column position %d not found", key_index);
    pg_unreachable();
}

namespace {

// Rewrites one occurrence for one transition table; returns the SQL, or
// nullptr with loc->fallback set.
// When the changed rows are reached through a correlated EXISTS whose
// condition says changed.c = key (comments: c.fk_post = p.pk_post; a TVIEW
// aggregating another: tp.fk_user = u.pk_user), every affected key is the
// value of c in some changed row: the keys can be read straight from the
// changed rows, no query needed. (A superset at worst, never a miss: the
// equality is a condition every produced row satisfies.)
AttrNumber key_via_link(Query* q, Node* key_expr, const char* enrname) {
    Var* key = resolve_var(key_expr, q);
    if (key == nullptr) return 0;
    ListCell* lc;
    foreach (lc, make_ands_implicit(reinterpret_cast<Expr*>(q->jointree->quals))) {
        auto* node = static_cast<Node*>(lfirst(lc));
        if (!IsA(node, SubLink) || reinterpret_cast<SubLink*>(node)->subLinkType != EXISTS_SUBLINK) continue;
        auto* sub = reinterpret_cast<Query*>(reinterpret_cast<SubLink*>(node)->subselect);
        if (sub->setOperations || sub->jointree == nullptr) continue;
        Index enr_rti = 0;
        Index rti = 0;
        ListCell* rc;
        foreach (rc, sub->rtable) {
            rti++;
            auto* rte = static_cast<RangeTblEntry*>(lfirst(rc));
            if (rte->rtekind == RTE_CTE && rte->ctelevelsup == 0 && strcmp(rte->ctename, enrname) == 0) enr_rti = rti;
        }
        if (enr_rti == 0) continue;
        ListCell* qc;
        foreach (qc, make_ands_implicit(reinterpret_cast<Expr*>(sub->jointree->quals))) {
            auto* c = static_cast<Node*>(lfirst(qc));
            if (!IsA(c, OpExpr) || list_length(reinterpret_cast<OpExpr*>(c)->args) != 2) continue;
            auto* op = reinterpret_cast<OpExpr*>(c);
            if (!is_btree_equality(op->opno)) continue;
            for (int side = 0; side < 2; side++) {
                Node* inner = static_cast<Node*>(list_nth(op->args, side));
                Node* outer = static_cast<Node*>(list_nth(op->args, 1 - side));
                while (inner && IsA(inner, RelabelType)) inner = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(inner)->arg);
                while (outer && IsA(outer, RelabelType)) outer = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(outer)->arg);
                if (!inner || !outer || !IsA(inner, Var) || !IsA(outer, Var)) continue;
                auto* iv = reinterpret_cast<Var*>(inner);
                auto* ov = reinterpret_cast<Var*>(outer);
                if (iv->varlevelsup != 0 || static_cast<Index>(iv->varno) != enr_rti || iv->varattno <= 0) continue;
                if (ov->varlevelsup != 1) continue;
                Var* outer_level0 = static_cast<Var*>(copyObject(ov));
                outer_level0->varlevelsup = 0;
                Var* resolved = resolve_var(reinterpret_cast<Node*>(outer_level0), q);
                if (resolved && resolved->varno == key->varno && resolved->varattno == key->varattno)
                    return iv->varattno;
            }
        }
    }
    return 0;
}

char* key_query_sql(Query* inlined, Oid relid, int occurrence, const char* enrname, int key_index,
                    Locate* loc) {
    auto* q = static_cast<Query*>(copyObject(inlined));
    *loc = Locate{};
    loc->relid = relid;
    loc->target = occurrence;
    loc->enrname = enrname;
    loc->key_index = key_index;
    if (!rewrite_level(q, loc, kModeKey, nullptr))
        elog(ERROR, "pg_tviews: occurrence %d of relation %u not found", occurrence, relid);
    if (loc->fallback) return nullptr;
    TargetEntry* key = key_entry(q, key_index);
    auto* key_expr = reinterpret_cast<Node*>(key->expr);
    if (refs(key_expr, q, nullptr, loc->top_cols, loc->top_col_rtis)) {
        fall_back(loc, "the key is computed from values aggregated over it");
        return nullptr;
    }
    loc->link_attno = key_via_link(q, key_expr, enrname);
    if (loc->link_attno == 0)
        if (Query* sub = key_query_through_sublink(q, key_expr, enrname)) return pg_get_querydef(sub, false);
    q->targetList = list_make1(makeTargetEntry(static_cast<Expr*>(copyObject(key->expr)), 1, pstrdup("k"), false));
    strip_to_rows(q);
    return pg_get_querydef(q, false);
}

}  // namespace

Query* inline_ctes_copy(Query* query) {
    auto* copy = static_cast<Query*>(copyObject(query));
    inline_ctes(copy, NIL);
    return copy;
}

// The key sources of every relation occurrence of the definition. (Long:
// the deparse needs a saved search_path and a CTE-free copy around the
// per-occurrence loop; the loop's steps are the functions above.)
List* build_key_sources(Query* rewritten, const ViewShapeC* shape) {
    int nest = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    auto* inlined = static_cast<Query*>(copyObject(rewritten));
    inline_ctes(inlined, NIL);
    // UNION ALL: each branch is a query of its own with the key at the same
    // position; a change found in one branch finds keys through that branch.
    List* branches = NIL;
    if (inlined->setOperations) {
        ListCell* rc;
        foreach (rc, inlined->rtable) {
            auto* rte = static_cast<RangeTblEntry*>(lfirst(rc));
            if (rte->rtekind == RTE_SUBQUERY && rte->subquery) branches = lappend(branches, rte->subquery);
        }
    } else {
        branches = list_make1(inlined);
    }

    List* sources = NIL;
    ListCell* lc;
    foreach (lc, shape->relations) {
        Oid relid = static_cast<RelationReadC*>(lfirst(lc))->relid;
        int occurrence = 0;
        ListCell* bc;
        foreach (bc, branches) {
            auto* branch = static_cast<Query*>(lfirst(bc));
            TargetEntry* key = key_entry(branch, shape->key_index);
            auto* probe = static_cast<Query*>(copyObject(branch));
            int n = count_occurrences(probe, relid);
            for (int i = 0; i < n; i++) {
                auto* ks = static_cast<KeySourceC*>(palloc0(sizeof(KeySourceC)));
                ks->relid = relid;
                ks->occurrence = occurrence++;
                Locate loc{};
                char* sql_new = key_query_sql(branch, relid, i, "pg_tviews_new", shape->key_index, &loc);
                if (loc.fallback) {
                    ks->mode = kKeyFull;
                    ks->reason = loc.reason;
                } else {
                    Var* var = resolve_var(reinterpret_cast<Node*>(key->expr), branch);
                    // A column read straight from the changed rows must hold
                    // keys as they are (an int4 column for a bigint key, a
                    // varchar one for a text key); other types go through
                    // the key query, which casts like the view does.
                    if (loc.direct_rti != 0 && var != nullptr && static_cast<Index>(var->varno) == loc.direct_rti &&
                        key_column_compatible(shape->key_type, var->vartype)) {
                        ks->mode = kKeyDirect;
                        ks->attno = var->varattno;
                    } else if (loc.link_attno > 0 &&
                               key_column_compatible(shape->key_type, get_atttype(relid, loc.link_attno))) {
                        ks->mode = kKeyDirect;
                        ks->attno = loc.link_attno;
                    } else {
                        ks->mode = kKeyQuery;
                    }
                    ks->sql_new = sql_new;
                    ks->reads = loc.occurrence_reads;
                    ks->reads_known = loc.occurrence_found;
                    ks->sql_old = key_query_sql(branch, relid, i, "pg_tviews_old", shape->key_index, &loc);
                }
                sources = lappend(sources, ks);
            }
        }
    }
    AtEOXact_GUC(true, nest);
    return sources;
}

}  // namespace pg_tviews::pg
