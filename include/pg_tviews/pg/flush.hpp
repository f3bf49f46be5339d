// Flushing the queue: for each TVIEW with pending keys, in dependency order
// (level, then table OID — also the global order in which keys are locked):
// lock the existing rows of the keys, delete the keys the view no longer
// produces, upsert the rows that changed. Writes to a tv_ table fire its
// own capture triggers, which queue the keys of TVIEWs built on it; those
// have a higher level and are refreshed later in the same flush.
#pragma once

#include <cstdint>

#include "pg_tviews/pg/catalog.hpp"

namespace pg_tviews::pg {

// Flushes everything queued; returns the number of keys refreshed.
std::int64_t flush_queue();

// Rebuilds one TVIEW entirely; returns rows inserted, updated or deleted.
std::int64_t refresh_full(const TviewPtr& tview);

enum class RefreshMode { kDeferred = 0, kImmediate = 1 };

struct Settings {
    int refresh_mode = static_cast<int>(RefreshMode::kDeferred);
    int max_propagation_depth = 100;
    bool metrics_enabled = false;
    int max_key_locks = 256;
    bool patching = true;  // pg_tviews.patching: set leaves again instead of recomputing documents
    int flush_chunk_keys = 2000;
    int flush_timeout_ms = 0;  // 0: no limit
    bool allow_direct_writes = false;  // owners may write tv_ tables by hand (manual repair)
    int progress_notices_ms = 0;       // a NOTICE this often during long refreshes; 0: none
};
Settings& settings();


}  // namespace pg_tviews::pg
