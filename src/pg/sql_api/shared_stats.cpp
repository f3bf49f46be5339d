// Server-wide figures in shared memory (see shared_stats.hpp).
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/catalog/settings.hpp"
#include "pg_tviews/pg/border/compat.hpp"

#include <cstring>
#include <map>

#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

extern "C" {
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
}

namespace pg_tviews::pg {

namespace {

// ---- the shared area ---------------------------------------------------------

struct Slot {
    volatile std::uint32_t changecount;  // odd while its owner writes it
    BackendNumbers numbers;
    char application_name[NAMEDATALEN];
    char progress_phase[24];
};

constexpr int kCaches = 3;

struct SharedHeader {
    LWLock* lock;  // the TVIEW entries
    int nslots;
    pg_atomic_uint64 hits[kCaches];
    pg_atomic_uint64 misses[kCaches];
    Slot slots[FLEXIBLE_ARRAY_MEMBER];
};

struct TviewKey {
    Oid database;
    Oid table_oid;
};

struct TviewEntry {
    TviewKey key;  // hash key, first
    TviewFigures figures;
};

SharedHeader* g_shared = nullptr;
HTAB* g_tviews = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;

Size area_size() {
    return add_size(offsetof(SharedHeader, slots), mul_size(MaxBackends, sizeof(Slot)));
}

void request_area() {
    if (prev_request_hook) prev_request_hook();
    RequestAddinShmemSpace(add_size(area_size(), hash_estimate_size(settings().max_tracked_tviews, sizeof(TviewEntry))));
    RequestNamedLWLockTranche("pg_tviews", 1);
}

void start_area() {
    if (prev_startup_hook) prev_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    g_shared = static_cast<SharedHeader*>(ShmemInitStruct("pg_tviews", area_size(), &found));
    if (!found) {
        memset(static_cast<void*>(g_shared), 0, area_size());
        g_shared->lock = &(GetNamedLWLockTranche("pg_tviews"))->lock;
        g_shared->nslots = MaxBackends;
        for (int i = 0; i < kCaches; i++) {
            pg_atomic_init_u64(&g_shared->hits[i], 0);
            pg_atomic_init_u64(&g_shared->misses[i], 0);
        }
    }
    HASHCTL info;
    memset(&info, 0, sizeof info);
    info.keysize = sizeof(TviewKey);
    info.entrysize = sizeof(TviewEntry);
    g_tviews = ShmemInitHash("pg_tviews TVIEW figures", settings().max_tracked_tviews, settings().max_tracked_tviews, &info, HASH_ELEM | HASH_BLOBS);
    LWLockRelease(AddinShmemInitLock);
}

// ---- this backend --------------------------------------------------------------

Slot g_local_slot;  // without the shared area (or outside a regular backend)
std::map<Oid, TviewFigures> g_local_tviews;
std::uint64_t g_local_hits[kCaches] = {};
std::uint64_t g_local_misses[kCaches] = {};
bool g_exit_registered = false;

void clear_slot(int, Datum arg) {
    auto* slot = reinterpret_cast<Slot*>(DatumGetPointer(arg));
    slot->changecount++;
    pg_write_barrier();
    slot->numbers.pid = 0;
    pg_write_barrier();
    slot->changecount++;
}

Slot* my_slot() {
    int index = my_backend_index();
    if (g_shared == nullptr || index < 0 || index >= g_shared->nslots) return &g_local_slot;
    Slot* slot = &g_shared->slots[index];
    if (!g_exit_registered) {
        g_exit_registered = true;
        before_shmem_exit(clear_slot, PointerGetDatum(slot));
    }
    return slot;
}

// Writes the slot between two changes of its counter (readers retry while odd).
template <typename Fn>
void write_slot(Fn&& fn) {
    Slot* slot = my_slot();
    slot->changecount++;
    pg_write_barrier();
    slot->numbers.pid = MyProcPid;
    slot->numbers.database = MyDatabaseId;
    slot->numbers.role = GetSessionUserId();
    fn(*slot);
    pg_write_barrier();
    slot->changecount++;
}

}  // namespace


void shared_stats_request() {
    prev_request_hook = shmem_request_hook;
    shmem_request_hook = request_area;
    prev_startup_hook = shmem_startup_hook;
    shmem_startup_hook = start_area;
}

bool shared_stats_available() { return g_shared != nullptr; }

bool slot_tracking() noexcept { return settings().track_stats; }

void slot_publish_queue(std::size_t keys, std::size_t tviews) {
    if (!settings().track_stats) return;
    TimestampTz now = keys > 0 ? GetCurrentTimestamp() : 0;
    TransactionId xid = GetTopTransactionIdIfAny();
    write_slot([&](Slot& s) {
        if (application_name) strlcpy(s.application_name, application_name, NAMEDATALEN);
        s.numbers.xid = xid;
        s.numbers.keys_pending = keys;
        s.numbers.tviews_pending = static_cast<std::uint32_t>(tviews);
        if (keys > 0) s.numbers.last_enqueued = now;
    });
}

void slot_flush_begin() {
    if (!settings().track_stats) return;
    TimestampTz now = GetCurrentTimestamp();
    write_slot([&](Slot& s) {
        if (s.numbers.flushing_since == 0) s.numbers.flushing_since = now;
    });
}

void slot_progress_begin(Oid tview, const char* phase, std::uint64_t total) noexcept {
    TimestampTz now = GetCurrentTimestamp();
    write_slot([&](Slot& sl) {
        sl.numbers.progress_tview = tview;
        strlcpy(sl.progress_phase, phase, sizeof(sl.progress_phase));
        sl.numbers.progress_done = 0;
        sl.numbers.progress_total = total;
        sl.numbers.progress_started = now;
    });
}

void slot_progress_step(std::uint64_t done) noexcept {
    write_slot([&](Slot& sl) { sl.numbers.progress_done = done; });
}

void slot_progress_end() noexcept {
    if (my_slot()->numbers.progress_tview == InvalidOid) return;
    write_slot([](Slot& sl) {
        sl.numbers.progress_tview = InvalidOid;
        sl.progress_phase[0] = '\0';
    });
}

void slot_flush_end() {
    if (!settings().track_stats && my_slot()->numbers.flushing_since == 0) return;
    write_slot([](Slot& s) { s.numbers.flushing_since = 0; });
}

void slot_transaction_end() {
    Slot* slot = my_slot();
    if (slot->numbers.keys_pending == 0 && slot->numbers.flushing_since == 0 && slot->numbers.xid == InvalidTransactionId) return;
    write_slot([](Slot& s) {
        s.numbers.xid = InvalidTransactionId;
        s.numbers.keys_pending = 0;
        s.numbers.tviews_pending = 0;
        s.numbers.flushing_since = 0;
    });
}

void slot_cache_entries(std::size_t graph_entries, std::size_t refresh_plans, std::size_t key_plans) noexcept {
    if (!settings().track_stats) return;
    write_slot([&](Slot& s) {
        s.numbers.graph_entries = graph_entries;
        s.numbers.refresh_plans = refresh_plans;
        s.numbers.key_plans = key_plans;
    });
}

void count_cache(CacheKind kind, bool hit) {
    // This backend's figures (pg_tviews_queue_stats(): plans of both kinds
    // count as its table cache) ...
    Stats& s = backend().stats;
    if (kind == CacheKind::kGraph)
        (hit ? s.graph_cache_hits : s.graph_cache_misses)++;
    else
        (hit ? s.table_cache_hits : s.table_cache_misses)++;
    // ... and the server's (pg_tviews_cache_stats).
    if (!settings().track_stats) return;
    int i = static_cast<int>(kind);
    if (g_shared) {
        pg_atomic_fetch_add_u64(hit ? &g_shared->hits[i] : &g_shared->misses[i], 1);
    } else {
        (hit ? g_local_hits : g_local_misses)[i]++;
    }
}

CacheFigures cache_figures(CacheKind kind) {
    int i = static_cast<int>(kind);
    if (g_shared) return {pg_atomic_read_u64(&g_shared->hits[i]), pg_atomic_read_u64(&g_shared->misses[i])};
    return {g_local_hits[i], g_local_misses[i]};
}

namespace {

void add_figures(TviewFigures& t, const RefreshFigures& f, TimestampTz now) {
    t.refreshes++;
    t.keys += f.keys;
    t.inserted += f.inserted;
    t.updated += f.updated;
    t.deleted += f.deleted;
    std::uint64_t written = f.inserted + f.updated + f.deleted;
    if (f.keys > written) t.unchanged += f.keys - written;
    if (f.full) t.full_refreshes++;
    t.total_ms += f.ms;
    if (f.ms > t.max_ms) t.max_ms = f.ms;
    t.last_refresh = now;
}

}  // namespace

void record_refresh(Oid table_oid, const RefreshFigures& f) {
    if (!settings().track_stats) return;
    TimestampTz now = GetCurrentTimestamp();
    if (g_shared == nullptr) {
        TviewFigures& t = g_local_tviews[table_oid];
        t.database = MyDatabaseId;
        t.table_oid = table_oid;
        add_figures(t, f, now);
        return;
    }
    TviewKey key{MyDatabaseId, table_oid};
    pg_call([&] {
        LWLockAcquire(g_shared->lock, LW_EXCLUSIVE);
        bool found = false;
        auto* e = static_cast<TviewEntry*>(hash_search(g_tviews, &key, HASH_ENTER_NULL, &found));
        if (e) {
            if (!found) {
                e->figures = TviewFigures{};
                e->figures.database = key.database;
                e->figures.table_oid = key.table_oid;
            }
            add_figures(e->figures, f, now);
        }
        LWLockRelease(g_shared->lock);
    });
}

std::vector<BackendFigures> backend_figures() {
    std::vector<BackendFigures> out;
    auto copy = [&](const Slot& s) {
        BackendFigures b;
        static_cast<BackendNumbers&>(b) = s.numbers;
        b.application_name = s.application_name;
        if (s.numbers.progress_tview != InvalidOid)
            b.progress_phase.assign(s.progress_phase, strnlen(s.progress_phase, sizeof(s.progress_phase)));
        return b;
    };
    if (g_shared == nullptr) {
        if (g_local_slot.numbers.pid != 0) out.push_back(copy(g_local_slot));
        return out;
    }
    for (int i = 0; i < g_shared->nslots; i++) {
        volatile Slot* shared = &g_shared->slots[i];
        for (int attempt = 0;; attempt++) {
            std::uint32_t before = shared->changecount;
            pg_read_barrier();
            Slot copy_of;
            memcpy(static_cast<void*>(&copy_of), const_cast<Slot*>(shared), sizeof(Slot));
            pg_read_barrier();
            std::uint32_t after = shared->changecount;
            if (before == after && (before & 1) == 0) {
                if (copy_of.numbers.pid != 0) {
                    copy_of.application_name[NAMEDATALEN - 1] = '\0';
                    out.push_back(copy(copy_of));
                }
                break;
            }
            if (attempt > 1000) break;  // a writer that died mid-write: skip the slot
        }
    }
    return out;
}

std::vector<TviewFigures> tview_figures() {
    std::vector<TviewFigures> out;
    if (g_shared == nullptr) {
        for (const auto& [oid, t] : g_local_tviews) out.push_back(t);
        return out;
    }
    pg_call([&] {
        LWLockAcquire(g_shared->lock, LW_SHARED);
        HASH_SEQ_STATUS seq;
        hash_seq_init(&seq, g_tviews);
        while (auto* e = static_cast<TviewEntry*>(hash_seq_search(&seq)))
            if (e->key.database == MyDatabaseId) out.push_back(e->figures);
        LWLockRelease(g_shared->lock);
    });
    return out;
}

void reset_tview_figures(Oid table_oid) {
    if (g_shared == nullptr) {
        if (table_oid == InvalidOid)
            g_local_tviews.clear();
        else
            g_local_tviews.erase(table_oid);
        return;
    }
    pg_call([&] {
        LWLockAcquire(g_shared->lock, LW_EXCLUSIVE);
        HASH_SEQ_STATUS seq;
        hash_seq_init(&seq, g_tviews);
        while (auto* e = static_cast<TviewEntry*>(hash_seq_search(&seq)))
            if (e->key.database == MyDatabaseId && (table_oid == InvalidOid || e->key.table_oid == table_oid))
                hash_search(g_tviews, &e->key, HASH_REMOVE, nullptr);
        LWLockRelease(g_shared->lock);
    });
}

}  // namespace pg_tviews::pg
