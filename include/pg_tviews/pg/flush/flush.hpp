// Flushing the queue: for each TVIEW with pending keys, in dependency order
// (level, then table OID — also the global order in which keys are locked):
// lock the existing rows of the keys, delete the keys the view no longer
// produces, upsert the rows that changed. Writes to a tv_ table fire its
// own capture triggers, which queue the keys of TVIEWs built on it; those
// have a higher level and are refreshed later in the same flush.
#pragma once

#include <cstdint>

#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/settings.hpp"

namespace pg_tviews::pg {

// Flushes everything queued; returns the number of keys refreshed.
std::int64_t flush_queue();

// Rebuilds one TVIEW entirely; returns rows inserted, updated or deleted.
std::int64_t refresh_full(const TviewPtr& tview);



}  // namespace pg_tviews::pg
