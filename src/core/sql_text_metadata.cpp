// Statements over the extension's metadata tables (the rule is in
// sql_text.hpp). The registry's table_oid and view_oid are regclass,
// dependencies regclass[]: compared and returned as oid.
#include <fmt/format.h>

#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

namespace {
// The row of table $1.
constexpr const char* kTableIs = "table_oid::pg_catalog.oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid";

// The definition the registry records for the view `view_oid_sql` names:
// PostgreSQL's text, without the trailing ';' and newline.
std::string stored_definition_of(const std::string& view_oid_sql) {
    return fmt::format("pg_catalog.btrim(pg_catalog.pg_get_viewdef({}), ' ;' OPERATOR(pg_catalog.||) pg_catalog.chr(10))",
                       view_oid_sql);
}
}  // namespace

std::string registry_sql(RegistrySql statement, const std::string& registry) {
    // {0} the registry, {1} the condition "the row of table $1".
    static const char* const kText[] = {
        // kList
        "SELECT table_oid::pg_catalog.oid, view_oid::pg_catalog.oid, entity, "
        "dependencies::pg_catalog.oid[]::pg_catalog.text FROM {0} ORDER BY 1",
        // kOrphans
        "SELECT r.table_oid::pg_catalog.oid, r.view_oid::pg_catalog.oid, r.entity, "
        "r.dependencies::pg_catalog.oid[]::pg_catalog.text FROM {0} r "
        "WHERE r.entity OPERATOR(pg_catalog.=) $1::pg_catalog.text AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c "
        "WHERE c.oid OPERATOR(pg_catalog.=) r.table_oid::pg_catalog.oid)",
        // kView
        "SELECT view_oid::pg_catalog.oid FROM {0} WHERE {1}",
        // kDependencies
        "SELECT dependencies::pg_catalog.oid[]::pg_catalog.text FROM {0} WHERE {1}",
        // kReads
        "SELECT 1 FROM {0} WHERE $1::pg_catalog.oid OPERATOR(pg_catalog.=) ANY (dependencies::pg_catalog.oid[])",
        // kInsert
        "INSERT INTO {0} (entity, table_oid, view_oid, definition, dependencies, fk_columns, uuid_fk_columns) "
        "VALUES ($1::pg_catalog.text, $2::pg_catalog.oid::pg_catalog.regclass, "
        "$3::pg_catalog.oid::pg_catalog.regclass, $4::pg_catalog.text, "
        "$5::pg_catalog.text::pg_catalog.oid[]::pg_catalog.regclass[], "
        "$6::pg_catalog.text::pg_catalog.text[], $7::pg_catalog.text::pg_catalog.text[])",
        // kDelete
        "DELETE FROM {0} WHERE {1}",
        // kUpdateView
        "UPDATE {0} SET view_oid = $2::pg_catalog.oid::pg_catalog.regclass, "
        "fk_columns = $3::pg_catalog.text::pg_catalog.text[], "
        "uuid_fk_columns = $4::pg_catalog.text::pg_catalog.text[] WHERE {1}",
    };
    return fmt::format(kText[static_cast<int>(statement)], registry, kTableIs);
}

std::string stored_definition_sql() { return "SELECT " + stored_definition_of("$1::pg_catalog.oid"); }

std::string registry_update_reads_sql(const std::string& registry, bool definition) {
    return fmt::format(
        "WITH old AS (SELECT dependencies, definition FROM {0} WHERE {2}) "
        "UPDATE {0} r SET dependencies = $2::pg_catalog.text::pg_catalog.oid[]::pg_catalog.regclass[]{1} FROM old "
        "WHERE r.{2} "
        "RETURNING (r.dependencies::pg_catalog.oid[] OPERATOR(pg_catalog.@>) old.dependencies::pg_catalog.oid[] "
        "AND r.dependencies::pg_catalog.oid[] OPERATOR(pg_catalog.<@) old.dependencies::pg_catalog.oid[] "
        "AND r.definition OPERATOR(pg_catalog.=) old.definition)::pg_catalog.text",
        registry,
        definition ? ", definition = " + stored_definition_of("r.view_oid::pg_catalog.oid") : std::string(),
        kTableIs);
}

std::string setting_get_sql(const std::string& settings) {
    return fmt::format("SELECT value FROM {} WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text", settings);
}

std::string setting_put_sql(const std::string& settings) {
    return fmt::format("INSERT INTO {} (name, value) VALUES ($1::pg_catalog.text, $2::pg_catalog.text) "
                       "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                       settings);
}

std::string setting_delete_sql(const std::string& settings) {
    return fmt::format("DELETE FROM {} WHERE name OPERATOR(pg_catalog.=) $1::pg_catalog.text", settings);
}

std::string metrics_insert_sql(const std::string& metrics) {
    return fmt::format("INSERT INTO {} (application_name, transaction_id, role, queue_size, tviews, timing_ms, "
                       "graph_cache_hit, bulk_refresh_count, rows_written, entities) VALUES ($1, $2, $3, $4, $5, "
                       "$6, $7, $8, $9, $10::pg_catalog.text::pg_catalog.text[])",
                       metrics);
}

}  // namespace pg_tviews
