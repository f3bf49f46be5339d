#include "pg_tviews/core/naming.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "pg_tviews/core/error.hpp"

using namespace pg_tviews;

namespace {

// The SQLSTATE of the TviewError that `f` throws, or "" if it throws nothing.
template <typename F>
std::string sqlstate_of(F&& f) {
    try {
        f();
    } catch (const TviewError& e) {
        return e.sqlstate;
    }
    return "";
}

}  // namespace

TEST(Naming, NamesForTableName) {
    TviewNames n = names_for("tv_post");
    EXPECT_EQ(n.entity, "post");
    EXPECT_EQ(n.table, "tv_post");
    EXPECT_EQ(n.view, "v_post");
    EXPECT_EQ(n.key_column, "pk_post");
}

TEST(Naming, NamesForBareEntity) {
    TviewNames n = names_for("post");
    EXPECT_EQ(n.entity, "post");
    EXPECT_EQ(n.table, "tv_post");
    EXPECT_EQ(n.view, "v_post");
    EXPECT_EQ(n.key_column, "pk_post");
}

TEST(Naming, NamesForMultiWordEntity) {
    TviewNames n = names_for("tv_blog_post");
    EXPECT_EQ(n.entity, "blog_post");
    EXPECT_EQ(n.table, "tv_blog_post");
    EXPECT_EQ(n.view, "v_blog_post");
    EXPECT_EQ(n.key_column, "pk_blog_post");
    // The bare form of the same entity names the same TVIEW.
    TviewNames m = names_for("blog_post");
    EXPECT_EQ(m.table, n.table);
    EXPECT_EQ(m.key_column, n.key_column);
}

TEST(Naming, EmptyNameIsInvalid) {
    EXPECT_THROW(names_for(""), TviewError);
    EXPECT_EQ(sqlstate_of([] { names_for(""); }), "42602");
    EXPECT_EQ(sqlstate_of([] { names_for(""); }), sqlstate::kInvalidName);
}

TEST(Naming, PrefixOnlyIsInvalid) {
    EXPECT_THROW(names_for("tv_"), TviewError);
    EXPECT_EQ(sqlstate_of([] { names_for("tv_"); }), "42602");
    try {
        names_for("tv_");
    } catch (const TviewError& e) {
        EXPECT_NE(std::string(e.what()).find("tv_"), std::string::npos);
        EXPECT_FALSE(e.hint.empty());
    }
}

TEST(Naming, TooLongNameIsInvalid) {
    // tv_ + 60 bytes = 63 bytes: exactly at the limit, accepted.
    std::string entity60(60, 'a');
    TviewNames ok = names_for(entity60);
    EXPECT_EQ(ok.table.size(), kMaxIdentifierLength);
    EXPECT_EQ(ok.key_column.size(), kMaxIdentifierLength);
    EXPECT_EQ(names_for("tv_" + entity60).table, ok.table);

    // One byte more is rejected, as a bare entity and as a table name.
    std::string entity61(61, 'a');
    EXPECT_EQ(sqlstate_of([&] { names_for(entity61); }), "42622");
    EXPECT_EQ(sqlstate_of([&] { names_for("tv_" + entity61); }), "42622");
    EXPECT_EQ(sqlstate_of([] { names_for(std::string(200, 'x')); }), "42622");
}

TEST(Naming, LengthIsCountedInBytes) {
    // 30 two-byte characters = 60 bytes: tv_ + 60 = 63, the limit.
    std::string e30;
    for (int i = 0; i < 30; ++i) e30 += "\xc3\xa9";  // é
    EXPECT_NO_THROW(names_for(e30));
    // 31 of them = 62 bytes: 65 bytes in all, too long.
    std::string e31 = e30 + "\xc3\xa9";
    EXPECT_EQ(sqlstate_of([&] { names_for(e31); }), "42622");
}

TEST(Naming, IsTviewTableName) {
    EXPECT_TRUE(is_tview_table_name("tv_post"));
    EXPECT_TRUE(is_tview_table_name("tv_x"));
    EXPECT_FALSE(is_tview_table_name("tv_"));
    EXPECT_FALSE(is_tview_table_name("post"));
    EXPECT_FALSE(is_tview_table_name("v_post"));
    EXPECT_FALSE(is_tview_table_name("TV_post"));
    EXPECT_FALSE(is_tview_table_name(""));
}

TEST(Naming, WantsIndexConventionalColumns) {
    EXPECT_TRUE(wants_index("id", "pk_post"));
    EXPECT_TRUE(wants_index("fk_user", "pk_post"));
    EXPECT_TRUE(wants_index("user_id", "pk_post"));
    EXPECT_TRUE(wants_index("fk_x", "pk_post"));
}

TEST(Naming, WantsIndexRejectsOtherColumns) {
    // The key column has the primary key index already.
    EXPECT_FALSE(wants_index("pk_post", "pk_post"));
    EXPECT_FALSE(wants_index("title", "pk_post"));
    EXPECT_FALSE(wants_index("data", "pk_post"));
    EXPECT_FALSE(wants_index("fk_", "pk_post"));
    EXPECT_FALSE(wants_index("_id", "pk_post"));
    EXPECT_FALSE(wants_index("identity", "pk_post"));
    EXPECT_FALSE(wants_index("", "pk_post"));
}

TEST(Naming, WantsIndexExcludesKeyEvenIfConventional) {
    // A key column that also looks like an fk_/_id column still gets no extra index.
    EXPECT_FALSE(wants_index("fk_post", "fk_post"));
    EXPECT_FALSE(wants_index("id", "id"));
    EXPECT_FALSE(wants_index("pk_post", "pk_comment"));
}

TEST(Naming, IndexNameShort) {
    EXPECT_EQ(index_name("tv_post", "fk_user"), "tv_post_fk_user_idx");
    EXPECT_EQ(index_name("tv_post", "id"), "tv_post_id_idx");
}

TEST(Naming, IndexNameLongStaysWithinLimitAndDistinct) {
    std::string table = "tv_" + std::string(40, 't');
    std::string col_a = "fk_" + std::string(40, 'c') + "_alpha";
    std::string col_b = "fk_" + std::string(40, 'c') + "_bravo";
    std::string a = index_name(table, col_a);
    std::string b = index_name(table, col_b);
    EXPECT_LE(a.size(), kMaxIdentifierLength);
    EXPECT_LE(b.size(), kMaxIdentifierLength);
    EXPECT_NE(a, b);
    // Deterministic.
    EXPECT_EQ(a, index_name(table, col_a));
    // Recognisably derived from the table name.
    EXPECT_EQ(a.compare(0, table.size(), table), 0);
}

TEST(Naming, IndexNameManyLongColumnsAllDistinct) {
    std::string table = "tv_" + std::string(60, 'e');
    std::set<std::string> names;
    for (int i = 0; i < 500; ++i) {
        std::string n = index_name(table, "fk_column_number_" + std::to_string(i));
        EXPECT_LE(n.size(), kMaxIdentifierLength);
        names.insert(n);
    }
    EXPECT_EQ(names.size(), 500u);
}

TEST(Naming, IndexNameDoesNotSplitMultibyteCharacters) {
    // Truncation must not cut a UTF-8 character in half: PostgreSQL rejects
    // identifiers that are not valid in the database encoding.
    std::string table = "tv_" + std::string(1, 'p');
    std::string col;
    for (int i = 0; i < 40; ++i) col += "\xc3\xa9";  // é, 80 bytes
    for (int shift = 0; shift < 4; ++shift) {
        std::string t = table + std::string(shift, 'x');
        std::string n = index_name(t, col);
        ASSERT_LE(n.size(), kMaxIdentifierLength);
        // Every lead byte 0xC3 must be followed by its continuation byte.
        for (std::size_t i = 0; i < n.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(n[i]);
            if (c == 0xC3) {
                ASSERT_LT(i + 1, n.size()) << n;
                EXPECT_EQ(static_cast<unsigned char>(n[i + 1]), 0xA9) << n;
            } else if (c == 0xA9) {
                ASSERT_GT(i, 0u);
                EXPECT_EQ(static_cast<unsigned char>(n[i - 1]), 0xC3) << n;
            }
        }
    }
}

TEST(SplitQualifiedName, FoldsUnquotedAndKeepsQuoted) {
    using pg_tviews::split_qualified_name;
    EXPECT_EQ(split_qualified_name("TV_Post"), (std::vector<std::string>{"tv_post"}));
    EXPECT_EQ(split_qualified_name("Public.tv_post"), (std::vector<std::string>{"public", "tv_post"}));
    EXPECT_EQ(split_qualified_name("\"My Schema\".\"tv_X\""), (std::vector<std::string>{"My Schema", "tv_X"}));
    EXPECT_EQ(split_qualified_name("\"a\"\"b\""), (std::vector<std::string>{"a\"b"}));
    EXPECT_EQ(split_qualified_name(" s . t "), (std::vector<std::string>{"s", "t"}));
}

TEST(SplitQualifiedName, RefusesLongPartsWithoutTruncating) {
    using pg_tviews::split_qualified_name;
    std::string long_quoted = "\"tv_" + std::string(61, 'x') + "\"";  // 64 bytes inside the quotes
    try {
        split_qualified_name(long_quoted);
        FAIL() << "a 64-byte identifier was accepted";
    } catch (const pg_tviews::TviewError& e) {
        EXPECT_EQ(e.sqlstate, "42622");
    }
    EXPECT_NO_THROW(split_qualified_name("\"tv_" + std::string(60, 'x') + "\""));  // 63 bytes
}

TEST(SplitQualifiedName, RefusesMalformedNames) {
    using pg_tviews::split_qualified_name;
    for (const char* bad : {"", ".", "a.", ".a", "\"open", "\"\"", "a b", "a.b.c.d", "a\"b\""}) {
        try {
            split_qualified_name(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const pg_tviews::TviewError& e) {
            EXPECT_EQ(e.sqlstate, "42602") << bad;
        }
    }
}

TEST(Naming, EntityNamesAndConventionColumns) {
    EXPECT_EQ(names_for_entity("post").table, "tv_post");
    EXPECT_EQ(names_for_entity("tv_x").table, "tv_tv_x");  // an entity that starts with tv_ stays whole
    EXPECT_EQ(names_for_entity("tv_x").key_column, "pk_tv_x");
    EXPECT_EQ(entity_of_key_column("pk_post"), "post");
    EXPECT_EQ(entity_of_key_column("pk_"), "");
    EXPECT_EQ(entity_of_key_column("post_pk"), "");
    EXPECT_TRUE(is_fk_column("fk_user"));
    EXPECT_FALSE(is_fk_column("user_fk"));
    EXPECT_TRUE(is_id_suffixed_column("author_id"));
    EXPECT_FALSE(is_id_suffixed_column("_id"));
    EXPECT_FALSE(is_id_suffixed_column("id"));
}
