// Concurrency protocol of the flush (see docs/concurrency.md).
//
// Before recomputing a TVIEW's keys, a flush takes a transaction-level lock
// per key (an advisory lock in pg_tviews' own key space: database, TVIEW
// table OID, key) — or, above pg_tviews.max_key_locks keys, one EXCLUSIVE
// lock on the TVIEW table. Flushes take them in one global order (dependency
// level, TVIEW, key), so two flushes never deadlock each other, and a second
// writer of the same document waits until the first commits.
//
// Under READ COMMITTED the recompute that follows uses a fresh snapshot, so
// it sees the first writer's committed changes. Under REPEATABLE READ and
// SERIALIZABLE the transaction's snapshot may be older: the rows it would
// write are compared with the rows the latest committed state gives; if they
// differ the flush fails with 40001 instead of writing stale documents.
#pragma once

#include <vector>

#include "pg_tviews/pg/catalog.hpp"

namespace pg_tviews::pg {

// Locks the keys (sorted ascending) of one TVIEW. (Above
// pg_tviews.max_key_locks keys the flush locks the table instead.)
void lock_keys(const TviewDef& tview, const std::vector<int64>& keys);

// REPEATABLE READ / SERIALIZABLE: fails with 40001 when the view's rows for
// the keys (all rows when `full`) differ between the transaction snapshot
// and the latest snapshot. No-op under READ COMMITTED.
void check_not_stale(TviewDef& tview, const std::vector<int64>& keys, bool full);

}  // namespace pg_tviews::pg
