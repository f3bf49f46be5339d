// The DDL, catalog and metadata statements of core/sql_text: names quoted,
// operators qualified, values only as parameters.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "pg_tviews/core/sql_text.hpp"

using namespace pg_tviews;

namespace {

bool has(const std::string& sql, const std::string& part) { return sql.find(part) != std::string::npos; }

// Every comparison in a generated statement is a qualified operator.
bool no_bare_equality(const std::string& sql) {
    static const std::regex bare(R"([^(.!<>=]=[^>])");
    // Allowed: "SET x = ...", "name = EXCLUDED" in the upsert of a setting.
    std::string s = std::regex_replace(sql, std::regex(R"(SET \w+ = )"), "SET ");
    s = std::regex_replace(s, std::regex(R"(, \w+ = \$)"), ", ");
    s = std::regex_replace(s, std::regex(R"(value = EXCLUDED)"), "");
    return !std::regex_search(s, bare);
}

}  // namespace

TEST(DdlSql, QuotesNamesAndSpellsLockModes) {
    std::string rel = qualify("my schema", "tb \"x\"");
    EXPECT_EQ(lock_table_sql(rel, LockMode::kShareRowExclusive),
              "LOCK TABLE \"my schema\".\"tb \"\"x\"\"\" IN SHARE ROW EXCLUSIVE MODE");
    EXPECT_EQ(lock_table_sql(rel, LockMode::kAccessShare), "LOCK TABLE " + rel + " IN ACCESS SHARE MODE");
    EXPECT_EQ(lock_table_sql(rel, LockMode::kExclusive), "LOCK TABLE " + rel + " IN EXCLUSIVE MODE");
    EXPECT_EQ(drop_trigger_sql("tview_capture_ins", rel), "DROP TRIGGER \"tview_capture_ins\" ON " + rel);
    EXPECT_EQ(enable_trigger_sql(rel, "t", true), "ALTER TABLE " + rel + " ENABLE ALWAYS TRIGGER \"t\"");
    EXPECT_EQ(enable_trigger_sql(rel, "t", false), "ALTER TABLE " + rel + " ENABLE TRIGGER \"t\"");
    EXPECT_EQ(create_index_sql("tv_post_fk_user", "\"s\".\"tv_post\"", "fk_user"),
              "CREATE INDEX \"tv_post_fk_user\" ON \"s\".\"tv_post\" (\"fk_user\")");
    EXPECT_EQ(add_primary_key_sql("\"s\".\"tv_post\"", "pk_post"), "ALTER TABLE \"s\".\"tv_post\" ADD PRIMARY KEY (\"pk_post\")");
    EXPECT_EQ(alter_view_owner_sql("\"s\".\"v_post\"", "Bob"), "ALTER VIEW \"s\".\"v_post\" OWNER TO \"Bob\"");
}

TEST(DdlSql, BuildsTriggersOfEachKind) {
    EXPECT_EQ(create_trigger_sql("tview_capture_upd", false, "UPDATE", "\"s\".\"t\"",
                                 "REFERENCING OLD TABLE AS pg_tviews_old NEW TABLE AS pg_tviews_new", false,
                                 "\"ext\".\"pg_tviews_capture\""),
              "CREATE TRIGGER \"tview_capture_upd\" AFTER UPDATE ON \"s\".\"t\" REFERENCING OLD TABLE AS "
              "pg_tviews_old NEW TABLE AS pg_tviews_new FOR EACH STATEMENT EXECUTE FUNCTION "
              "\"ext\".\"pg_tviews_capture\"()");
    EXPECT_EQ(create_trigger_sql("g", true, "TRUNCATE", "\"s\".\"t\"", "", false, "\"ext\".\"f\""),
              "CREATE TRIGGER \"g\" BEFORE TRUNCATE ON \"s\".\"t\" FOR EACH STATEMENT EXECUTE FUNCTION \"ext\".\"f\"()");
    EXPECT_TRUE(has(create_trigger_sql("r", false, "INSERT OR UPDATE OR DELETE", "x", "", true, "f"),
                    "FOR EACH ROW EXECUTE FUNCTION f()"));
}

TEST(DdlSql, RedefinitionColumnsAreQuotedAndEmptied) {
    ColumnChange change;
    change.dropped = {"old\"col"};
    change.retyped = {{"n", "numeric(10,2)"}};
    change.added = {{"new col", "text"}};
    EXPECT_EQ(alter_columns_sql("\"s\".\"tv_x\"", change),
              "ALTER TABLE \"s\".\"tv_x\" DROP COLUMN \"old\"\"col\", ALTER COLUMN \"n\" TYPE numeric(10,2) USING "
              "NULL::numeric(10,2), ADD COLUMN \"new col\" text");
    EXPECT_EQ(compress_columns_sql("t", {"a", "b"}),
              "ALTER TABLE t ALTER COLUMN \"a\" SET COMPRESSION lz4, ALTER COLUMN \"b\" SET COMPRESSION lz4");
}

TEST(CatalogSql, TheEqualityCheckFindsBareOperators) {
    EXPECT_FALSE(no_bare_equality("SELECT 1 FROM t WHERE a = $1"));
    EXPECT_FALSE(no_bare_equality("SELECT 1 FROM t WHERE a=b"));
    EXPECT_TRUE(no_bare_equality("SELECT 1 FROM t WHERE a OPERATOR(pg_catalog.=) $1 AND b >= 2"));
}

TEST(CatalogSql, TakeValuesAsParametersOnly) {
    for (const std::string& sql : {triggers_named_sql(), triggers_prefixed_sql("tview_"), extension_dependency_sql(),
                                   compressible_columns_sql(), deferrable_trigger_sql(),
                                   partitions_without_trigger_sql(), grants_sql(), stored_definition_sql(),
                                   dropped_relations_sql()}) {
        EXPECT_TRUE(no_bare_equality(sql)) << sql;
        EXPECT_FALSE(std::regex_search(sql, std::regex(R"(\b\d{4,}\b)"))) << sql;  // no OID in the text
    }
    EXPECT_TRUE(has(triggers_named_sql(), "tgrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid"));
    EXPECT_TRUE(has(triggers_named_sql(), "ANY ($2::pg_catalog.text::pg_catalog.name[])"));
}

TEST(CatalogSql, PrefixPatternEscapesLikeWildcards) {
    EXPECT_TRUE(has(triggers_prefixed_sql("tview_capture_"), "OPERATOR(pg_catalog.~~) 'tview\\_capture\\_%'"));
    EXPECT_TRUE(has(triggers_prefixed_sql("a%b'c"), "'a\\%b''c%'"));
}

TEST(MetadataSql, EveryStatementNamesTheRegistryAndTakesParameters) {
    std::string reg = qualify("ext", "pg_tviews_registry");
    for (RegistrySql s : {RegistrySql::kList, RegistrySql::kOrphans, RegistrySql::kView, RegistrySql::kDependencies,
                          RegistrySql::kReads, RegistrySql::kInsert, RegistrySql::kDelete, RegistrySql::kUpdateView}) {
        std::string sql = registry_sql(s, reg);
        EXPECT_TRUE(has(sql, reg)) << sql;
        EXPECT_FALSE(has(sql, "{")) << sql;  // every placeholder filled
        EXPECT_TRUE(no_bare_equality(sql)) << sql;
    }
    EXPECT_TRUE(has(registry_sql(RegistrySql::kDelete, reg),
                    "WHERE table_oid::pg_catalog.oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid"));
    EXPECT_TRUE(has(registry_sql(RegistrySql::kInsert, reg), "$7::pg_catalog.text::pg_catalog.text[]"));
    EXPECT_TRUE(has(registry_sql(RegistrySql::kOrphans, reg), "r.entity OPERATOR(pg_catalog.=) $1::pg_catalog.text"));
    std::string upd = registry_update_reads_sql(reg, true);
    EXPECT_TRUE(has(upd, "pg_catalog.pg_get_viewdef(r.view_oid::pg_catalog.oid)")) << upd;
    EXPECT_FALSE(has(registry_update_reads_sql(reg, false), "pg_get_viewdef")) << upd;
    std::string settings = qualify("ext", "pg_tviews_settings");
    EXPECT_TRUE(has(setting_get_sql(settings), "name OPERATOR(pg_catalog.=) $1::pg_catalog.text"));
    EXPECT_TRUE(has(setting_put_sql(settings), "VALUES ($1::pg_catalog.text, $2::pg_catalog.text)"));
    EXPECT_TRUE(has(metrics_insert_sql(qualify("ext", "pg_tviews_metrics")), "$10::pg_catalog.text::pg_catalog.text[]"));
}
