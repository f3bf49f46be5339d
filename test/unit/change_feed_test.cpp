#include "pg_tviews/core/change_feed.hpp"

#include <gtest/gtest.h>

#include "pg_tviews/core/error.hpp"
#include <nlohmann/json.hpp>

using nlohmann::json;
using pg_tviews::FeedBuffer;
using pg_tviews::FeedMode;

namespace {

std::vector<json> parsed(const std::vector<std::string>& messages) {
    std::vector<json> out;
    for (const auto& m : messages) out.push_back(json::parse(m));
    return out;
}

std::string rows(int from, int to) {
    json a = json::array();
    for (int k = from; k <= to; k++)
        a.push_back({{"entity", "post"}, {"table", "public.tv_post"}, {"op", "update"}, {"pk", k}, {"data", {{"n", k}}}});
    return a.dump();
}

}  // namespace

TEST(ChangeFeed, KeysModeCarriesEntityTableOpPkAndId) {
    FeedBuffer b;
    b.add(R"([{"entity": "post", "table": "public.tv_post", "op": "insert", "pk": 1, "id": "a"},
              {"op":"delete","pk":2,"id":"b","entity":"post","table":"public.tv_post"}, {"op": "update", "pk": 3}])",
          FeedMode::kKeys, 1);
    auto m = parsed(b.take_final(1 << 20));
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0]["chunk"], 1);
    EXPECT_EQ(m[0]["last"], true);
    ASSERT_EQ(m[0]["changes"].size(), 3u);
    json c = m[0]["changes"][0];
    EXPECT_EQ(c["entity"], "post");
    EXPECT_EQ(c["table"], "public.tv_post");
    EXPECT_EQ(c["op"], "insert");
    EXPECT_EQ(c["pk"], 1);
    EXPECT_EQ(c["id"], "a");
    EXPECT_FALSE(c.contains("data"));
    EXPECT_FALSE(m[0]["changes"][2].contains("id"));
    EXPECT_TRUE(b.empty());
}

TEST(ChangeFeed, NothingChangedEmitsNothing) {
    FeedBuffer b;
    b.add("[]", FeedMode::kDocuments, 1);
    EXPECT_TRUE(b.take_full(100, 1).empty());
    EXPECT_TRUE(b.take_final(100).empty());
}

TEST(ChangeFeed, PatchesAreRfc6902FromTheOldDocument) {
    FeedBuffer b;
    b.add(R"([{"op":"update","pk":1,"data":{"title":"new","tags":["a"]},"old":{"title":"old","tags":["a"],"x":1}},
              {"op":"insert","pk":2,"data":{"title":"t"},"old":null},
              {"op":"delete","pk":3,"data":null,"old":{"title":"gone"}}])",
          FeedMode::kPatches, 1);
    auto m = parsed(b.take_final(1 << 20));
    json changes = m.at(0)["changes"];
    json before = {{"title", "old"}, {"tags", {"a"}}, {"x", 1}};
    EXPECT_EQ(before.patch(changes[0]["patch"]), changes[0]["data"]);
    EXPECT_EQ(changes[0]["patch"].size(), 2u);  // replace title, remove x
    EXPECT_EQ(json(nullptr).patch(changes[1]["patch"]), changes[1]["data"]);
    EXPECT_EQ(changes[2]["patch"][0]["op"], "remove");
    EXPECT_TRUE(changes[2]["data"].is_null());
}

TEST(ChangeFeed, LargeTransactionsAreCutIntoNumberedMessages) {
    FeedBuffer b;
    b.add(rows(1, 1000), FeedMode::kDocuments, 1);
    std::size_t limit = 2000;
    auto full = b.take_full(limit, 1);
    EXPECT_GT(full.size(), 5u);
    EXPECT_LT(b.bytes(), limit);  // what is left does not fill a message
    b.add(rows(1001, 1010), FeedMode::kDocuments, 1);
    auto last = b.take_final(limit);
    std::vector<std::string> all = full;
    all.insert(all.end(), last.begin(), last.end());
    auto m = parsed(all);
    int expected_pk = 1;
    for (std::size_t i = 0; i < m.size(); i++) {
        EXPECT_EQ(m[i]["chunk"], static_cast<int>(i) + 1);
        EXPECT_EQ(m[i]["last"], i + 1 == m.size());
        EXPECT_LE(all[i].size(), limit);
        for (const auto& c : m[i]["changes"]) EXPECT_EQ(c["pk"], expected_pk++);
    }
    EXPECT_EQ(expected_pk, 1011);
}

TEST(ChangeFeed, AFinalMessageEndsATransactionWhoseChangesAllWentOut) {
    FeedBuffer b;
    json big = json::array({{{"op", "update"}, {"pk", 1}, {"data", std::string(500, 'x')}}});

    b.add(big.dump(), FeedMode::kDocuments, 1);
    auto full = parsed(b.take_full(200, 1));  // one change larger than a message: a message of its own
    ASSERT_EQ(full.size(), 1u);
    EXPECT_EQ(full[0]["last"], false);
    EXPECT_TRUE(b.empty());
    auto last = parsed(b.take_final(200));
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0]["chunk"], 2);
    EXPECT_EQ(last[0]["last"], true);
    EXPECT_TRUE(last[0]["changes"].empty());
}

TEST(ChangeFeed, NoMessageLeavesInsideASubtransaction) {
    FeedBuffer b;
    b.add(rows(1, 100), FeedMode::kDocuments, 2);
    EXPECT_TRUE(b.take_full(200, 2).empty());
    EXPECT_FALSE(b.take_full(200, 1).empty());
}

TEST(ChangeFeed, RolledBackSubtransactionsLeaveNothing) {
    FeedBuffer b;
    b.add(rows(1, 1), FeedMode::kKeys, 1);
    b.add(rows(2, 2), FeedMode::kKeys, 2);
    b.add(rows(3, 3), FeedMode::kKeys, 3);
    b.subxact_commit(3);  // 3 now belongs to level 2
    b.subxact_abort(2);   // 2 and 3 go
    b.add(rows(4, 4), FeedMode::kKeys, 2);
    b.subxact_commit(2);
    auto m = parsed(b.take_final(1 << 20));
    ASSERT_EQ(m.size(), 1u);
    std::vector<int> pks;
    for (const auto& c : m[0]["changes"]) pks.push_back(c["pk"]);
    EXPECT_EQ(pks, (std::vector<int>{1, 4}));
}

TEST(ChangeFeed, OffRecordsNothing) {
    FeedBuffer b;
    b.add(rows(1, 3), FeedMode::kOff, 1);
    EXPECT_TRUE(b.empty());
}

TEST(ReportLog, EachDocumentOnceWithItsNetOperation) {
    pg_tviews::ReportLog log;
    const char* p = R"("entity":"post","table":"public.tv_post")";
    log.add(1, std::string("[{") + p + R"(,"op":"update","pk":1,"id":"a"},{)" + p + R"(,"op":"insert","pk":2},{)" + p +
                   R"(,"op":"update","pk":3}])",
            1);
    log.add(1, std::string("[{") + p + R"(,"op":"update","pk":1,"id":"a"},{)" + p + R"(,"op":"delete","pk":2},{)" + p +
                   R"(,"op":"delete","pk":3},{)" + p + R"(,"op":"insert","pk":4}])",
            1);
    log.add(2, R"([{"entity":"user","table":"public.tv_user","op":"update","pk":1}])", 1);
    auto rows = log.rows();
    ASSERT_EQ(rows.size(), 4u);  // post 2 was inserted and deleted: not there
    EXPECT_EQ(rows[0].table, "public.tv_post");
    EXPECT_EQ(rows[0].pk, "1");
    EXPECT_EQ(rows[0].op, "update");
    EXPECT_EQ(rows[0].id, "a");
    EXPECT_EQ(rows[1].pk, "3");
    EXPECT_EQ(rows[1].op, "delete");
    EXPECT_EQ(rows[2].pk, "4");
    EXPECT_EQ(rows[2].op, "insert");
    EXPECT_EQ(rows[3].entity, "user");
}

TEST(ReportLog, RolledBackSubtransactionsAreForgotten) {
    pg_tviews::ReportLog log;
    log.add(1, R"([{"table":"t","op":"update","pk":1}])", 1);
    log.add(1, R"([{"table":"t","op":"update","pk":2}])", 2);
    log.subxact_abort(2);
    log.add(1, R"([{"table":"t","op":"update","pk":3}])", 2);
    log.subxact_commit(2);
    auto rows = log.rows();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].pk, "1");
    EXPECT_EQ(rows[1].pk, "3");
}

TEST(ReportLog, StopsAtItsLimit) {
    pg_tviews::ReportLog log;
    std::string chunk(1 << 20, ' ');
    chunk[0] = '[';
    chunk.back() = ']';
    for (std::size_t i = 0; i <= pg_tviews::ReportLog::kMaxBytes >> 20; i++) log.add(1, chunk, 1);
    EXPECT_TRUE(log.overflowed());
    EXPECT_TRUE(log.rows().empty());
    log.clear();
    EXPECT_FALSE(log.overflowed());
}

TEST(ChangeFeed, ArrayElementsAreSplitWithoutParsing) {
    auto e = pg_tviews::json_array_elements(R"([{"a": "x,]}", "b": [1, {"c": "\"]"}]}, 2, "s", [3, 4], {}])");
    ASSERT_EQ(e.size(), 5u);
    EXPECT_EQ(e[0], R"({"a": "x,]}", "b": [1, {"c": "\"]"}]})");
    EXPECT_EQ(e[1], "2");
    EXPECT_EQ(e[2], R"("s")");
    EXPECT_EQ(e[3], "[3, 4]");
    EXPECT_EQ(e[4], "{}");
    EXPECT_TRUE(pg_tviews::json_array_elements("[]").empty());
    EXPECT_THROW(pg_tviews::json_array_elements("{}"), pg_tviews::TviewError);
    EXPECT_THROW(pg_tviews::json_array_elements("[1, 2"), pg_tviews::TviewError);
}

TEST(ReportLog, CanonicalUuids) {
    EXPECT_TRUE(pg_tviews::ReportLog::canonical_uuid("5f1c0b6e-2d3a-4c5b-9e8f-0123456789ab"));
    EXPECT_FALSE(pg_tviews::ReportLog::canonical_uuid("5f1c0b6e2d3a4c5b9e8f0123456789ab"));
    EXPECT_FALSE(pg_tviews::ReportLog::canonical_uuid("5f1c0b6e-2d3a-4c5b-9e8f-0123456789ag"));
    EXPECT_FALSE(pg_tviews::ReportLog::canonical_uuid("post-17"));
}

TEST(EntityCounts, PayloadCountsDocumentsPerEntityWithoutRolledBackWork) {
    pg_tviews::EntityCounts c;
    EXPECT_TRUE(c.empty());
    c.add("post", 10, 1);
    c.add("user", 1, 1);
    c.add("post", 5, 2);
    c.add("tag", 3, 3);
    c.subxact_commit(3);  // tag now at level 2
    c.subxact_abort(2);   // post 5 and tag 3 go
    c.add("user", 0, 1);  // nothing written: nothing counted
    EXPECT_EQ(json::parse(c.payload()), json::parse(R"({"post": 10, "user": 1})"));
    c.clear();
    EXPECT_TRUE(c.empty());
}

TEST(EntityCounts, AnOversizedPayloadIsSummed) {
    pg_tviews::EntityCounts c;
    for (int i = 0; i < 1000; i++) c.add("entity_with_a_long_name_" + std::to_string(i), 2, 1);
    std::string p = c.payload();
    EXPECT_LE(p.size(), pg_tviews::EntityCounts::kMaxPayload);
    EXPECT_EQ(json::parse(p), json::parse(R"({"documents": 2000, "entities": 1000, "truncated": true})"));
}

TEST(ReportLog, KeysOfAnyTypeAreTheirText) {
    pg_tviews::ReportLog log;
    log.add(1, R"([{"entity":"item","table":"public.tv_item","op":"update","pk":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
                  {"entity":"item","table":"public.tv_item","op":"insert","pk":"b"},
                  {"entity":"item","table":"public.tv_item","op":"update","pk":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
                  {"entity":"item","table":"public.tv_item","op":"delete","pk":"b"},
                  {"entity":"item","table":"public.tv_item","op":"update","pk":"c"}])", 1);
    auto rows = log.rows();
    ASSERT_EQ(rows.size(), 2u);  // "b" inserted then deleted: not at all
    EXPECT_EQ(rows[0].pk, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(rows[0].op, "update");
    EXPECT_EQ(rows[1].pk, "c");
}
