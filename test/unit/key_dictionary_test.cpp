#include "pg_tviews/core/key_dictionary.hpp"

#include <string>

#include <gtest/gtest.h>

#include "pg_tviews/core/key_queue.hpp"

using namespace pg_tviews;

TEST(KeyDictionary, SameBytesSameHandle) {
    KeyDictionary d;
    auto a = d.intern("a0eebc99");
    auto b = d.intern("b1");
    EXPECT_NE(a, b);
    EXPECT_EQ(d.intern("a0eebc99"), a);
    EXPECT_EQ(d.intern("b1"), b);
    EXPECT_EQ(d.size(), 2u);
    EXPECT_EQ(d.bytes(a), "a0eebc99");
    EXPECT_EQ(d.bytes(b), "b1");
}

TEST(KeyDictionary, HandlesAreDenseFromZero) {
    KeyDictionary d;
    EXPECT_EQ(d.intern("x"), 0);
    EXPECT_EQ(d.intern("y"), 1);
    EXPECT_EQ(d.intern("x"), 0);
    EXPECT_EQ(d.intern("z"), 2);
}

TEST(KeyDictionary, EmptyAndBinaryBytes) {
    KeyDictionary d;
    std::string zeros("\0\0\0", 3);
    std::string other("\0\0\1", 3);
    auto e = d.intern("");
    auto z = d.intern(zeros);
    auto o = d.intern(other);
    EXPECT_NE(z, o);
    EXPECT_NE(e, z);
    EXPECT_EQ(d.bytes(e), "");
    EXPECT_EQ(d.bytes(z), zeros);
    EXPECT_EQ(d.intern(std::string("\0\0\1", 3)), o);
}

TEST(KeyDictionary, ManyKeysSurviveGrowth) {
    KeyDictionary d;
    for (int i = 0; i < 100000; i++) EXPECT_EQ(d.intern("key-" + std::to_string(i)), i);
    EXPECT_EQ(d.size(), 100000u);
    for (int i = 0; i < 100000; i += 997) {
        EXPECT_EQ(d.intern("key-" + std::to_string(i)), i);
        EXPECT_EQ(d.bytes(i), "key-" + std::to_string(i));
    }
}

TEST(KeyDictionary, UnknownHandleThrows) {
    KeyDictionary d;
    d.intern("a");
    EXPECT_TRUE(d.contains(0));
    EXPECT_FALSE(d.contains(1));
    EXPECT_FALSE(d.contains(-1));
    EXPECT_THROW(d.bytes(1), std::out_of_range);
}

TEST(KeyDictionary, ClearedWithTheQueue) {
    KeyQueue q;
    auto h = q.dictionary().intern("uuid-bytes");
    q.add(5, h);
    EXPECT_EQ(q.dictionary().size(), 1u);
    q.clear();
    EXPECT_EQ(q.dictionary().size(), 0u);
    EXPECT_TRUE(q.empty());
    // A new transaction starts handing out handles from zero again.
    EXPECT_EQ(q.dictionary().intern("other"), 0);
}
