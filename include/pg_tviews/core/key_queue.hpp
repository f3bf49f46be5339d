// The per-transaction queue of keys to refresh, one key set per TVIEW.
//
// Keys are appended as they are captured and deduplicated lazily (sort +
// unique) whenever a set has doubled since its last compaction, so memory
// stays proportional to the distinct keys even when one row is written a
// million times. A TVIEW can also be marked "full": every key must be
// recomputed (after TRUNCATE of a base table, or when a base relation's
// changes cannot be turned into a key query).
//
// Flushes inside a subtransaction are logged per nesting level so that,
// when that subtransaction rolls back (and with it the refreshed rows),
// the keys can be queued again.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "pg_tviews/core/key_dictionary.hpp"

namespace pg_tviews {

using TviewId = std::uint32_t;  // the TVIEW table's OID
// An integer key, or the handle of a key of another type in the queue's
// dictionary (see key_dictionary.hpp).
using Key = std::int64_t;

class KeyQueue {
public:
    void add(TviewId tview, Key key);
    void add_all(TviewId tview, const std::vector<Key>& keys);
    // Keys whose documents only need the leaves that come from one base
    // relation (`patch`: its OID) set again (a patch). A key also queued for
    // recomputation is recomputed, not patched.
    void add_patch(TviewId tview, std::uint32_t patch, const std::vector<Key>& keys);
    void mark_full(TviewId tview);
    // Makes the TVIEW pending even without keys (something must be checked at flush).
    void touch(TviewId tview);

    bool empty() const;
    // Number of distinct pending keys over all TVIEWs (compacts the sets).
    std::size_t size();
    // Keys queued over all TVIEWs without compacting (duplicates not merged
    // yet count more than once): cheap, for publishing progress.
    std::size_t queued_count() const noexcept;
    // Compacts the pending sets of at most `limit` keys (cheap), so that
    // queued_count() is then exact for every TVIEW with no more keys than
    // that, and an upper bound for the others.
    void compact_small(std::size_t limit);
    // Number of TVIEWs with anything pending.
    std::size_t pending_tview_count() const noexcept { return pending_.size(); }
    // TVIEWs with anything pending, in ascending id order.
    std::vector<TviewId> pending() const;

    struct Batch {
        TviewId tview = 0;
        bool full = false;
        std::vector<Key> keys;  // sorted ascending, distinct: recompute these
        // Per patch: sorted, distinct, none of them in `keys` nor in another
        // patch (a key two patches would write is recomputed); empty when full.
        std::map<std::uint32_t, std::vector<Key>> patches;
        // Every key of the batch (recomputed or patched), sorted and distinct.
        std::vector<Key> all_keys() const;
        // Their number without building them (patches may share keys: an
        // upper bound then).
        std::size_t key_count() const noexcept;
    };
    // Removes and returns what is pending for one TVIEW.
    Batch take(TviewId tview);
    // A sorted, distinct copy of the pending keys, patched ones included
    // (for introspection).
    std::vector<Key> peek(TviewId tview);
    bool is_full(TviewId tview) const;

    // Subtransaction bookkeeping. `level` is the transaction nesting level
    // (1 = top level) at which a batch was flushed.
    void record_flushed(int level, const Batch& batch);
    void subxact_commit(int level);  // log entries at `level` move to level-1
    void subxact_abort(int level);   // entries at >= level are queued again

    void clear();  // end of transaction: nothing survives (the dictionary neither)

    // Where keys that are not integers get their handles: it lives as long
    // as the queue's contents, to the end of the transaction.
    KeyDictionary& dictionary() noexcept { return dictionary_; }
    const KeyDictionary& dictionary() const noexcept { return dictionary_; }

private:
    struct KeySet {
        std::vector<Key> keys;
        std::size_t compacted_size = 0;  // keys[0, compacted_size) are sorted and distinct
    };
    struct Pending : KeySet {
        bool full = false;
        std::map<std::uint32_t, KeySet> patches;
    };
    static void compact(KeySet& p);
    static void append(KeySet& set, const std::vector<Key>& keys);
    static void recompute_shared(Batch& b);

    std::map<TviewId, Pending> pending_;
    struct Flushed {
        int level;
        Batch batch;
    };
    std::vector<Flushed> flushed_;
    KeyDictionary dictionary_;
};

}  // namespace pg_tviews
