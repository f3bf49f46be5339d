// Server-wide figures in shared memory (with shared_preload_libraries =
// 'pg_tviews'), the way pg_stat_activity and pg_stat_statements see every
// backend:
//   * one slot per backend: who, its transaction, keys and TVIEWs pending,
//     when it last queued a key, since when it is flushing;
//   * one entry per TVIEW (database, table OID): refreshes, keys, rows
//     inserted / updated / deleted / left unchanged, full refreshes, time;
//   * per cache: hits and misses (entries are summed over the slots).
// Each backend writes only its own slot (a change counter lets readers take
// a consistent copy without a lock); TVIEW entries are updated under one
// LWLock, once per refresh step. Without preload there is no shared area:
// the functions report the current backend alone and say so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

// From _PG_init while preloading: reserve the area (pg_tviews.max_tracked_tviews).
void shared_stats_request();
// Whether this backend is attached to the shared area.
bool shared_stats_available();

// This backend's slot. Cheap: a few stores.
void slot_publish_queue(std::size_t keys, std::size_t tviews);
// Whether this backend publishes its figures (pg_tviews.track_stats).
bool slot_tracking() noexcept;
void slot_flush_begin();
void slot_flush_end();
// A long step of this backend (a refresh, a full refresh, a population),
// for pg_tviews_progress: begun with the keys it will go through (0 when
// unknown), stepped with the keys done, ended.
void slot_progress_begin(Oid tview, const char* phase, std::uint64_t total) noexcept;
void slot_progress_step(std::uint64_t done) noexcept;
void slot_progress_end() noexcept;
void slot_transaction_end();
void slot_cache_entries(std::size_t graph_entries, std::size_t refresh_plans, std::size_t key_plans) noexcept;

enum class CacheKind { kGraph = 0, kTable = 1, kPlans = 2 };
// One cache lookup: counted in this backend's figures and, unless
// pg_tviews.track_stats is off, the server's.
void count_cache(CacheKind kind, bool hit);

struct RefreshFigures {
    std::uint64_t keys = 0;
    std::uint64_t inserted = 0;
    std::uint64_t updated = 0;
    std::uint64_t deleted = 0;
    bool full = false;
    double ms = 0.0;
};
void record_refresh(Oid table_oid, const RefreshFigures& f);

// Readers (copies).
// What a backend publishes besides its two texts: plain values, copied as
// one block between the shared slot and the reader's copy.
struct BackendNumbers {
    int pid = 0;
    Oid database = InvalidOid;
    Oid role = InvalidOid;
    TransactionId xid = InvalidTransactionId;
    std::uint64_t keys_pending = 0;
    std::uint32_t tviews_pending = 0;
    TimestampTz last_enqueued = 0;
    TimestampTz flushing_since = 0;
    std::uint64_t graph_entries = 0;
    std::uint64_t refresh_plans = 0;
    std::uint64_t key_plans = 0;
    Oid progress_tview = InvalidOid;  // a long step under way (pg_tviews_progress)
    std::uint64_t progress_done = 0;
    std::uint64_t progress_total = 0;
    TimestampTz progress_started = 0;
};

struct BackendFigures : BackendNumbers {
    std::string application_name;
    std::string progress_phase;
};
std::vector<BackendFigures> backend_figures();  // the current backend alone without preload

struct TviewFigures {
    Oid database = InvalidOid;
    Oid table_oid = InvalidOid;
    std::uint64_t refreshes = 0;
    std::uint64_t keys = 0;
    std::uint64_t inserted = 0;
    std::uint64_t updated = 0;
    std::uint64_t deleted = 0;
    std::uint64_t unchanged = 0;
    std::uint64_t full_refreshes = 0;
    double total_ms = 0.0;
    double max_ms = 0.0;
    TimestampTz last_refresh = 0;
};
std::vector<TviewFigures> tview_figures();  // this backend's since it started, without preload
// Forgets the figures of the current database's TVIEWs (all when `table_oid` is invalid).
void reset_tview_figures(Oid table_oid);

struct CacheFigures {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
};
CacheFigures cache_figures(CacheKind kind);

}  // namespace pg_tviews::pg
