#include "pg_tviews/core/key_queue.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

using namespace pg_tviews;
using Keys = std::vector<Key>;

namespace {

// Whether anything (keys, a full refresh, a touch) is pending for `tview`.
bool has_pending(const KeyQueue& q, TviewId tview) {
    auto p = q.pending();
    return std::find(p.begin(), p.end(), tview) != p.end();
}

}  // namespace

TEST(KeyQueue, StartsEmpty) {
    KeyQueue q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
    EXPECT_TRUE(q.pending().empty());
    EXPECT_FALSE(has_pending(q, 1));
    EXPECT_FALSE(q.is_full(1));
    KeyQueue::Batch b = q.take(1);
    EXPECT_EQ(b.tview, 1u);
    EXPECT_FALSE(b.full);
    EXPECT_TRUE(b.keys.empty());
}

TEST(KeyQueue, SameKeyManyTimesIsOneKey) {
    KeyQueue q;
    for (int i = 0; i < 1000; ++i) q.add(7, 42);
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.peek(7), Keys{42});
    KeyQueue::Batch b = q.take(7);
    EXPECT_EQ(b.tview, 7u);
    EXPECT_FALSE(b.full);
    EXPECT_EQ(b.keys, Keys{42});
}

TEST(KeyQueue, TakeReturnsSortedDistinct) {
    KeyQueue q;
    for (Key k : {5, 3, 9, 3, -2, 5, 9, 0, 3}) q.add(1, k);
    q.add_all(1, {9, 100, -2});
    EXPECT_EQ(q.size(), 6u);
    EXPECT_EQ(q.peek(1), (Keys{-2, 0, 3, 5, 9, 100}));
    KeyQueue::Batch b = q.take(1);
    EXPECT_EQ(b.keys, (Keys{-2, 0, 3, 5, 9, 100}));
}

TEST(KeyQueue, PeekDoesNotRemove) {
    KeyQueue q;
    q.add(1, 2);
    q.add(1, 1);
    EXPECT_EQ(q.peek(1), (Keys{1, 2}));
    EXPECT_EQ(q.peek(1), (Keys{1, 2}));
    EXPECT_TRUE(has_pending(q, 1));
    EXPECT_EQ(q.take(1).keys, (Keys{1, 2}));
}

TEST(KeyQueue, TakeRemoves) {
    KeyQueue q;
    q.add(1, 10);
    q.add(2, 20);
    KeyQueue::Batch b = q.take(1);
    EXPECT_EQ(b.keys, Keys{10});
    EXPECT_FALSE(has_pending(q, 1));
    EXPECT_TRUE(has_pending(q, 2));
    EXPECT_EQ(q.pending(), std::vector<TviewId>{2});
    EXPECT_TRUE(q.take(1).keys.empty());
    EXPECT_EQ(q.take(2).keys, Keys{20});
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
}

TEST(KeyQueue, KeysAreKeptPerTview) {
    KeyQueue q;
    q.add(1, 5);
    q.add(2, 5);
    q.add(2, 6);
    EXPECT_EQ(q.size(), 3u);  // the same key under two TVIEWs counts twice
    EXPECT_EQ(q.take(1).keys, Keys{5});
    EXPECT_EQ(q.take(2).keys, (Keys{5, 6}));
}

TEST(KeyQueue, PendingInAscendingIdOrder) {
    KeyQueue q;
    q.add(30, 1);
    q.add(10, 1);
    q.mark_full(20);
    q.add(5, 1);
    EXPECT_EQ(q.pending(), (std::vector<TviewId>{5, 10, 20, 30}));
    q.take(10);
    EXPECT_EQ(q.pending(), (std::vector<TviewId>{5, 20, 30}));
}

TEST(KeyQueue, AddAllEmptyCreatesNothing) {
    KeyQueue q;
    q.add_all(3, {});
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(has_pending(q, 3));
}

TEST(KeyQueue, MarkFull) {
    KeyQueue q;
    q.mark_full(4);
    EXPECT_FALSE(q.empty());
    EXPECT_TRUE(has_pending(q, 4));
    EXPECT_TRUE(q.is_full(4));
    EXPECT_FALSE(q.is_full(5));
    q.add(4, 1);
    KeyQueue::Batch b = q.take(4);
    EXPECT_TRUE(b.full);
    EXPECT_EQ(b.keys, Keys{1});
    EXPECT_FALSE(q.is_full(4));  // taking clears the flag with the rest
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueue, MillionAddsOfThousandKeysStaySmall) {
    KeyQueue q;
    for (int i = 0; i < 1000000; ++i) q.add(1, static_cast<Key>(i % 1000));
    q.add(2, 1);
    EXPECT_EQ(q.size(), 1001u);
    KeyQueue::Batch b = q.take(1);
    ASSERT_EQ(b.keys.size(), 1000u);
    for (std::size_t i = 0; i < b.keys.size(); ++i) EXPECT_EQ(b.keys[i], static_cast<Key>(i));
    // Lazy compaction keeps the backing storage proportional to the distinct
    // keys (at most ~2x + slack), not to the number of adds.
    EXPECT_LT(b.keys.capacity(), 100000u);
}

TEST(KeyQueue, LargeDistinctSetIsExact) {
    KeyQueue q;
    for (Key k = 99999; k >= 0; --k) q.add(1, k);
    for (Key k = 0; k < 100000; k += 2) q.add(1, k);
    KeyQueue::Batch b = q.take(1);
    ASSERT_EQ(b.keys.size(), 100000u);
    for (std::size_t i = 0; i < b.keys.size(); ++i) ASSERT_EQ(b.keys[i], static_cast<Key>(i));
}

// --- subtransactions -------------------------------------------------------

TEST(KeyQueueSubxact, AbortRequeuesFlushedKeysAndFullFlag) {
    KeyQueue q;
    q.add(1, 3);
    q.add(1, 1);
    q.mark_full(1);
    q.add(2, 9);
    KeyQueue::Batch b1 = q.take(1);
    KeyQueue::Batch b2 = q.take(2);
    q.record_flushed(2, b1);
    q.record_flushed(2, b2);
    EXPECT_TRUE(q.empty());

    q.subxact_abort(2);
    EXPECT_EQ(q.pending(), (std::vector<TviewId>{1, 2}));
    EXPECT_TRUE(q.is_full(1));
    EXPECT_FALSE(q.is_full(2));
    KeyQueue::Batch r1 = q.take(1);
    EXPECT_TRUE(r1.full);
    EXPECT_EQ(r1.keys, (Keys{1, 3}));
    EXPECT_EQ(q.take(2).keys, Keys{9});
    // The log entries were used up: aborting again re-queues nothing.
    q.subxact_abort(2);
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueueSubxact, AbortMergesWithKeysQueuedSince) {
    KeyQueue q;
    q.add(1, 5);
    q.record_flushed(2, q.take(1));
    q.add(1, 5);
    q.add(1, 6);
    q.subxact_abort(2);
    EXPECT_EQ(q.take(1).keys, (Keys{5, 6}));
}

TEST(KeyQueueSubxact, AbortRequeuesFullBatchWithoutKeys) {
    KeyQueue q;
    q.mark_full(8);
    q.record_flushed(3, q.take(8));
    q.subxact_abort(3);
    EXPECT_TRUE(has_pending(q, 8));
    EXPECT_TRUE(q.is_full(8));
}

TEST(KeyQueueSubxact, CommitMovesToParentThenDroppedAtTopLevel) {
    KeyQueue q;
    q.add(1, 7);
    q.record_flushed(2, q.take(1));
    q.subxact_commit(2);  // now belongs to level 1: can no longer be undone alone
    q.subxact_abort(2);   // a later, unrelated subtransaction aborts
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(has_pending(q, 1));
}

TEST(KeyQueueSubxact, NestedCommitThenParentAbortRequeues) {
    KeyQueue q;
    q.add(1, 11);
    q.add(1, 12);
    q.record_flushed(3, q.take(1));
    q.subxact_commit(3);  // level 3 -> 2
    EXPECT_TRUE(q.empty());
    q.subxact_abort(2);
    EXPECT_EQ(q.take(1).keys, (Keys{11, 12}));
    q.subxact_abort(2);  // the log entry was used up
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueueSubxact, NestedCommitTwiceReachesTopLevel) {
    KeyQueue q;
    q.add(1, 11);
    q.record_flushed(3, q.take(1));
    q.subxact_commit(3);
    q.subxact_commit(2);
    q.subxact_abort(2);
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueueSubxact, AbortOfInnerLevelKeepsOuterEntries) {
    KeyQueue q;
    q.add(1, 1);
    q.record_flushed(2, q.take(1));
    q.add(2, 2);
    q.record_flushed(3, q.take(2));
    q.subxact_abort(3);  // only the level-3 flush is undone
    EXPECT_EQ(q.pending(), std::vector<TviewId>{2});
    EXPECT_EQ(q.take(2).keys, Keys{2});
    q.subxact_abort(2);
    EXPECT_EQ(q.pending(), std::vector<TviewId>{1});
    EXPECT_EQ(q.take(1).keys, Keys{1});
    q.subxact_abort(2);  // nothing left in the log
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueueSubxact, RecordAtTopLevelIsIgnored) {
    KeyQueue q;
    q.add(1, 4);
    q.record_flushed(1, q.take(1));
    q.subxact_abort(2);
    q.subxact_abort(1);
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueueSubxact, ClearEmptiesEverything) {
    KeyQueue q;
    q.add(1, 1);
    q.mark_full(2);
    q.add(3, 3);
    q.record_flushed(2, q.take(3));
    EXPECT_FALSE(q.empty());
    q.clear();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
    EXPECT_TRUE(q.pending().empty());
    EXPECT_FALSE(q.is_full(2));
    q.subxact_abort(2);  // nothing left to requeue
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueue, TouchMakesATviewPendingWithoutKeys) {
    pg_tviews::KeyQueue q;
    q.touch(7);
    EXPECT_FALSE(q.empty());
    EXPECT_TRUE(has_pending(q, 7));
    auto batch = q.take(7);
    EXPECT_TRUE(batch.keys.empty());
    EXPECT_FALSE(batch.full);
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueue, CompactSmallMakesTheCountExact) {
    KeyQueue q;
    for (int round = 0; round < 3; round++) q.add_all(1, {5, 6, 7, 8, 9});  // one statement each
    EXPECT_EQ(q.queued_count(), 15u);  // not merged yet
    q.compact_small(4096);
    EXPECT_EQ(q.queued_count(), 5u);
    EXPECT_EQ(q.size(), 5u);
    // a set larger than the limit is left alone: the count stays an upper bound
    std::vector<pg_tviews::Key> many;
    for (pg_tviews::Key k = 0; k < 100; k++) many.push_back(k);
    q.add_all(2, many);
    q.add_all(2, many);
    q.compact_small(150);
    EXPECT_GE(q.queued_count(), 105u);
    EXPECT_EQ(q.size(), 105u);
}

TEST(KeyQueue, PatchedKeysAlsoRecomputedAreRecomputed) {
    KeyQueue q;
    q.add_patch(7, 100, {5, 3, 3, 9});
    q.add_patch(7, 200, {9, 1});
    q.add_all(7, {3});
    EXPECT_EQ(q.peek(7), (Keys{1, 3, 5, 9}));
    EXPECT_EQ(q.size(), 4u);
    KeyQueue::Batch b = q.take(7);
    // 9 is in both patches: recomputed once rather than written twice.
    EXPECT_EQ(b.keys, (Keys{3, 9}));
    ASSERT_EQ(b.patches.size(), 2u);
    EXPECT_EQ(b.patches[100], (Keys{5}));
    EXPECT_EQ(b.patches[200], (Keys{1}));
    EXPECT_EQ(b.all_keys(), (Keys{1, 3, 5, 9}));
    EXPECT_TRUE(q.empty());
}

TEST(KeyQueue, KeysOfTwoPatchesAreRecomputedOnce) {
    KeyQueue q;
    q.add_patch(7, 100, {4, 2, 8});
    q.add_patch(7, 200, {8, 6});
    q.add_patch(7, 300, {2});
    q.add_patch(7, 400, {10});
    KeyQueue::Batch b = q.take(7);
    EXPECT_EQ(b.keys, (Keys{2, 8}));
    ASSERT_EQ(b.patches.size(), 3u);  // 300's only key is recomputed
    EXPECT_EQ(b.patches[100], (Keys{4}));
    EXPECT_EQ(b.patches[200], (Keys{6}));
    EXPECT_EQ(b.patches[400], (Keys{10}));
    EXPECT_EQ(b.all_keys(), (Keys{2, 4, 6, 8, 10}));
}

TEST(KeyQueue, PatchesOfAFullRefreshVanish) {
    KeyQueue q;
    q.add_patch(7, 100, {5});
    q.mark_full(7);
    KeyQueue::Batch b = q.take(7);
    EXPECT_TRUE(b.full);
    EXPECT_TRUE(b.patches.empty());
}

TEST(KeyQueue, PatchesEntirelyRecomputedAreDropped) {
    KeyQueue q;
    q.add_patch(7, 100, {5, 6});
    q.add_all(7, {6, 5});
    KeyQueue::Batch b = q.take(7);
    EXPECT_EQ(b.keys, (Keys{5, 6}));
    EXPECT_TRUE(b.patches.empty());
}

TEST(KeyQueue, RolledBackPatchesComeBackToBeRecomputed) {
    KeyQueue q;
    q.add_patch(7, 100, {5});
    q.add_all(7, {2});
    KeyQueue::Batch b = q.take(7);
    q.record_flushed(2, b);
    q.subxact_abort(2);
    KeyQueue::Batch again = q.take(7);
    EXPECT_EQ(again.keys, (Keys{2, 5}));
    EXPECT_TRUE(again.patches.empty());
}

TEST(KeyQueue, QueuedCountIncludesPatches) {
    KeyQueue q;
    q.add_patch(7, 100, {5, 5});
    q.add_all(8, {1});
    EXPECT_EQ(q.queued_count(), 3u);  // not compacted yet
    q.compact_small(10);
    EXPECT_EQ(q.queued_count(), 2u);
}
