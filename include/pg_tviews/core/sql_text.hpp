// SQL text that the engine generates. Every identifier is quoted and every
// relation schema-qualified; values never appear in the text (they are
// passed as parameters, $1 being the key array).
#pragma once

#include <string>
#include <vector>

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
struct PatchLeaf {
    std::string column;
    std::vector<std::string> path;
};
std::string patch_sql(const RefreshTarget& t, const std::string& select_sql, const std::vector<PatchLeaf>& leaves);
// Any row of the view whose key is NULL (one row, or none).
std::string null_key_sql(const RefreshTarget& t);
// Every key a full refresh recomputes: those of the view and those of the
// table, ascending (the refresh then goes through them in slices).
std::string all_keys_sql(const RefreshTarget& t);

}  // namespace pg_tviews
