#include "pg_tviews/core/column_change.hpp"

#include <gtest/gtest.h>

#include "pg_tviews/core/error.hpp"

using pg_tviews::ColumnChange;
using pg_tviews::ColumnSpec;
using pg_tviews::plan_column_change;
using pg_tviews::TviewError;

namespace {

const std::vector<ColumnSpec> kTable{{"pk_post", "bigint"}, {"fk_user", "bigint"}, {"title", "text"}, {"data", "jsonb"}};

std::string sqlstate_of(const std::vector<ColumnSpec>& view) {
    try {
        plan_column_change(kTable, view, "pk_post", "tv_post");
    } catch (const TviewError& e) {
        return e.sqlstate;
    }
    return "";
}

}  // namespace

TEST(ColumnChange, SameColumnsChangeNothing) {
    ColumnChange c = plan_column_change(kTable, kTable, "pk_post", "tv_post");
    EXPECT_TRUE(c.same());
    EXPECT_TRUE(c.appends_only());
}

TEST(ColumnChange, AppendedColumnsAreAdded) {
    auto view = kTable;
    view.push_back({"note", "text"});
    view.push_back({"score", "numeric(10,2)"});
    ColumnChange c = plan_column_change(kTable, view, "pk_post", "tv_post");
    ASSERT_EQ(c.added.size(), 2u);
    EXPECT_EQ(c.added[0], (ColumnSpec{"note", "text"}));
    EXPECT_EQ(c.added[1].type, "numeric(10,2)");
    EXPECT_TRUE(c.appends_only());
    EXPECT_FALSE(c.same());
}

TEST(ColumnChange, MissingColumnsAreDroppedAndTypesFollow) {
    std::vector<ColumnSpec> view{{"pk_post", "bigint"}, {"title", "character varying(80)"}, {"data", "jsonb"},
                                 {"tags", "text[]"}};
    ColumnChange c = plan_column_change(kTable, view, "pk_post", "tv_post");
    EXPECT_EQ(c.dropped, std::vector<std::string>{"fk_user"});
    ASSERT_EQ(c.retyped.size(), 1u);
    EXPECT_EQ(c.retyped[0], (ColumnSpec{"title", "character varying(80)"}));
    ASSERT_EQ(c.added.size(), 1u);
    EXPECT_EQ(c.added[0].name, "tags");
    EXPECT_FALSE(c.appends_only());
}

TEST(ColumnChange, ReorderingIsRefusedWithTheOrderToUse) {
    std::vector<ColumnSpec> view{{"pk_post", "bigint"}, {"data", "jsonb"}, {"title", "text"}};
    try {
        plan_column_change(kTable, view, "pk_post", "tv_post");
        FAIL() << "reordering accepted";
    } catch (const TviewError& e) {
        EXPECT_EQ(e.sqlstate, "0A000");
        EXPECT_NE(e.hint.find("pk_post, title, data"), std::string::npos) << e.hint;
    }
}

TEST(ColumnChange, KeptColumnAfterANewOneIsRefused) {
    std::vector<ColumnSpec> view{{"pk_post", "bigint"}, {"note", "text"}, {"data", "jsonb"}};
    try {
        plan_column_change(kTable, view, "pk_post", "tv_post");
        FAIL() << "a kept column after a new one was accepted";
    } catch (const TviewError& e) {
        EXPECT_EQ(e.sqlstate, "0A000");
        EXPECT_NE(e.hint.find("pk_post, data, note"), std::string::npos) << e.hint;
    }
}

TEST(ColumnChange, TheKeyStaysWithItsType) {
    EXPECT_EQ(sqlstate_of({{"fk_user", "bigint"}, {"data", "jsonb"}}), "0A000");
    EXPECT_EQ(sqlstate_of({{"pk_post", "integer"}, {"data", "jsonb"}}), "0A000");
}

TEST(ColumnChange, DuplicateNamesAreRefused) {
    EXPECT_EQ(sqlstate_of({{"pk_post", "bigint"}, {"data", "jsonb"}, {"data", "text"}}), "42701");
}
