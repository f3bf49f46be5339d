#include "pg_tviews/core/sql_text.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

namespace {

// `text` between two `quote` characters, each one inside doubled.
std::string enclosed(const std::string& text, char quote) {
    std::string out(1, quote);
    for (char c : text) {
        if (c == quote) out += quote;
        out += c;
    }
    out += quote;
    return out;
}

}  // namespace

std::string quote_ident(const std::string& name) { return enclosed(name, '"'); }

std::string qualify(const std::string& schema, const std::string& name) {
    return quote_ident(schema) + "." + quote_ident(name);
}

std::string quote_literal(const std::string& text) { return enclosed(text, '\''); }

std::string text_array_literal(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); i++) {
        if (i) out += ",";
        out += "\"";
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += "\"";
    }
    return out + "}";
}

namespace {

std::string column_list(const std::vector<std::string>& cols, const char* prefix) {
    std::string out;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (i) out += ", ";
        out += prefix;
        out += quote_ident(cols[i]);
    }
    return out;
}

std::string update_set_list(const RefreshTarget& t) {
    std::string out;
    for (const auto& c : t.columns) {
        if (c == t.key_column && !t.key_image_varies) continue;
        if (!out.empty()) out += ", ";
        out += fmt::format("{0} = EXCLUDED.{0}", quote_ident(c));
    }
    return out;
}

// The view's rows for the keys are computed once (materialized), and their
// keys once more on their own (the duplicate check and the delete step read
// only keys: hashing or sorting whole documents there spilled to disk); if
// two rows share a key nothing is written and the statement reports that key,
// so the engine can fail with a clear error instead of keeping one of them.
// Otherwise INSERT ... ON CONFLICT DO UPDATE writes only rows whose binary
// image differs (record_image_ne, the comparison REFRESH MATERIALIZED VIEW
// CONCURRENTLY uses): 1.0 and 1.00 are different images. The statement
// returns (rows written, a duplicated key or NULL, rows inserted, rows
// deleted); an upserted row with xmax 0 was inserted, the others updated.
// What the feed variant returns of a written row `r` of the table.
std::string document_of(const RefreshTarget& t, const char* r) {
    bool has_data = std::find(t.columns.begin(), t.columns.end(), "data") != t.columns.end();
    return has_data ? fmt::format("{}.\"data\"::pg_catalog.jsonb", r) : fmt::format("pg_catalog.to_jsonb({}.*)", r);
}

std::string upsert(const RefreshTarget& t, const std::string& where, const std::string& key_filter,
                   FeedDetail feed) {
    std::string set = update_set_list(t);
    std::string conflict =
        set.empty() ? std::string("DO NOTHING")
                    : fmt::format("DO UPDATE SET {} WHERE t.* OPERATOR(pg_catalog.*<>) EXCLUDED.*", set);
    std::string key = quote_ident(t.key_column);
    bool has_id = std::find(t.columns.begin(), t.columns.end(), "id") != t.columns.end();
    // The feed: what each written row returns, the documents before (the
    // CTE reads the table as the statement's snapshot has it), and the
    // array the statement returns.
    std::string up_extra, del_extra, old_cte, changes;
    if (feed != FeedDetail::kNone) {
        up_extra = fmt::format(", t.{} AS k", key) + (has_id ? ", t.\"id\" AS id" : "");
        del_extra = up_extra;
        if (feed != FeedDetail::kKeys) up_extra += ", " + document_of(t, "t") + " AS doc";
        if (feed == FeedDetail::kPatches)
            old_cte = fmt::format("old AS MATERIALIZED (SELECT t.{key} AS k, {doc} AS doc FROM {tbl} t WHERE {filter}), ",
                                  fmt::arg("key", key), fmt::arg("doc", document_of(t, "t")),
                                  fmt::arg("tbl", qualify(t.schema, t.table)), fmt::arg("filter", key_filter));
        std::string names = fmt::format("'entity', {}::pg_catalog.text, 'table', {}::pg_catalog.text, ",
                                        quote_literal(t.entity), quote_literal(t.schema + "." + t.table));
        std::string up_fields = names + "'op', CASE WHEN up.inserted THEN 'insert' ELSE 'update' END, 'pk', up.k";
        std::string del_fields = names + "'op', 'delete', 'pk', del.k";
        if (has_id) {
            up_fields += ", 'id', up.id";
            del_fields += ", 'id', del.id";
        }
        std::string up_from = "up";
        if (feed != FeedDetail::kKeys) {
            up_fields += ", 'data', up.doc";
            del_fields += ", 'data', NULL::pg_catalog.jsonb";
        }
        if (feed == FeedDetail::kPatches) {
            up_fields += ", 'old', o.doc";
            up_from = "up LEFT JOIN old o ON o.k " + t.key_eq + " up.k";
            del_fields += ", 'old', (SELECT o.doc FROM old o WHERE o.k " + t.key_eq + " del.k)";
        }
        changes = fmt::format(
            ", (SELECT pg_catalog.jsonb_agg(c.change) FROM (SELECT pg_catalog.jsonb_build_object({}) AS change FROM {} "
            "UNION ALL SELECT pg_catalog.jsonb_build_object({}) FROM del) c)",
            up_fields, up_from, del_fields);
    }
    return fmt::format(
        "WITH src AS MATERIALIZED (SELECT {vcols} FROM {view} v{where}), "
        "keys AS MATERIALIZED (SELECT s.{key} FROM src s), "
        "dup AS (SELECT k.{key} FROM keys k GROUP BY k.{key} HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1 "
        "LIMIT 1), {old_cte}"
        "del AS (DELETE FROM {tbl} t WHERE {key_filter} AND NOT EXISTS (SELECT FROM keys k WHERE k.{key} "
        "{eq} t.{key}) AND NOT EXISTS (SELECT FROM dup) RETURNING 1 AS deleted{del_extra}), "
        "up AS (INSERT INTO {tbl} AS t ({cols}) SELECT {scols} FROM src s WHERE NOT EXISTS (SELECT FROM dup) "
        "ON CONFLICT ({key}) {conflict} RETURNING t.xmax OPERATOR(pg_catalog.=) '0'::pg_catalog.xid AS inserted"
        "{up_extra}) "
        "SELECT (SELECT pg_catalog.count(*) FROM up) OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM del), "
        "(SELECT d.{key}::pg_catalog.text FROM dup d), (SELECT pg_catalog.count(*) FROM up WHERE up.inserted), "
        "(SELECT pg_catalog.count(*) FROM del){changes}",
        fmt::arg("tbl", qualify(t.schema, t.table)), fmt::arg("cols", column_list(t.columns, "")),
        fmt::arg("vcols", column_list(t.columns, "v.")), fmt::arg("scols", column_list(t.columns, "s.")),
        fmt::arg("view", qualify(t.schema, t.view)), fmt::arg("where", where), fmt::arg("key_filter", key_filter),
        fmt::arg("key", key), fmt::arg("eq", t.key_eq), fmt::arg("conflict", conflict), fmt::arg("old_cte", old_cte),
        fmt::arg("del_extra", del_extra), fmt::arg("up_extra", up_extra), fmt::arg("changes", changes));
}

}  // namespace

std::string probe_rows_sql(const RefreshTarget& t) {
    return fmt::format("SELECT v::pg_catalog.text FROM {view} v WHERE v.{key} {eq} ANY ($1) ORDER BY v.{key}",
                       fmt::arg("view", qualify(t.schema, t.view)), fmt::arg("key", quote_ident(t.key_column)),
                       fmt::arg("eq", t.key_eq));
}

std::string probe_rows_all_sql(const RefreshTarget& t) {
    return fmt::format("SELECT v::pg_catalog.text FROM {view} v ORDER BY v.{key}",
                       fmt::arg("view", qualify(t.schema, t.view)), fmt::arg("key", quote_ident(t.key_column)));
}

std::string upsert_changed_sql(const RefreshTarget& t, FeedDetail feed) {
    return upsert(t, fmt::format(" WHERE v.{} {} ANY ($1)", quote_ident(t.key_column), t.key_eq),
                  fmt::format("t.{} {} ANY ($1)", quote_ident(t.key_column), t.key_eq), feed);
}

std::string upsert_one_sql(const RefreshTarget& t, FeedDetail feed) {
    return upsert(t, fmt::format(" WHERE v.{} {} $1", quote_ident(t.key_column), t.key_eq),
                  fmt::format("t.{} {} $1", quote_ident(t.key_column), t.key_eq), feed);
}

std::string all_keys_sql(const RefreshTarget& t) {
    return fmt::format(
        "SELECT u.k FROM (SELECT v.{key}::{type} AS k FROM {view} v UNION "
        "SELECT t.{key}::{type} FROM {tbl} t) u WHERE u.k IS NOT NULL ORDER BY 1",
        fmt::arg("key", quote_ident(t.key_column)), fmt::arg("type", t.key_type), fmt::arg("view", qualify(t.schema, t.view)),
        fmt::arg("tbl", qualify(t.schema, t.table)));
}

namespace {

// A JSON string (the patch specification's paths).
std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\')
            out += std::string("\\") + c;
        else if (u < 0x20)
            out += fmt::format("\\u{:04x}", u);
        else
            out += c;
    }
    return out + "\"";
}

std::string json_path(const std::vector<std::string>& path) {
    std::string out = "[";
    for (std::size_t i = 0; i < path.size(); i++) out += (i ? "," : "") + json_string(path[i]);
    return out + "]";
}

// The scalar leaves' part of a patch: per column (in the order leaves name
// them) its new value, and the old and new leaf images compared; `from`
// names the relation with the values (s or n). Columns in `skip` are
// patched by the patch function instead.
struct ScalarPart {
    std::vector<std::string> order;
    std::map<std::string, std::string> value;
    std::vector<std::string> old_images, new_images;
};

std::string json_value(const std::string& v) {
    return fmt::format("COALESCE(pg_catalog.to_jsonb({}), 'null'::pg_catalog.jsonb)", v);
}

ScalarPart scalar_part(const std::vector<PatchLeaf>& leaves, const std::string& from,
                       const std::map<std::string, int>& skip) {
    ScalarPart part;
    std::size_t value_no = 0;
    for (const PatchLeaf& leaf : leaves) {
        if (leaf.array >= 0) continue;
        std::string v = fmt::format("{}.v{}", from, ++value_no);
        if (skip.count(leaf.column)) continue;
        std::string col = quote_ident(leaf.column);
        if (!part.value.count(leaf.column)) {
            part.order.push_back(leaf.column);
            part.value[leaf.column] = "t." + col;
        }
        if (leaf.path.empty()) {
            part.value[leaf.column] = v;
            part.old_images.push_back("t." + col);
            part.new_images.push_back(v);
        } else {
            std::string path = quote_literal(text_array_literal(leaf.path)) + "::pg_catalog.text[]";
            part.value[leaf.column] =
                fmt::format("pg_catalog.jsonb_set({}, {}, {})", part.value[leaf.column], path, json_value(v));
            part.old_images.push_back(fmt::format("t.{} OPERATOR(pg_catalog.#>) {}", col, path));
            part.new_images.push_back(json_value(v));
        }
    }
    return part;
}

std::string images_differ(const ScalarPart& part) {
    std::string old_row, new_row;
    for (std::size_t i = 0; i < part.old_images.size(); i++) {
        old_row += (i ? ", " : "") + part.old_images[i];
        new_row += (i ? ", " : "") + part.new_images[i];
    }
    return fmt::format("ROW({})::pg_catalog.text IS DISTINCT FROM ROW({})::pg_catalog.text", old_row, new_row);
}

std::string set_list(const ScalarPart& part) {
    std::string set;
    for (const auto& c : part.order) set += (set.empty() ? "" : ", ") + quote_ident(c) + " = " + part.value.at(c);
    return set;
}

// One call of the patch function per column holding array leaves: its
// specification (scalar leaves with a path, then arrays) and arguments.
struct DocCall {
    std::string column;
    std::string spec;
    std::string args;
};

// The specification of an array at `path` whose elements hold `leaves`
// (all in this array, `depth` nested arrays down): {"a": path, "l": [...]}
// with the leaves of this level, then one such object per array nested in
// the elements, in the order the leaves first name them.
std::string element_spec(const std::vector<std::string>& path, const std::vector<const PatchLeaf*>& leaves,
                         std::size_t depth) {
    std::string entries;
    std::vector<std::vector<std::string>> nested;
    for (const PatchLeaf* leaf : leaves) {
        if (leaf->nest.size() == depth)
            entries += (entries.empty() ? "" : ",") + json_path(leaf->element_path);
        else if (std::find(nested.begin(), nested.end(), leaf->nest[depth]) == nested.end())
            nested.push_back(leaf->nest[depth]);
    }
    for (const auto& inner : nested) {
        std::vector<const PatchLeaf*> below;
        for (const PatchLeaf* leaf : leaves)
            if (leaf->nest.size() > depth && leaf->nest[depth] == inner) below.push_back(leaf);
        entries += (entries.empty() ? "" : ",") + element_spec(inner, below, depth + 1);
    }
    std::string key = depth == 0 && !leaves.empty() && !leaves.front()->locator.empty()
                          ? ",\"k\":" + json_path(leaves.front()->locator)
                          : "";
    return "{\"a\":" + json_path(path) + key + ",\"l\":[" + entries + "]}";
}

std::vector<DocCall> doc_calls(const std::vector<PatchLeaf>& leaves, std::map<std::string, int>& index) {
    std::vector<DocCall> calls;
    for (const PatchLeaf& leaf : leaves)
        if (leaf.array >= 0 && !index.count(leaf.column)) {
            index[leaf.column] = static_cast<int>(calls.size());
            calls.push_back({leaf.column, "", ""});
        }
    auto add = [&](DocCall& c, const std::string& item, const std::string& arg) {
        c.spec += (c.spec.empty() ? "" : ",") + item;
        c.args += ", " + arg;
    };
    std::size_t value_no = 0;
    for (const PatchLeaf& leaf : leaves) {
        if (leaf.array >= 0) continue;
        ++value_no;
        auto at = index.find(leaf.column);
        if (at == index.end()) continue;
        if (leaf.path.empty()) continue;  // a column that is a leaf holds no array
        add(calls[at->second], "{\"p\":" + json_path(leaf.path) + "}", json_value(fmt::format("s.v{}", value_no)));
    }
    int arrays = 0;
    for (const PatchLeaf& leaf : leaves) arrays = std::max(arrays, leaf.array + 1);
    for (int j = 0; j < arrays; j++) {
        std::vector<const PatchLeaf*> in_array;
        for (const PatchLeaf& leaf : leaves)
            if (leaf.array == j) in_array.push_back(&leaf);
        add(calls[index.at(in_array.front()->column)], element_spec(in_array.front()->path, in_array, 0),
            fmt::format("{}.a{}", in_array.front()->locator.empty() ? "s" : "m", j + 1));
    }
    return calls;
}

// A patch with array leaves: the new documents are made first (n), then
// written where anything changed (found again by their tuple id: the key
// locks keep every other maintainer away, and the guard triggers every
// other writer); those that do not fit are returned.
std::string patch_with_arrays(const RefreshTarget& t, const std::string& select_sql, const std::vector<PatchLeaf>& leaves,
                              const std::string& patch_function, const std::string& map_sql) {
    std::map<std::string, int> index;
    std::vector<DocCall> calls = doc_calls(leaves, index);
    ScalarPart part = scalar_part(leaves, "n", index);
    std::string key = quote_ident(t.key_column);
    std::string tbl = qualify(t.schema, t.table);
    std::string values = "t.ctid AS tid, s.k";
    std::size_t scalars = 0;
    for (const PatchLeaf& leaf : leaves)
        if (leaf.array < 0) values += fmt::format(", s.v{}", ++scalars);
    std::string laterals, fits, changed;
    std::string set = set_list(part);
    for (std::size_t i = 0; i < calls.size(); i++) {
        const DocCall& c = calls[i];
        std::string col = quote_ident(c.column);
        values += fmt::format(", p{0}.fits AS f{0}, p{0}.doc AS d{0}", i + 1);
        laterals += fmt::format(" CROSS JOIN LATERAL {}(t.{}, {}::pg_catalog.jsonb{}) p{}", patch_function, col,
                                quote_literal("[" + c.spec + "]"), c.args, i + 1);
        fits += fmt::format("{}n.f{}", i ? " AND " : "", i + 1);
        changed += fmt::format("{}n.d{} IS NOT NULL", i ? " OR " : "", i + 1);
        set += fmt::format("{}{} = COALESCE(n.d{}, t.{})", set.empty() ? "" : ", ", col, i + 1, col);
    }
    if (!part.old_images.empty()) changed += " OR " + images_differ(part);
    return fmt::format(
        "WITH s AS MATERIALIZED (SELECT q.* FROM ({select}) q WHERE q.k {eq} ANY ($1)), {map}"
        "n AS MATERIALIZED (SELECT {values} FROM s JOIN {tbl} t ON t.{key} {eq} s.k{maps}{laterals}), "
        "up AS (UPDATE {tbl} AS t SET {set} FROM n WHERE t.ctid OPERATOR(pg_catalog.=) n.tid AND {fits} AND ({changed}) "
        "RETURNING 1) "
        "SELECT f.k, c.n FROM (SELECT pg_catalog.count(*) AS n FROM up) c "
        "LEFT JOIN (SELECT n.k FROM n WHERE NOT ({fits})) f ON true",
        fmt::arg("select", select_sql), fmt::arg("eq", t.key_eq), fmt::arg("values", values), fmt::arg("tbl", tbl),
        fmt::arg("key", key), fmt::arg("laterals", laterals), fmt::arg("set", set), fmt::arg("fits", fits),
        fmt::arg("changed", changed),
        fmt::arg("map", map_sql.empty() ? "" : "m AS MATERIALIZED (" + map_sql + "), "),
        fmt::arg("maps", map_sql.empty() ? "" : " CROSS JOIN m"));
}

}  // namespace

std::string patch_sql(const RefreshTarget& t, const std::string& select_sql, const std::vector<PatchLeaf>& leaves,
                      const std::string& patch_function, const std::string& map_sql) {
    bool arrays = std::any_of(leaves.begin(), leaves.end(), [](const PatchLeaf& l) { return l.array >= 0; });
    if (arrays) return patch_with_arrays(t, select_sql, leaves, patch_function, map_sql);
    ScalarPart part = scalar_part(leaves, "s", {});
    return fmt::format(
        "WITH s AS MATERIALIZED (SELECT q.* FROM ({select}) q WHERE q.k {eq} ANY ($1)), "
        "up AS (UPDATE {tbl} AS t SET {set} FROM s WHERE t.{key} {eq} s.k "
        "AND {differ} RETURNING 1) "
        "SELECT pg_catalog.count(*) FROM up",
        fmt::arg("select", select_sql), fmt::arg("eq", t.key_eq), fmt::arg("tbl", qualify(t.schema, t.table)),
        fmt::arg("set", set_list(part)), fmt::arg("key", quote_ident(t.key_column)), fmt::arg("differ", images_differ(part)));
}

std::string null_key_sql(const RefreshTarget& t) {
    return fmt::format("SELECT 1 FROM {view} v WHERE v.{key} IS NULL LIMIT 1",
                       fmt::arg("view", qualify(t.schema, t.view)), fmt::arg("key", quote_ident(t.key_column)));
}

}  // namespace pg_tviews
