// Analysis of a TVIEW's defining query with PostgreSQL's own parser,
// analyzer and rewriter: refusals, output columns, the base relations read
// (through helper views, subqueries, sublinks and CTEs) and, for every
// occurrence of a base relation, how its changes find the affected keys.
//
// These functions are written in the server's C style (palloc, List, no
// C++ objects) and raise errors with ereport; C++ callers run them inside
// pg_call.
#pragma once

#include "pg_tviews/pg/postgres.hpp"

// Walker callbacks take (Node*, void*); the server's walkers want bool (*)().
// Casting through void (*)(void) says the conversion is intended.
#define PGTV_WALKER(fn) reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)(void)>(fn))

namespace pg_tviews::pg {

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

// A copy of the query with every non-recursive CTE inlined as a subquery.
Query* inline_ctes_copy(Query* query);

// One KeySourceC per occurrence of each relation in `shape->relations`.
// Key query texts are deparsed with a pinned search_path, so every name in
// them is schema-qualified.
List* build_key_sources(Query* rewritten, const ViewShapeC* shape);

}  // namespace pg_tviews::pg
