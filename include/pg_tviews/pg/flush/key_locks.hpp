// Concurrency protocol of the flush (see docs/concurrency.md).
//
// Before recomputing a TVIEW's keys, a flush takes a transaction-level lock
// per key (an advisory lock in pg_tviews' own key space: database, TVIEW
// table OID, key) — or, when the keys do not fit in what is left of the
// transaction's pg_tviews.max_key_locks, one EXCLUSIVE lock on the TVIEW
// table. Flushes take them in one global order (dependency
// level, TVIEW, key), so two flushes never deadlock each other, and a second
// writer of the same document waits until the first commits.
//
// Under READ COMMITTED the recompute that follows uses a fresh snapshot, so
// it sees the first writer's committed changes. Under REPEATABLE READ and
// SERIALIZABLE the transaction's snapshot may be older: the rows it would
// write are compared with the rows the latest committed state gives; if they
// differ the flush fails with 40001 instead of writing stale documents.
//
// Link locks close the remaining gap under READ COMMITTED: a transaction
// that re-links a post to author B, and one that renames B at the same time,
// would each recompute from a state without the other's change, and the
// rename would not even know the post is now B's. So every captured change
// locks, for each equality link of a TVIEW query that its relation takes
// part in (tb_post.fk_user = tb_user.pk_user), the link value of the changed
// rows (B), old and new versions, in a mode per side of the link: changes
// on both sides of the same value serialize, changes on one side do not.
// The keys are computed after these locks are held, with a fresh snapshot.
// Links where neither side finds its keys through a query are not locked
// (the key locks already serialize such changes; see describe_locked).
// When the values do not fit in the budget a statement locks the whole link.
#pragma once

#include <vector>

#include "pg_tviews/pg/catalog/catalog.hpp"

namespace pg_tviews::pg {

// How many more key or link value locks this transaction may take
// (pg_tviews.max_key_locks counts them all, over the whole transaction).
std::size_t key_lock_budget_left();

// Whether this transaction locked keys of that TVIEW one by one already
// (then it keeps doing so: locking its table instead would upgrade the
// table lock it holds, which two such transactions could deadlock on).
bool keys_locked_before(Oid table_oid);

// Locks the keys of one TVIEW, by their lock tags in ascending order. (When they do not fit in
// the budget the flush locks the table instead.)
void lock_keys(const TviewDef& tview, const std::vector<Key>& keys);

// Link locks for changed rows (old and new versions).
void lock_links(TupleDesc desc, Tuplestorestate* old_rows, Tuplestorestate* new_rows,
                const std::vector<LinkLock>& links);

// End of transaction: the per-transaction counts of locks restart.
void forget_link_lock_counts() noexcept;

// REPEATABLE READ / SERIALIZABLE: fails with 40001 when the view's rows for
// the keys (all rows when `full`) differ between the transaction snapshot
// and the latest snapshot. No-op under READ COMMITTED.
void check_not_stale(const TviewDef& tview, const std::vector<Key>& keys, bool full);

}  // namespace pg_tviews::pg
