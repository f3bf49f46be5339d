// Key and link locks (key_locks.hpp): transaction-level advisory locks,
// released by PostgreSQL at the end of the transaction; the per-transaction
// count of locks taken is reset at its end.
#include "pg_tviews/pg/flush/key_locks.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/flush/flush.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/plan_cache.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/capture/transition_rows.hpp"

namespace pg_tviews::pg {

namespace {

// Advisory lock tags with this fourth field are pg_tviews' own (user-level
// advisory locks use 1 and 2); pg_locks shows them as objsubid = 3.
constexpr uint16 kKeyLockSpace = 3;
constexpr uint16 kLinkLockSpace = 4;   // (link id, hash of the value)
constexpr uint16 kLinkWholeSpace = 5;  // (link id, 0): intention / whole-link locks

std::vector<std::string> probe(SPIPlanPtr plan, Datum* args, Snapshot snapshot) {
    int rc = pg_call([&] {
        return snapshot ? SPI_execute_snapshot(plan, args, nullptr, snapshot, InvalidSnapshot, false, false, 0)
                        : SPI_execute_plan(plan, args, nullptr, false, 0);
    });
    if (rc < 0) throw std::runtime_error("pg_tviews: staleness probe failed");
    std::vector<std::string> rows;
    uint64 n = SPI_processed;
    rows.reserve(n);
    for (uint64 i = 0; i < n; i++) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc desc = SPI_tuptable->tupdesc;
        char* text = pg_call([&] { return SPI_getvalue(tuple, desc, 1); });
        rows.emplace_back(text ? text : "");
    }
    return rows;
}

}  // namespace

namespace {
// Advisory locks (keys and link values) this transaction took: together
// they stay within pg_tviews.max_key_locks, so that concurrent writers
// cannot fill the server's shared lock table.
int g_locks_taken = 0;
// TVIEWs whose keys this transaction locked one by one (it holds ROW
// EXCLUSIVE on their tables).
std::set<Oid>& key_locked() {
    static std::set<Oid> tables;
    return tables;
}
}  // namespace

bool keys_locked_before(Oid table_oid) { return key_locked().count(table_oid) != 0; }

std::size_t key_lock_budget_left() {
    int left = settings().max_key_locks - g_locks_taken;
    return left > 0 ? static_cast<std::size_t>(left) : 0;
}

void lock_keys(const TviewDef& tview, const std::vector<Key>& keys) {
    Oid relid = tview.table_oid;
    g_locks_taken += static_cast<int>(keys.size());
    key_locked().insert(relid);
    // In ascending tag order, each tag once: two flushes whose keys share
    // tags (a hash collision) take them in the same order, and never wait
    // for each other in a cycle.
    const KeyDictionary& dict = backend().queue.dictionary();
    std::vector<uint32> tags;
    tags.reserve(keys.size());
    for (Key key : keys) tags.push_back(key_lock_tag(tview.key, dict, key));
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    for (uint32 tag_key : tags) {
        pg_call([&] {
            LOCKTAG tag;
            SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, relid, tag_key, kKeyLockSpace);
            (void)LockAcquire(&tag, ExclusiveLock, false, false);
        });
    }
}

namespace {

void acquire_advisory(uint32 key1, uint32 key2, uint16 space, LOCKMODE mode) {
    pg_call([&] {
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, key1, key2, space);
        (void)LockAcquire(&tag, mode, false, false);
    });
}

// Hashes of the non-null values of one column in a transition table.
void collect_hashes(Tuplestorestate* rows, TupleDesc desc, AttrNumber attno, std::set<uint32>& out, bool& unhashable) {
    if (rows == nullptr) return;
    Oid type = TupleDescAttr(desc, attno - 1)->atttypid;
    TypeCacheEntry* tc = pg_call([&] { return lookup_type_cache(type, TYPECACHE_HASH_PROC_FINFO); });
    if (!OidIsValid(tc->hash_proc_finfo.fn_oid)) {
        unhashable = true;
        return;
    }
    Oid collation = TupleDescAttr(desc, attno - 1)->attcollation;
    for_each_value(rows, desc, attno, [&](Datum value, bool isnull) {
        if (isnull) return;
        out.insert(pg_call([&] { return DatumGetUInt32(FunctionCall1Coll(&tc->hash_proc_finfo, collation, value)); }));
    });
}

}  // namespace

namespace {
// Value locks taken per link in this transaction: row-level capture locks
// row by row, so the limit is counted over the transaction, not per call.
std::map<uint32, int>& link_lock_counts() {
    static std::map<uint32, int> counts;
    return counts;
}
}  // namespace

void forget_link_lock_counts() noexcept {
    link_lock_counts().clear();
    g_locks_taken = 0;
    key_locked().clear();
}

void lock_links(TupleDesc desc, Tuplestorestate* old_rows, Tuplestorestate* new_rows,
                const std::vector<LinkLock>& links) {
    if (links.empty()) return;
    for (const LinkLock& link : links) {
        std::set<uint32> hashes;
        bool unhashable = false;
        collect_hashes(old_rows, desc, link.attno, hashes, unhashable);
        collect_hashes(new_rows, desc, link.attno, hashes, unhashable);
        if (hashes.empty() && !unhashable) continue;
        int& taken = link_lock_counts()[link.link_id];
        if (unhashable || taken < 0 || hashes.size() > key_lock_budget_left()) {
            taken = -1;  // the whole link is locked from now on
            // The whole link: conflicts with every value lock's intention lock.
            acquire_advisory(link.link_id, 0, kLinkWholeSpace, ExclusiveLock);
            continue;
        }
        acquire_advisory(link.link_id, 0, kLinkWholeSpace, RowShareLock);
        for (uint32 h : hashes) acquire_advisory(link.link_id, h, kLinkLockSpace, static_cast<LOCKMODE>(link.mode));
        taken += static_cast<int>(hashes.size());
        g_locks_taken += static_cast<int>(hashes.size());
    }
}

void check_not_stale(const TviewDef& tview, const std::vector<Key>& keys, bool full) {
    if (!pg_call([] { return IsolationUsesXactSnapshot(); })) return;
    SPIPlanPtr plan = plan_cache().get(tview, full ? PlanKind::kProbeAll : PlanKind::kProbe);
    Datum args[1] = {full ? Datum(0) : key_array(tview.key, backend().queue.dictionary(), keys)};
    auto mine = probe(plan, full ? nullptr : args, nullptr);
    Snapshot latest = pg_call([] {
        CommandCounterIncrement();
        return GetLatestSnapshot();
    });
    auto committed = probe(plan, full ? nullptr : args, latest);
    if (mine != committed)
        throw TviewError(sqlstate::kSerializationFailure,
                         fmt::format("could not serialize access due to concurrent update of TVIEW \"{}\"", tview.table),
                         "Another transaction committed changes to rows this transaction's documents are built from "
                         "after this transaction's snapshot was taken.",
                         "Retry the transaction.");
}

}  // namespace pg_tviews::pg
