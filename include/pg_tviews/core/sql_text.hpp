// Every SQL text the engine runs is built here, under one rule (as
// postgres_fdw's deparse.c):
//   * identifiers are quoted (quote_ident) and relations schema-qualified;
//     callers pass names already qualified (qualify, relation_sql_name);
//   * operators and functions are qualified (OPERATOR(pg_catalog.=),
//     pg_catalog.count), casts name pg_catalog types;
//   * values are parameters ($1, $2 ... with their types), never text in
//     the statement; only DDL, which takes no parameters, carries literals,
//     and those go through quote_literal;
//   * statements are run with search_path = pg_catalog, pg_temp (Spi).
// The PostgreSQL layer composes no SQL of its own: it calls these functions.
#pragma once

#include <string>
#include <vector>

#include "pg_tviews/core/column_change.hpp"

namespace pg_tviews {

// "name" with embedded quotes doubled. Always quotes: safe for any name.
std::string quote_ident(const std::string& name);
// "schema"."name"
std::string qualify(const std::string& schema, const std::string& name);
// 'text' with embedded quotes doubled (for literals in DDL only).
std::string quote_literal(const std::string& text);

// The text of a text[] value ({"a","b\"c"}), every element quoted.
std::string text_array_literal(const std::vector<std::string>& items);

struct RefreshTarget {
    std::string schema;
    std::string table;                 // tv_<e>
    std::string view;                  // v_<e>
    std::string key_column;            // pk_<e>
    std::vector<std::string> columns;  // every column of the table, in order
    std::string entity;                // the registry's entity (the change feed names it)
    // The type the key parameters have ($1 is an array of it, or one value)
    // and the equality operator between the key column and it, both
    // schema-qualified. Integer keys of every width travel as int8.
    std::string key_type = "pg_catalog.int8";
    std::string key_eq = "OPERATOR(pg_catalog.=)";
    // Whether equal keys can differ in image (numeric 1.0 = 1.00, a
    // case-insensitive collation): then a rewritten row takes the view's
    // key image too, so that the table never keeps an old spelling.
    bool key_image_varies = false;
};

// The view's rows for the keys as (whole row text), in key order: compared
// between two snapshots to detect a concurrent change (REPEATABLE READ).
std::string probe_rows_sql(const RefreshTarget& t);
std::string probe_rows_all_sql(const RefreshTarget& t);
// One statement per refresh step: delete the keys of the set that the view
// no longer produces, insert or update the rows it produces, skipping rows
// whose stored image is identical (no new tuple, no WAL, no cascade).
// Returns one row: (rows written bigint, a key produced twice as text or NULL);
// when a key is produced twice nothing is written.
//
// With a change feed detail (pg_tviews.change_feed), the row has a fifth
// column: a jsonb array with one object per row written, {"entity",
// "table" (schema.table), "op": "insert" | "update" | "delete", "pk": key,
// "id": the id column (when the table has one)}, plus "data" (documents,
// patches: the new document, NULL for a delete) and "old" (patches: the
// document before, NULL for an insert). The document is the data column
// when the table has one, else the whole row.
enum class FeedDetail { kNone = 0, kKeys = 1, kDocuments = 2, kPatches = 3 };
std::string upsert_changed_sql(const RefreshTarget& t, FeedDetail feed = FeedDetail::kNone);
// The same for one key ($1 of the key type): its generic plan is estimated for one
// row (an array parameter is estimated at ten), so it looks the key up
// through indexes where the array plan may hash whole tables.
std::string upsert_one_sql(const RefreshTarget& t, FeedDetail feed = FeedDetail::kNone);
// A patch: the documents of the keys $1 get only their leaves that come
// from one base relation set again, from `select_sql`, which returns (k,
// v1, ..., vn) for every row of the view (the view's FROM and WHERE; its
// key and the n leaf values). Leaf i sets s.v<i+1> into output column
// `column`: at `path` inside it (a jsonb column: COALESCE(to_jsonb(v),
// 'null'), what jsonb_build_object stores), or the whole column when the
// path is empty. Rows whose leaves already print as the new values (the
// text of the leaves as one record: exact where = is not, 1.0 vs 1.00) are
// not written. Returns one row: (rows written bigint).
//
// Leaves inside array elements (`array` >= 0: the index of the array, whose
// path is `path`; `element_path` inside each element) come from s.a<j+1>
// after the scalar leaves' values: a jsonb[] with one entry per element in
// the array's order (the leaf, or a jsonb array of the leaves of that
// array). A leaf in an array nested in the elements (`nest`: the path of
// each nested array inside the element of the one before, outermost
// first) is one of those entries too: per element, after its own leaves,
// one jsonb array per nested array (in the order the leaves first name
// them) of that array's elements, read the same way.
// An array whose elements are found by a key inside them (`locator`: its
// path inside each element, not empty; the same for every leaf of that
// array) gets its values from m.a<j+1> instead, one row computed once per
// statement by `map_sql`: a jsonb object from the text of each changed
// row's key to the element's leaves (the leaf, or a jsonb array of them);
// elements whose key it does not name are left as they are.
// A jsonb column holding such leaves is patched by
// `patch_function` (pg_tviews_patch_doc, qualified), which also says when
// a stored document does not have the shape the values describe. Then the
// statement returns (key, rows written): one row per document to recompute
// instead (key NULL in a single row when there is none).
// The most arrays one inside the elements of the other that patching
// follows (deeper ones recompute); pg_tviews_patch_doc refuses deeper specs.
constexpr int kMostNestedArrays = 16;
struct PatchLeaf {
    std::string column;
    std::vector<std::string> path;
    int array = -1;
    std::vector<std::string> element_path;
    std::vector<std::vector<std::string>> nest;
    std::vector<std::string> locator;
};
std::string patch_sql(const RefreshTarget& t, const std::string& select_sql, const std::vector<PatchLeaf>& leaves,
                      const std::string& patch_function = "", const std::string& map_sql = "");
// Any row of the view whose key is NULL (one row, or none).
std::string null_key_sql(const RefreshTarget& t);
// Every key a full refresh recomputes: those of the view and those of the
// table, ascending (the refresh then goes through them in slices).
std::string all_keys_sql(const RefreshTarget& t);

// ---- DDL on TVIEW tables, views and base tables (sql_text_ddl.cpp) ----

enum class LockMode { kAccessShare, kShareRowExclusive, kExclusive };
std::string lock_table_sql(const std::string& relation, LockMode mode);
std::string drop_table_sql(const std::string& relation);
std::string drop_view_sql(const std::string& relation);
std::string drop_trigger_sql(const std::string& trigger, const std::string& relation);
// ALTER TABLE relation ENABLE [ALWAYS] TRIGGER trigger
std::string enable_trigger_sql(const std::string& relation, const std::string& trigger, bool always);
// CREATE TRIGGER trigger {BEFORE|AFTER} events ON relation [transition]
// FOR EACH {STATEMENT|ROW} EXECUTE FUNCTION function() -- `events` and
// `transition` are keywords chosen by the caller (INSERT OR UPDATE,
// REFERENCING NEW TABLE AS pg_tviews_new), `function` qualified.
std::string create_trigger_sql(const std::string& trigger, bool before, const std::string& events,
                               const std::string& relation, const std::string& transition, bool for_each_row,
                               const std::string& function);
// CREATE [OR REPLACE] VIEW view AS select (the caller's definition).
std::string create_view_sql(const std::string& view, const std::string& select_sql, bool or_replace);
std::string alter_view_owner_sql(const std::string& view, const std::string& role);
std::string create_table_like_sql(const std::string& table, const std::string& like);
std::string insert_all_sql(const std::string& table, const std::string& from);
std::string add_primary_key_sql(const std::string& table, const std::string& column);
std::string create_index_sql(const std::string& index, const std::string& table, const std::string& column);
// The storage of a TVIEW table: TOAST threshold, fillfactor, and lz4 for
// the listed (jsonb) columns.
std::string document_storage_sql(const std::string& table);
std::string compress_columns_sql(const std::string& table, const std::vector<std::string>& columns);
// ALTER TABLE table DROP COLUMN ..., ALTER COLUMN ... TYPE ... USING NULL,
// ADD COLUMN ... (a redefinition; retyped columns are emptied, the rebuild
// at commit fills them).
std::string alter_columns_sql(const std::string& table, const ColumnChange& change);

// ---- catalog queries ($1 a relation's oid) (sql_text_ddl.cpp) ----

// (tgname, tgenabled) of the relation's triggers named in $2 (text[]).
std::string triggers_named_sql();
// (tgname, tgenabled) of the relation's triggers whose name starts with `prefix`.
std::string triggers_prefixed_sql(const std::string& prefix);
// Whether pg_depend records that relation $1 depends on extension $2.
std::string extension_dependency_sql();
// The variable-length, compressible columns of relation $1, in order.
std::string compressible_columns_sql();
// (constraint or trigger name, relation name) of a deferrable trigger on
// any of the relations $1 (oid[] text), at most one.
std::string deferrable_trigger_sql();
// The partitions (any level) of partitioned table $1 without trigger $2.
std::string partitions_without_trigger_sql();
// The GRANT statements that give relation `$2` (its qualified name) the
// privileges others than its owner hold on relation $1.
std::string grants_sql();
// (tableoid, ctid) of the rows of `relation` whose `column` equals $1: an
// integer column as int8, others by `eq_operator` (qualified_operator).
std::string rows_by_key_sql(const std::string& relation, const std::string& column, bool integer,
                            const std::string& eq_operator);
// OPERATOR(schema.name); `schema` as the server's quote_identifier prints
// it (quoted where needed: keywords, capitals).
std::string qualified_operator(const std::string& quoted_schema, const std::string& name);
// (objid, original) of the relations the current DDL command dropped.
std::string dropped_relations_sql();
// How many rows of `table` have a NULL `column`.
std::string null_count_sql(const std::string& table, const std::string& column);

// ---- the extension's metadata tables (sql_text_metadata.cpp) ----
// `registry` is the qualified name of the registry table (pg_tviews_registry;
// pg_tview_meta in a 0.1.0 schema), `settings` of pg_tviews_settings.

// Statements over the registry (`registry`, its qualified name):
enum class RegistrySql {
    kList,          // every row: (table_oid, view_oid, entity, dependencies as oid[] text), by table_oid
    kOrphans,       // the same for the rows of entity $1 whose table no longer exists
    kView,          // the view of table $1 (no row when it is not registered)
    kDependencies,  // the dependencies (oid[] text) of table $1
    kReads,         // a row when any TVIEW's dependencies hold relation $1
    kInsert,        // ($1 entity, $2 table, $3 view, $4 definition, $5 dependencies as
                    // oid[] text, $6 fk columns, $7 uuid fk columns as text[] text)
    kDelete,        // table $1's row
    kUpdateView,    // table $1's view is $2 now, with fk columns $3, uuid fk columns $4
};
std::string registry_sql(RegistrySql statement, const std::string& registry);
// Table $1 reads the relations $2 (oid[] text) now; with `definition`,
// its definition becomes what PostgreSQL stores for its view. Returns one
// row: whether dependencies and definition stayed the same ('true').
std::string registry_update_reads_sql(const std::string& registry, bool definition);
// The definition PostgreSQL stores for view $1, as a TVIEW records it.
std::string stored_definition_sql();
// Setting $1 (one row, or none); set $1 to $2; back to its default.
std::string setting_get_sql(const std::string& settings);
std::string setting_put_sql(const std::string& settings);
std::string setting_delete_sql(const std::string& settings);
// One metrics row: $1 application_name, $2 transaction_id, $3 role,
// $4 queue_size, $5 tviews, $6 timing_ms, $7 graph_cache_hit,
// $8 bulk_refresh_count, $9 rows_written, $10 entities (text[] text).
std::string metrics_insert_sql(const std::string& metrics);

}  // namespace pg_tviews
