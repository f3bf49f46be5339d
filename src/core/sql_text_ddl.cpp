// DDL and catalog queries (the rule is in sql_text.hpp).
#include <fmt/format.h>

#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

std::string lock_table_sql(const std::string& relation, LockMode mode) {
    const char* name = mode == LockMode::kAccessShare       ? "ACCESS SHARE"
                       : mode == LockMode::kShareRowExclusive ? "SHARE ROW EXCLUSIVE"
                                                              : "EXCLUSIVE";
    return fmt::format("LOCK TABLE {} IN {} MODE", relation, name);
}

std::string drop_table_sql(const std::string& relation) { return fmt::format("DROP TABLE {}", relation); }

std::string drop_view_sql(const std::string& relation) { return fmt::format("DROP VIEW {}", relation); }

std::string drop_trigger_sql(const std::string& trigger, const std::string& relation) {
    return fmt::format("DROP TRIGGER {} ON {}", quote_ident(trigger), relation);
}

std::string enable_trigger_sql(const std::string& relation, const std::string& trigger, bool always) {
    return fmt::format("ALTER TABLE {} ENABLE {}TRIGGER {}", relation, always ? "ALWAYS " : "", quote_ident(trigger));
}

std::string create_trigger_sql(const std::string& trigger, bool before, const std::string& events,
                               const std::string& relation, const std::string& transition, bool for_each_row,
                               const std::string& function) {
    return fmt::format("CREATE TRIGGER {} {} {} ON {}{}{} FOR EACH {} EXECUTE FUNCTION {}()", quote_ident(trigger),
                       before ? "BEFORE" : "AFTER", events, relation, transition.empty() ? "" : " ", transition,
                       for_each_row ? "ROW" : "STATEMENT", function);
}

std::string create_view_sql(const std::string& view, const std::string& select_sql, bool or_replace) {
    return fmt::format("CREATE {}VIEW {} AS {}", or_replace ? "OR REPLACE " : "", view, select_sql);
}

std::string alter_view_owner_sql(const std::string& view, const std::string& role) {
    return fmt::format("ALTER VIEW {} OWNER TO {}", view, quote_ident(role));
}

std::string create_table_like_sql(const std::string& table, const std::string& like) {
    return fmt::format("CREATE TABLE {} (LIKE {})", table, like);
}

std::string insert_all_sql(const std::string& table, const std::string& from) {
    return fmt::format("INSERT INTO {} SELECT * FROM {}", table, from);
}

std::string add_primary_key_sql(const std::string& table, const std::string& column) {
    return fmt::format("ALTER TABLE {} ADD PRIMARY KEY ({})", table, quote_ident(column));
}

std::string create_index_sql(const std::string& index, const std::string& table, const std::string& column) {
    return fmt::format("CREATE INDEX {} ON {} ({})", quote_ident(index), table, quote_ident(column));
}

std::string document_storage_sql(const std::string& table) {
    return fmt::format("ALTER TABLE {} SET (toast_tuple_target = 8160, fillfactor = 90)", table);
}

std::string compress_columns_sql(const std::string& table, const std::vector<std::string>& columns) {
    std::string cmds;
    for (const auto& c : columns) cmds += fmt::format("{}ALTER COLUMN {} SET COMPRESSION lz4", cmds.empty() ? "" : ", ", quote_ident(c));
    return fmt::format("ALTER TABLE {} {}", table, cmds);
}

std::string alter_columns_sql(const std::string& table, const ColumnChange& change) {
    std::string cmds;
    auto add = [&](const std::string& c) { cmds += (cmds.empty() ? "" : ", ") + c; };
    for (const auto& c : change.dropped) add(fmt::format("DROP COLUMN {}", quote_ident(c)));
    for (const auto& c : change.retyped)
        add(fmt::format("ALTER COLUMN {0} TYPE {1} USING NULL::{1}", quote_ident(c.name), c.type));
    for (const auto& c : change.added) add(fmt::format("ADD COLUMN {} {}", quote_ident(c.name), c.type));
    return fmt::format("ALTER TABLE {} {}", table, cmds);
}

std::string triggers_named_sql() {
    return "SELECT tgname, tgenabled FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) "
           "$1::pg_catalog.oid AND tgname OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.text::pg_catalog.name[])";
}

std::string triggers_prefixed_sql(const std::string& prefix) {
    // LIKE with the prefix's own _ and % escaped.
    std::string pattern;
    for (char c : prefix) {
        if (c == '_' || c == '%' || c == '\\') pattern += '\\';
        pattern += c;
    }
    return fmt::format("SELECT tgname, tgenabled FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) "
                       "$1::pg_catalog.oid AND tgname OPERATOR(pg_catalog.~~) {}",
                       quote_literal(pattern + "%"));
}

std::string extension_dependency_sql() {
    return "SELECT 1 FROM pg_catalog.pg_depend WHERE classid OPERATOR(pg_catalog.=) "
           "'pg_catalog.pg_class'::pg_catalog.regclass AND objid OPERATOR(pg_catalog.=) $1::pg_catalog.oid "
           "AND refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass "
           "AND refobjid OPERATOR(pg_catalog.=) $2::pg_catalog.oid";
}

std::string compressible_columns_sql() {
    return "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid "
           "AND attnum OPERATOR(pg_catalog.>) 0 AND NOT attisdropped AND attlen OPERATOR(pg_catalog.=) -1 "
           "AND attstorage OPERATOR(pg_catalog.=) ANY ('{x,m}'::pg_catalog.\"char\"[]) ORDER BY attnum";
}

std::string deferrable_trigger_sql() {
    return "SELECT COALESCE(c.conname, t.tgname), r.relname FROM pg_catalog.pg_trigger t "
           "JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) t.tgrelid "
           "LEFT JOIN pg_catalog.pg_constraint c ON c.oid OPERATOR(pg_catalog.=) t.tgconstraint "
           "WHERE t.tgrelid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text::pg_catalog.oid[]) AND t.tgdeferrable "
           "ORDER BY 1 LIMIT 1";
}

std::string partitions_without_trigger_sql() {
    return "SELECT d.relid::pg_catalog.oid FROM pg_catalog.pg_partition_tree($1::pg_catalog.oid::pg_catalog.regclass) d "
           "WHERE d.relid OPERATOR(pg_catalog.<>) $1::pg_catalog.oid::pg_catalog.regclass AND NOT EXISTS (SELECT 1 "
           "FROM pg_catalog.pg_trigger t WHERE t.tgrelid OPERATOR(pg_catalog.=) d.relid::pg_catalog.oid AND t.tgname "
           "OPERATOR(pg_catalog.=) $2::pg_catalog.text::pg_catalog.name)";
}

std::string grants_sql() {
    return "SELECT pg_catalog.format('GRANT %s ON %s TO %s%s', a.privilege_type, $2::pg_catalog.text, "
           "CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END, "
           "CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) "
           "FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a "
           "LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee "
           "WHERE c.oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND a.grantee OPERATOR(pg_catalog.<>) c.relowner";
}

std::string rows_by_key_sql(const std::string& relation, const std::string& column, bool integer,
                            const std::string& eq_operator) {
    if (integer)
        return fmt::format("SELECT tableoid, ctid FROM {} WHERE {}::pg_catalog.int8 OPERATOR(pg_catalog.=) $1",
                           relation, quote_ident(column));
    return fmt::format("SELECT tableoid, ctid FROM {} WHERE {} {} $1", relation, quote_ident(column), eq_operator);
}

std::string qualified_operator(const std::string& quoted_schema, const std::string& name) {
    return fmt::format("OPERATOR({}.{})", quoted_schema, name);
}

std::string dropped_relations_sql() {
    return "SELECT objid, original FROM pg_catalog.pg_event_trigger_dropped_objects() "
           "WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid "
           "AND objsubid OPERATOR(pg_catalog.=) 0";
}

std::string null_count_sql(const std::string& table, const std::string& column) {
    return fmt::format("SELECT pg_catalog.count(*) FROM {} WHERE {} IS NULL", table, quote_ident(column));
}

}  // namespace pg_tviews
