// Analysis of a TVIEW's defining query with PostgreSQL's own parser,
// analyzer and rewriter: refusals, output columns, the base relations read
// (through helper views, subqueries, sublinks and CTEs) and, for every
// occurrence of a base relation, how its changes find the affected keys.
//
// These functions are written in the server's C style (palloc, List, no
// C++ objects) and raise errors with ereport; C++ callers run them inside
// pg_call.
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

// Walker callbacks take (Node*, void*); the server's walkers want bool (*)().
// Casting through void (*)(void) says the conversion is intended.
#define PGTV_WALKER(fn) reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)(void)>(fn))

namespace pg_tviews::pg {

// For walkers that count query levels (a Var belongs to the level its
// varlevelsup names): walks a Query node's parts with *depth one higher.
bool walk_query_level(Query* query, int* depth, bool (*walker)(), void* context);

// How the changes of one occurrence of a base relation find TVIEW keys.
enum KeyMode : int {
    kKeyDirect = 0,  // the key is a column of the relation: read transition rows
    kKeyQuery = 1,   // run a key query over the transition rows
    kKeyFull = 2,    // no key query possible: refresh every key (fallback)
};

struct KeySourceC {
    Oid relid;
    int occurrence;      // ordinal of this occurrence of relid in the query
    int mode;            // KeyMode
    AttrNumber attno;    // kKeyDirect: key column of relid
    char* sql_old;       // kKeyQuery: key query over pg_tviews_old
    char* sql_new;       // kKeyQuery: key query over pg_tviews_new
    const char* reason;  // kKeyFull: why
    // The columns of relid this occurrence reads anywhere in the query
    // (its range table entry's selectedCols: bit = attno -
    // FirstLowInvalidHeapAttributeNumber), when reads_known.
    Bitmapset* reads;
    bool reads_known;
};

struct RelationReadC {
    Oid relid;
    char relkind;
};

struct ViewShapeC {
    List* column_names;  // of String
    List* column_types;  // of Oid (oid list)
    List* column_typmods;  // of int
    int key_index;       // 0-based position of the key column
    Oid key_type;
    Oid key_collation;
    List* relations;     // of RelationReadC*, distinct, base relations to capture
    List* helper_views;  // oid list of views read (watched for invalidation)
};

// Parses `sql` (must be exactly one plain SELECT), analyzes it under the
// current search_path and returns the rewritten query. Errors name `tview`.
Query* parse_tview_select(const char* sql, const char* tview);

// Refusals on the rewritten query (window functions, LIMIT, UNION,
// volatile functions, recursive or data-modifying CTEs, FOR UPDATE, ...).
void check_tview_query(Query* rewritten, const char* tview);

// Output columns, key column and relations read. `self_oid` (the view
// itself, or InvalidOid) is not reported as a relation.
ViewShapeC* describe_tview_query(Query* rewritten, const char* tview,
                                 const char* key_column, Oid self_oid);

// The rewritten query of an existing view (its _RETURN rule, rewritten),
// the view locked in AccessShareLock. The _if_exists form returns NULL when
// the view was dropped by a transaction this one waited for; the other
// raises an error.
Query* rewritten_view_query_if_exists(Oid view_oid);
Query* rewritten_view_query(Oid view_oid);

// What creation, restore and redefinition check on a TVIEW's view: its
// rewritten query, the refusals, and its shape (the view itself is not a
// relation it reads).
ViewShapeC* analyze_tview_view(Oid view_oid, const char* tview, const char* key_column);

// An equality between columns of two relation occurrences anywhere in the
// query (join conditions, correlated subquery conditions, through helper
// views and subqueries): a and b in canonical order ((relid, attno) a < b).
struct JoinLinkC {
    Oid rel_a;
    AttrNumber att_a;
    Oid rel_b;
    AttrNumber att_b;
};

// The distinct equality links of a (rewritten) query.
List* find_join_links(Query* rewritten);

// The column a (level 0) expression is, through RelabelType and join alias
// variables; nullptr when it is no plain column.
Var* resolve_var(Node* expr, Query* q);
// The target entry of the key column (the key_index-th visible column).
TargetEntry* key_entry(Query* q, int key_index);

// Whether an operator is the equality of some btree operator family (how
// equality links are recognised; not by the operator's name).
bool is_btree_equality(Oid opno);

// Key queries keep only the conditions that connect the changed rows to the
// key (key_filters.cpp). drop_filters rewrites the conditions of one level
// of the path: `target_rti` is the changed occurrence or the subquery
// holding it (0 when it is held by a sublink of this level), and
// `foreign_attnos` the columns of that subquery computed from other
// relations (foreign_outputs of the subquery).
void drop_filters(Query* q, Index target_rti, Bitmapset* foreign_attnos);
Bitmapset* foreign_outputs(Query* q, Index target_rti, Bitmapset* foreign_attnos);
// The range table entries of one level a key query needs: the changed side
// (target_rti, or the entries the sublink `held` correlates with), what
// the level above reads (`wanted`), the entries correlated with enclosing
// levels, and every entry on the shortest equality-link paths between
// them. False when something to reach is not linked (then no join is made
// outer).
bool needed_rtis(Query* q, Index target_rti, Bitmapset* foreign_attnos, Node* held, Node* wanted,
                 Bitmapset** out);

// The key query `q` (rewritten for transition rows `enrname`, its key
// `key_expr`) as its EXISTS subquery alone, projecting the subquery's
// column that the correlation equates with the key, or nullptr
// (key_through_sublink.cpp).
Query* key_query_through_sublink(Query* q, Node* key_expr, const char* enrname);

// A copy of the query with every non-recursive CTE inlined as a subquery.
Query* inline_ctes_copy(Query* query);

// One KeySourceC per occurrence of each relation in `shape->relations`.
// Key query texts are deparsed with a pinned search_path, so every name in
// them is schema-qualified.
List* build_key_sources(Query* rewritten, const ViewShapeC* shape);

// Patching (docs/decisions.md): a leaf of the documents that is one column
// of a base relation, placed by nested jsonb_build_object keys (`path`) in
// output column `column`, or that output column itself (path NIL).
// A leaf can also be part of each element of an array built by jsonb_agg
// over a correlated subquery (`array` >= 0, the plan's array number): then
// `path` leads to the array and `element_path` inside each element.
struct PatchLeafC {
    AttrNumber attno;    // the relation's column
    int column;          // 0-based output column
    List* path;          // of String
    int array;           // -1: a scalar leaf
    List* element_path;  // of String
    List* nest;          // arrays inside the elements, outermost first: per array, its path (of String) inside
                         // the element of the one before; the leaf is at element_path in the last one's elements
    List* locator;       // a keyed array (array_elements.cpp): the path (of String) of the key inside each element
};

// An array whose elements patch (array_elements.cpp): the value at `path`
// of output column `column` (or, when `parent` >= 0, of each element of the
// array node `parent`: an array inside an array) is (COALESCE of) a scalar
// subquery `link` returning jsonb_agg(element ORDER BY ...) over its FROM
// and WHERE. `ordered`: the ORDER BY puts the subquery's rows in one order
// (a unique, not null column of a relation whose rows no join multiplies),
// and so does every enclosing array's, so the n-th element is always the
// n-th row. Nodes come parent first (find_array_nodes).
struct ArrayNodeC {
    int column;
    int parent;  // -1: an array of the document itself
    List* path;
    SubLink* link;
    Query* sub;
    Aggref* agg;
    Node* element;
    bool ordered;
};

// The expression under its binary casts (RelabelType).
Node* strip_relabel(Node* expr);
// Whether equality under `collation` (InvalidOid: not collatable) means the
// same image.
bool deterministic_collation(Oid collation);
// The keys (of String) of jsonb_build_object(k1, v1, ...) when they are
// constants and distinct; NIL for anything else.
List* constant_object_keys(Node* expr);
// A column of `relid` that identifies its rows (a primary key, or a unique,
// not null column alone), or 0.
AttrNumber identity_column(Oid relid);
// Calls fn(column, expr) for every output column of `q` but the key
// (0-based column numbers, as shape->column_names counts them).
template <typename Fn>
void for_each_document_column(Query* q, const ViewShapeC* shape, Fn&& fn) {
    int column = 0;
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (tle->resjunk) continue;
        int here = column++;
        if (here != shape->key_index) fn(here, reinterpret_cast<Node*>(tle->expr));
    }
}
// The arrays of the documents of `q` whose elements may patch: values of
// output columns or of (nested) jsonb_build_object, never the key.
List* find_array_nodes(Query* q, const ViewShapeC* shape);
// The same subquery returning array_agg(`value` ORDER BY ...) instead: one
// jsonb per element, in the elements' order.
Node* array_values_link(const ArrayNodeC* node, Node* value);
// Whether column `attno` of `relid` can key the elements of an array: the
// one column of a unique index (valid, immediate, without predicate or
// expression), never null, of a type whose text is its jsonb image's
// (integers, uuid, text, varchar).
bool locator_column(Oid relid, AttrNumber attno);
// A scalar subquery, correlated to nothing, returning the jsonb object
// {key::text: value} over the rows of occurrence `rti` of the array's
// subquery whose `identity` is in $3 (the changed rows): the subquery's
// FROM reduced to that relation, its WHERE to that test.
Node* keyed_map_link(const ArrayNodeC* node, Index rti, Oid relid, AttrNumber identity, AttrNumber key, Node* value);

// How changes to one base relation can patch documents: `leaves` hold
// every column of it that reaches the documents only as leaves; `others`
// (attnos) the columns it reads otherwise. An UPDATE that left `others` as
// they were (as a multiset) changes only leaves: `select_sql` returns (k,
// v1..vn) for every row of the view, the leaf values in `leaves` order.
//
// With array leaves and an identity column (identity_column), the array
// values read only the rows whose identity is in the parameter $2 (an array
// of that column's type, the changed rows; NULL: all), NULL for the others:
// the elements of rows that did not change are not read again.
struct PatchPlanC {
    Oid relid;
    List* leaves;  // of PatchLeafC*
    List* others;  // of int (AttrNumber)
    char* select_sql;
    AttrNumber identity;  // 0: $2 not used
    Oid identity_type;
    // Keyed arrays (their leaves' locator is set): `map_sql` returns one row
    // (a1..am, only the keyed arrays' numbers) of maps read with $3 (the
    // changed rows' identities, never NULL); NULL when there are none.
    char* map_sql;
};

// Whether changes to one column of a base relation patch or recompute.
struct ColumnUseC {
    Oid relid;
    AttrNumber attno;
    bool patch;
    const char* why;  // recompute: the reason
    List* paths;      // patch: the leaves it sets ("data.author.name"), of String
};

// The patch plans of a TVIEW's (rewritten) query; `uses` (when not NULL)
// receives a ColumnUseC* for every column of every base relation the
// query reads.
List* build_patch_plans(Query* rewritten, const ViewShapeC* shape, List** uses);

}  // namespace pg_tviews::pg
