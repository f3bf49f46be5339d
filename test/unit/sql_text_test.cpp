#include "pg_tviews/core/sql_text.hpp"

#include <string>

#include <gtest/gtest.h>

using namespace pg_tviews;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + needle.size()))
        ++n;
    return n;
}

RefreshTarget post_target() {
    RefreshTarget t;
    t.schema = "public";
    t.table = "tv_post";
    t.view = "v_post";
    t.key_column = "pk_post";
    t.columns = {"pk_post", "id", "fk_user", "data"};
    return t;
}

// A target whose names would break unquoted SQL text.
RefreshTarget weird_target() {
    RefreshTarget t;
    t.schema = "my schema";
    t.table = "tv_Post";
    t.view = "v_Post";
    t.key_column = "pk_Post";
    t.columns = {"pk_Post", "we\"ird", "select"};
    return t;
}

// Every builder, for tests that hold for all of them.
std::vector<std::pair<const char*, std::string>> all_sql(const RefreshTarget& t) {
    return {{"probe_rows", probe_rows_sql(t)},
            {"probe_rows_all", probe_rows_all_sql(t)},
            {"null_key", null_key_sql(t)},
            {"upsert_changed", upsert_changed_sql(t)},
            {"upsert_one", upsert_one_sql(t)},
            {"upsert_changed_feed_keys", upsert_changed_sql(t, FeedDetail::kKeys)},
            {"upsert_changed_feed_documents", upsert_changed_sql(t, FeedDetail::kDocuments)},
            {"upsert_one_feed_patches", upsert_one_sql(t, FeedDetail::kPatches)},
            {"all_keys", all_keys_sql(t)}};
}

}  // namespace

TEST(QuoteIdent, PlainName) {
    EXPECT_EQ(quote_ident("post"), "\"post\"");
    EXPECT_EQ(quote_ident(""), "\"\"");
}

TEST(QuoteIdent, AlwaysQuotesAndKeepsCase) {
    EXPECT_EQ(quote_ident("Post"), "\"Post\"");
    EXPECT_EQ(quote_ident("my schema"), "\"my schema\"");
    EXPECT_EQ(quote_ident("select"), "\"select\"");
}

TEST(QuoteIdent, DoublesEmbeddedQuotes) {
    EXPECT_EQ(quote_ident("a\"b"), "\"a\"\"b\"");
    EXPECT_EQ(quote_ident("\""), "\"\"\"\"");
    EXPECT_EQ(quote_ident("\"\"x"), "\"\"\"\"\"x\"");
    // Single quotes are not special in identifiers.
    EXPECT_EQ(quote_ident("o'k"), "\"o'k\"");
}

TEST(QuoteIdent, MultibyteUnchanged) {
    EXPECT_EQ(quote_ident("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(Qualify, SchemaDotName) {
    EXPECT_EQ(qualify("public", "tv_post"), "\"public\".\"tv_post\"");
    EXPECT_EQ(qualify("my schema", "a\"b"), "\"my schema\".\"a\"\"b\"");
    EXPECT_EQ(qualify("a.b", "c"), "\"a.b\".\"c\"");
}

TEST(QuoteLiteral, DoublesSingleQuotes) {
    EXPECT_EQ(quote_literal("abc"), "'abc'");
    EXPECT_EQ(quote_literal(""), "''");
    EXPECT_EQ(quote_literal("it's"), "'it''s'");
    EXPECT_EQ(quote_literal("'"), "''''");
    EXPECT_EQ(quote_literal("a\"b"), "'a\"b'");
}

TEST(RefreshSql, ProbeRowsReadsTheViewInKeyOrder) {
    std::string sql = probe_rows_sql(post_target());
    EXPECT_TRUE(contains(sql, "FROM \"public\".\"v_post\" v")) << sql;
    EXPECT_TRUE(contains(sql, "v.\"pk_post\" OPERATOR(pg_catalog.=) ANY ($1)")) << sql;
    EXPECT_TRUE(contains(sql, "ORDER BY v.\"pk_post\"")) << sql;
    EXPECT_EQ(sql.rfind("SELECT v::pg_catalog.text", 0), 0u) << sql;
    std::string all = probe_rows_all_sql(post_target());
    EXPECT_FALSE(contains(all, "$1")) << all;
    EXPECT_TRUE(contains(all, "ORDER BY v.\"pk_post\"")) << all;
}

TEST(RefreshSql, OneStatementDeletesVanishedKeys) {
    std::string sql = upsert_changed_sql(post_target());
    // Keys of the set the view no longer produces go, in the same statement.
    EXPECT_TRUE(contains(sql, "del AS (DELETE FROM \"public\".\"tv_post\" t WHERE t.\"pk_post\" "
                              "OPERATOR(pg_catalog.=) ANY ($1) AND NOT EXISTS (SELECT FROM keys k")) << sql;
    // The delete step and the duplicate check read the keys alone.
    EXPECT_TRUE(contains(sql, "keys AS MATERIALIZED (SELECT s.\"pk_post\" FROM src s)")) << sql;
    EXPECT_TRUE(contains(sql, "NOT EXISTS (SELECT FROM keys k WHERE k.\"pk_post\" OPERATOR(pg_catalog.=) t.\"pk_post\")"))
        << sql;
    EXPECT_TRUE(contains(sql, "dup AS (SELECT k.\"pk_post\" FROM keys k GROUP BY")) << sql;
}

TEST(RefreshSql, OneKeyTakesAScalarParameter) {
    std::string sql = upsert_one_sql(post_target());
    EXPECT_TRUE(contains(sql, "FROM \"public\".\"v_post\" v WHERE v.\"pk_post\" OPERATOR(pg_catalog.=) $1)")) << sql;
    EXPECT_TRUE(contains(sql, "WHERE t.\"pk_post\" OPERATOR(pg_catalog.=) $1 AND NOT EXISTS")) << sql;
    EXPECT_FALSE(contains(sql, "ANY")) << sql;
}

TEST(RefreshSql, UpsertChanged) {
    std::string sql = upsert_changed_sql(post_target());
    // The view's rows are computed once, checked for duplicate keys, then upserted.
    EXPECT_EQ(sql.rfind("WITH src AS MATERIALIZED (", 0), 0u) << sql;
    EXPECT_TRUE(contains(sql, "INSERT INTO \"public\".\"tv_post\" AS t")) << sql;
    EXPECT_TRUE(contains(sql, "HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1")) << sql;
    EXPECT_TRUE(contains(sql, "WHERE NOT EXISTS (SELECT FROM dup)")) << sql;
    EXPECT_TRUE(contains(sql, "(\"pk_post\", \"id\", \"fk_user\", \"data\")")) << sql;
    EXPECT_TRUE(contains(sql, "SELECT v.\"pk_post\", v.\"id\", v.\"fk_user\", v.\"data\"")) << sql;
    EXPECT_TRUE(contains(sql, "FROM \"public\".\"v_post\" v")) << sql;
    EXPECT_TRUE(contains(sql, "v.\"pk_post\" OPERATOR(pg_catalog.=) ANY ($1)")) << sql;
    EXPECT_TRUE(contains(sql, "ON CONFLICT (\"pk_post\") DO UPDATE SET")) << sql;
    EXPECT_TRUE(contains(sql, "\"id\" = EXCLUDED.\"id\"")) << sql;
    EXPECT_TRUE(contains(sql, "\"fk_user\" = EXCLUDED.\"fk_user\"")) << sql;
    EXPECT_TRUE(contains(sql, "\"data\" = EXCLUDED.\"data\"")) << sql;
    // The key column is the conflict target, never assigned.
    EXPECT_FALSE(contains(sql, "\"pk_post\" = EXCLUDED")) << sql;
    // Only rows whose stored image differs are written.
    EXPECT_TRUE(contains(sql, "OPERATOR(pg_catalog.*<>)")) << sql;
    EXPECT_FALSE(contains(sql, "DO NOTHING")) << sql;
}

TEST(RefreshSql, AllKeysOfViewAndTable) {
    std::string sql = all_keys_sql(post_target());
    EXPECT_TRUE(contains(sql, "SELECT v.\"pk_post\"::pg_catalog.int8 AS k FROM \"public\".\"v_post\" v UNION "
                              "SELECT t.\"pk_post\"::pg_catalog.int8 FROM \"public\".\"tv_post\" t")) << sql;
    EXPECT_TRUE(contains(sql, "IS NOT NULL ORDER BY 1")) << sql;
    EXPECT_FALSE(contains(sql, "$1")) << sql;
}

TEST(RefreshSql, UpsertWithOnlyKeyColumnDoesNothing) {
    RefreshTarget t = post_target();
    t.columns = {"pk_post"};
    for (const std::string& sql : {upsert_changed_sql(t), upsert_one_sql(t)}) {
        EXPECT_TRUE(contains(sql, "ON CONFLICT (\"pk_post\") DO NOTHING")) << sql;
        EXPECT_FALSE(contains(sql, "DO UPDATE")) << sql;
        EXPECT_FALSE(contains(sql, "*<>")) << sql;
        EXPECT_FALSE(contains(sql, "SET")) << sql;
    }
}

TEST(RefreshSql, ImageComparisonUsesWholeRowStarSyntax) {
    // A bare `t` or `EXCLUDED` in the ON CONFLICT ... WHERE clause is resolved
    // as a column first, so a TVIEW with a column named "t" or "excluded"
    // would fail with "column reference is ambiguous". `t.*` / `EXCLUDED.*`
    // always mean the whole row outside a select list.
    RefreshTarget t = post_target();
    t.columns = {"pk_post", "t", "excluded"};
    for (const std::string& sql : {upsert_changed_sql(t), upsert_one_sql(t)}) {
        EXPECT_TRUE(contains(sql, "WHERE t.* OPERATOR(pg_catalog.*<>) EXCLUDED.*")) << sql;
        EXPECT_TRUE(contains(sql, "\"t\" = EXCLUDED.\"t\"")) << sql;
        EXPECT_TRUE(contains(sql, "\"excluded\" = EXCLUDED.\"excluded\"")) << sql;
    }
}

TEST(RefreshSql, KeyParameterInKeyedStatements) {
    RefreshTarget t = post_target();
    EXPECT_EQ(count(probe_rows_sql(t), "$1"), 1u);
    EXPECT_EQ(count(upsert_changed_sql(t), "$1"), 2u);  // the view's rows and the delete
    // No other parameters: values never appear in the text.
    for (const auto& [name, sql] : all_sql(t)) EXPECT_FALSE(contains(sql, "$2")) << name;
}

TEST(RefreshSql, WeirdIdentifiersAreQuotedAndQualified) {
    RefreshTarget t = weird_target();
    const std::string tbl = "\"my schema\".\"tv_Post\"";
    const std::string view = "\"my schema\".\"v_Post\"";
    const std::string key = "\"pk_Post\"";
    const std::string weird = "\"we\"\"ird\"";

    EXPECT_TRUE(contains(probe_rows_sql(t), view));
    EXPECT_TRUE(contains(probe_rows_sql(t), "v." + key + " OPERATOR(pg_catalog.=) ANY ($1)"));
    EXPECT_TRUE(contains(upsert_changed_sql(t), "DELETE FROM " + tbl));
    EXPECT_TRUE(contains(upsert_changed_sql(t), view));
    EXPECT_TRUE(contains(all_keys_sql(t), "FROM " + view + " v UNION"));
    EXPECT_TRUE(contains(all_keys_sql(t), "FROM " + tbl + " t"));

    for (const std::string& sql : {upsert_changed_sql(t), upsert_one_sql(t)}) {
        EXPECT_TRUE(contains(sql, "INSERT INTO " + tbl + " AS t")) << sql;
        EXPECT_TRUE(contains(sql, "FROM " + view + " v")) << sql;
        EXPECT_TRUE(contains(sql, "(" + key + ", " + weird + ", \"select\")")) << sql;
        EXPECT_TRUE(contains(sql, "v." + weird)) << sql;
        EXPECT_FALSE(contains(sql, "we\"ird")) << sql;
        EXPECT_TRUE(contains(sql, weird + " = EXCLUDED." + weird)) << sql;
        EXPECT_TRUE(contains(sql, "\"select\" = EXCLUDED.\"select\"")) << sql;
        EXPECT_TRUE(contains(sql, "ON CONFLICT (" + key + ")")) << sql;
    }
    EXPECT_TRUE(contains(upsert_changed_sql(t), "ANY ($1)"));
}

// The SQL text without the contents of its string literals (the change
// feed names the table in one: a label, not an identifier).
std::string without_literals(const std::string& sql) {
    std::string out;
    bool in_literal = false;
    for (std::size_t i = 0; i < sql.size(); i++) {
        char c = sql[i];
        if (c == '\'') {
            if (in_literal && i + 1 < sql.size() && sql[i + 1] == '\'') {
                i++;
                continue;
            }
            in_literal = !in_literal;
            out += c;
        } else if (!in_literal) {
            out += c;
        }
    }
    return out;
}

TEST(RefreshSql, WeirdIdentifiersNeverAppearRaw) {
    RefreshTarget t = weird_target();
    for (const auto& [name, text] : all_sql(t)) {
        std::string sql = without_literals(text);
        // Every occurrence of the schema is the quoted one.
        EXPECT_EQ(count(sql, "my schema"), count(sql, "\"my schema\"")) << name << ": " << sql;
        EXPECT_GT(count(sql, "\"my schema\"."), 0u) << name << ": " << sql;
        // The unquoted schema name is never followed by a dot (unqualified use).
        EXPECT_FALSE(contains(sql, "my schema.")) << name << ": " << sql;
        EXPECT_FALSE(contains(sql, " my schema")) << name << ": " << sql;
        // The column's raw text never appears: its embedded quote is always
        // doubled (a lone we"ird would end a quoted identifier early).
        EXPECT_FALSE(contains(sql, "we\"ird")) << name << ": " << sql;
        // Mixed-case names keep their case only when quoted.
        EXPECT_EQ(count(sql, "tv_Post"), count(sql, "\"tv_Post\"")) << name << ": " << sql;
        EXPECT_EQ(count(sql, "pk_Post"), count(sql, "\"pk_Post\"")) << name << ": " << sql;
        // (v_Post also occurs inside every tv_Post.)
        EXPECT_EQ(count(sql, "v_Post"), count(sql, "\"v_Post\"") + count(sql, "tv_Post"))
            << name << ": " << sql;
    }
}

TEST(RefreshSql, RelationsAreAlwaysSchemaQualified) {
    RefreshTarget t = post_target();
    for (const auto& [name, sql] : all_sql(t)) {
        EXPECT_EQ(count(sql, "\"tv_post\""), count(sql, "\"public\".\"tv_post\"")) << name;
        EXPECT_EQ(count(sql, "\"v_post\""), count(sql, "\"public\".\"v_post\"")) << name;
        // Operators are schema-qualified too, so a user's search_path cannot
        // substitute its own.
        EXPECT_EQ(count(sql, " = ANY"), 0u) << name;
    }
}

TEST(RefreshSql, NullKeyProbeReadsTheView) {
    std::string sql = null_key_sql(post_target());
    EXPECT_TRUE(contains(sql, "FROM \"public\".\"v_post\" v WHERE v.\"pk_post\" IS NULL LIMIT 1")) << sql;
}

TEST(SqlText, TextArrayLiteralQuotesEveryElement) {
    EXPECT_EQ(pg_tviews::text_array_literal({}), "{}");
    EXPECT_EQ(pg_tviews::text_array_literal({"fk_user", "a b"}), "{\"fk_user\",\"a b\"}");
    EXPECT_EQ(pg_tviews::text_array_literal({"q\"uote", "back\\slash"}), "{\"q\\\"uote\",\"back\\\\slash\"}");
}

// A TVIEW keyed by a type whose equality lives outside pg_catalog (citext
// in schema ext): every comparison with the key uses that operator, and the
// full refresh keeps the key's type; no integer cast is left anywhere.
TEST(RefreshSql, KeysOfAnotherTypeUseTheirOperator) {
    RefreshTarget t = post_target();
    t.key_type = "\"ext\".\"citext\"";
    t.key_eq = "OPERATOR(\"ext\".=)";
    for (const auto& [name, sql] : all_sql(t)) {
        EXPECT_FALSE(contains(sql, "int8")) << name << ": " << sql;
        EXPECT_FALSE(contains(sql, "\"pk_post\" OPERATOR(pg_catalog.=)")) << name << ": " << sql;
        EXPECT_FALSE(contains(sql, "k OPERATOR(pg_catalog.=)")) << name << ": " << sql;
    }
    EXPECT_TRUE(contains(upsert_changed_sql(t), "v.\"pk_post\" OPERATOR(\"ext\".=) ANY ($1)"));
    EXPECT_TRUE(contains(upsert_changed_sql(t), "k.\"pk_post\" OPERATOR(\"ext\".=) t.\"pk_post\""));
    EXPECT_TRUE(contains(upsert_one_sql(t), "t.\"pk_post\" OPERATOR(\"ext\".=) $1"));
    EXPECT_TRUE(contains(upsert_one_sql(t, FeedDetail::kPatches), "o.k OPERATOR(\"ext\".=) up.k"));
    EXPECT_TRUE(contains(probe_rows_sql(t), "v.\"pk_post\" OPERATOR(\"ext\".=) ANY ($1)"));
    EXPECT_TRUE(contains(all_keys_sql(t), "SELECT v.\"pk_post\"::\"ext\".\"citext\" AS k"));
    // Equal keys may differ in image: a rewritten row takes the view's.
    EXPECT_FALSE(contains(upsert_changed_sql(t), "\"pk_post\" = EXCLUDED.\"pk_post\""));
    t.key_image_varies = true;
    EXPECT_TRUE(contains(upsert_changed_sql(t), "\"pk_post\" = EXCLUDED.\"pk_post\""));
    // The key produced twice is reported as text, whatever its type.
    EXPECT_TRUE(contains(upsert_changed_sql(t), "(SELECT d.\"pk_post\"::pg_catalog.text FROM dup d)"));
}

namespace {
PatchLeaf leaf(const std::string& column, std::vector<std::string> path) {
    PatchLeaf l;
    l.column = column;
    l.path = std::move(path);
    return l;
}
PatchLeaf element_leaf(const std::string& column, std::vector<std::string> path, int array,
                       std::vector<std::string> element_path) {
    PatchLeaf l = leaf(column, std::move(path));
    l.array = array;
    l.element_path = std::move(element_path);
    return l;
}
}  // namespace

TEST(PatchSql, SetsEachLeafAndWritesOnlyChangedImages) {
    RefreshTarget t = post_target();
    std::string sql = patch_sql(t, "SELECT p.pk_post AS k, u.name AS v1, p.title AS v2 FROM tb_post p",
                                {leaf("data", {"author", "name"}), leaf("data", {"title"}), leaf("id", {})});
    EXPECT_TRUE(contains(sql, "FROM (SELECT p.pk_post AS k, u.name AS v1, p.title AS v2 FROM tb_post p) q "
                              "WHERE q.k OPERATOR(pg_catalog.=) ANY ($1)")) << sql;
    EXPECT_TRUE(contains(sql, "UPDATE \"public\".\"tv_post\" AS t SET \"data\" = pg_catalog.jsonb_set("
                              "pg_catalog.jsonb_set(t.\"data\", '{\"author\",\"name\"}'::pg_catalog.text[], "
                              "COALESCE(pg_catalog.to_jsonb(s.v1), 'null'::pg_catalog.jsonb)), "
                              "'{\"title\"}'::pg_catalog.text[], COALESCE(pg_catalog.to_jsonb(s.v2), "
                              "'null'::pg_catalog.jsonb)), \"id\" = s.v3 FROM s")) << sql;
    EXPECT_TRUE(contains(sql, "WHERE t.\"pk_post\" OPERATOR(pg_catalog.=) s.k AND ROW(t.\"data\" "
                              "OPERATOR(pg_catalog.#>) '{\"author\",\"name\"}'::pg_catalog.text[]")) << sql;
    EXPECT_TRUE(contains(sql, ", t.\"id\")::pg_catalog.text IS DISTINCT FROM ROW(COALESCE(")) << sql;
    EXPECT_TRUE(contains(sql, "SELECT pg_catalog.count(*) FROM up")) << sql;
}

TEST(PatchSql, QuotesPathsAndUsesTheKeyOperator) {
    RefreshTarget t = weird_target();
    t.key_eq = "OPERATOR(\"ext\".=)";
    std::string sql = patch_sql(t, "SELECT 1 AS k, 2 AS v1", {leaf("we\"ird", {"it's", "a\"b"})});
    EXPECT_TRUE(contains(sql, "'{\"it''s\",\"a\\\"b\"}'::pg_catalog.text[]")) << sql;
    EXPECT_TRUE(contains(sql, "SET \"we\"\"ird\" = pg_catalog.jsonb_set(t.\"we\"\"ird\"")) << sql;
    EXPECT_TRUE(contains(sql, "q.k OPERATOR(\"ext\".=) ANY ($1)")) << sql;
    EXPECT_TRUE(contains(sql, "t.\"pk_Post\" OPERATOR(\"ext\".=) s.k")) << sql;
}

TEST(PatchSql, ArrayLeavesGoThroughThePatchFunctionAndReturnMisfits) {
    RefreshTarget t = post_target();
    std::vector<PatchLeaf> leaves = {leaf("data", {"author", "name"}), leaf("title", {}),
                                     element_leaf("data", {"comments"}, 0, {"by", "name"}),
                                     element_leaf("data", {"comments"}, 0, {"by", "score"}),
                                     element_leaf("data", {"tags"}, 1, {})};
    std::string sql = patch_sql(t, "SELECT 1 AS k", leaves, "\"ext\".\"pg_tviews_patch_doc\"");
    // One call for the jsonb column: its scalar leaf, then each array, in
    // the order of the values (s.v1, s.a1, s.a2); the other column as before.
    EXPECT_TRUE(contains(sql, "CROSS JOIN LATERAL \"ext\".\"pg_tviews_patch_doc\"(t.\"data\", "
                              "'[{\"p\":[\"author\",\"name\"]},{\"a\":[\"comments\"],\"l\":[[\"by\",\"name\"],"
                              "[\"by\",\"score\"]]},{\"a\":[\"tags\"],\"l\":[[]]}]'::pg_catalog.jsonb, "
                              "COALESCE(pg_catalog.to_jsonb(s.v1), 'null'::pg_catalog.jsonb), s.a1, s.a2) p1"))
        << sql;
    EXPECT_TRUE(contains(sql, "SET \"title\" = n.v2, \"data\" = COALESCE(n.d1, t.\"data\") FROM n")) << sql;
    EXPECT_TRUE(contains(sql, "FROM n WHERE t.ctid OPERATOR(pg_catalog.=) n.tid AND n.f1 AND (n.d1 IS NOT NULL OR ROW(t.\"title\")::pg_catalog.text IS DISTINCT FROM "
                              "ROW(n.v2)::pg_catalog.text)"))
        << sql;
    EXPECT_TRUE(contains(sql, "SELECT f.k, c.n FROM (SELECT pg_catalog.count(*) AS n FROM up) c "
                              "LEFT JOIN (SELECT n.k FROM n WHERE NOT (n.f1)) f ON true"))
        << sql;
}

TEST(PatchSql, SpecificationPathsAreJsonStrings) {
    RefreshTarget t = post_target();
    std::string sql = patch_sql(t, "SELECT 1 AS k", {element_leaf("data", {"a\"b", "c\\d"}, 0, {"it's"})}, "f");
    // JSON escapes inside, then the SQL literal doubles the quote.
    EXPECT_TRUE(contains(sql, "'[{\"a\":[\"a\\\"b\",\"c\\\\d\"],\"l\":[[\"it''s\"]]}]'::pg_catalog.jsonb")) << sql;
}

TEST(PatchSql, NestedArraysAreEntriesOfTheirElements) {
    RefreshTarget t = post_target();
    // users[*].name, users[*].posts[*].title, users[*].posts[*].tags[*],
    // users[*].posts[*].title again (one entry per leaf), users[*].badges[*]
    auto nested = [](std::vector<std::vector<std::string>> nest, std::vector<std::string> element_path) {
        PatchLeaf l = element_leaf("data", {"users"}, 0, std::move(element_path));
        l.nest = std::move(nest);
        return l;
    };
    std::vector<PatchLeaf> leaves = {nested({{"posts"}}, {"title"}), element_leaf("data", {"users"}, 0, {"name"}),
                                     nested({{"posts"}, {"tags"}}, {}), nested({{"badges"}}, {}),
                                     nested({{"posts"}}, {"by", "name"})};
    std::string sql = patch_sql(t, "SELECT 1 AS k", leaves, "f");
    // the element's own leaves first, then each nested array in the order
    // the leaves first name it, its own leaves, then its nested arrays
    EXPECT_TRUE(contains(sql, "'[{\"a\":[\"users\"],\"l\":[[\"name\"],{\"a\":[\"posts\"],\"l\":[[\"title\"],"
                              "[\"by\",\"name\"],{\"a\":[\"tags\"],\"l\":[[]]}]},{\"a\":[\"badges\"],\"l\":[[]]}]}]'"
                              "::pg_catalog.jsonb, s.a1) p1"))
        << sql;
}

TEST(PatchSql, KeyedArraysReadTheirValuesOnceFromTheMap) {
    RefreshTarget t = post_target();
    PatchLeaf by_name = element_leaf("data", {"comments"}, 0, {"by", "name"});
    by_name.locator = {"by", "id"};
    PatchLeaf by_score = by_name;
    by_score.element_path = {"by", "score"};
    std::vector<PatchLeaf> leaves = {leaf("data", {"author", "name"}), by_name, by_score,
                                     element_leaf("data", {"tags"}, 1, {})};
    std::string sql = patch_sql(t, "SELECT 1 AS k", leaves, "f", "SELECT 2 AS a1");
    // The keyed array names its key's path and takes its one value from m;
    // the other array still from s.
    EXPECT_TRUE(contains(sql, "{\"a\":[\"comments\"],\"k\":[\"by\",\"id\"],\"l\":[[\"by\",\"name\"],[\"by\",\"score\"]]},"
                              "{\"a\":[\"tags\"],\"l\":[[]]}]'::pg_catalog.jsonb, "
                              "COALESCE(pg_catalog.to_jsonb(s.v1), 'null'::pg_catalog.jsonb), m.a1, s.a2) p1"))
        << sql;
    // m is one row, made once, beside every document.
    EXPECT_TRUE(contains(sql, "m AS MATERIALIZED (SELECT 2 AS a1), n AS MATERIALIZED (")) << sql;
    EXPECT_TRUE(contains(sql, "ON t.\"pk_post\" OPERATOR(pg_catalog.=) s.k CROSS JOIN m CROSS JOIN LATERAL f(")) << sql;
    // Without a map statement, no m.
    EXPECT_FALSE(contains(patch_sql(t, "SELECT 1 AS k", {element_leaf("data", {"tags"}, 0, {})}, "f"), " m ")) << sql;
}
