// Flushing the queue (flush.hpp): at commit, at the end of a statement in
// immediate mode, or when a statement reads a tv_ table. Runs in the
// writing transaction; an error aborts it with the original SQLSTATE.
#include "pg_tviews/pg/flush/flush.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/patched_rows.hpp"
#include "pg_tviews/pg/flush/change_feed.hpp"
#include "pg_tviews/pg/flush/key_locks.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/plan_cache.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

namespace pg_tviews::pg {

namespace {

// pg_tviews.flush_timeout. statement_timeout does not apply at COMMIT (the
// server disables it before the transaction commits), so a flush at commit
// has its own timer: when it fires, the flush is cancelled like a statement
// and fails with a message that names the setting.
TimeoutId g_flush_timer = MAX_TIMEOUTS;
int g_flush_timer_pid = 0;  // a backend's timeouts are set up anew after fork: register per process
volatile sig_atomic_t g_flush_timed_out = 0;

void on_flush_timeout() {
    g_flush_timed_out = 1;
    InterruptPending = true;
    QueryCancelPending = true;
    SetLatch(MyLatch);
}

// Arms the timer for the outermost flush; disarms it when the scope ends.
class FlushTimer {
public:
    FlushTimer() {
        int ms = settings().flush_timeout_ms;
        if (ms <= 0 || armed_) return;
        if (g_flush_timer_pid != MyProcPid) {
            pg_call([] { g_flush_timer = RegisterTimeout(USER_TIMEOUT, on_flush_timeout); });
            g_flush_timer_pid = MyProcPid;
        }
        cancel_was_pending_ = QueryCancelPending;
        g_flush_timed_out = 0;
        pg_call([&] { enable_timeout_after(g_flush_timer, ms); });
        armed_ = mine_ = true;
    }
    ~FlushTimer() {
        if (!mine_) return;
        armed_ = false;
        disable_timeout(g_flush_timer, false);
        // Fired after the work was done: the cancel it requested is not for anyone.
        if (g_flush_timed_out && std::uncaught_exceptions() == 0) QueryCancelPending = cancel_was_pending_;
    }
    FlushTimer(const FlushTimer&) = delete;
    FlushTimer& operator=(const FlushTimer&) = delete;

private:
    static inline bool armed_ = false;
    bool mine_ = false;
    bool cancel_was_pending_ = false;
};

// Shows the flush in this backend's shared slot while it runs.
struct FlushingSlot {
    FlushingSlot() { slot_flush_begin(); }
    ~FlushingSlot() {
        slot_flush_end();
        catalog().publish_entries();
        BackendState& b = backend();
        slot_publish_queue(b.queue.queued_count(), b.queue.pending_tview_count());
    }
    FlushingSlot(const FlushingSlot&) = delete;
    FlushingSlot& operator=(const FlushingSlot&) = delete;
};

// A long refresh as pg_tviews_progress shows it, and (with
// pg_tviews.progress_notices) as NOTICEs to the client now and then.
class Progress {
public:
    Progress(Oid tview, const char* phase, std::size_t total, const std::string& table)
        : phase_(phase), total_(total), table_(table), last_(std::chrono::steady_clock::now()) {
        slot_progress_begin(tview, phase, total);
    }
    ~Progress() { slot_progress_end(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void step(std::size_t done) {
        slot_progress_step(done);
        int every = settings().progress_notices_ms;
        if (every <= 0 || done >= total_) return;
        auto now = std::chrono::steady_clock::now();
        if (now - last_ < std::chrono::milliseconds(every)) return;
        last_ = now;
        pg_call([&] {
            ereport(NOTICE, (errmsg("pg_tviews: %s of %s: %zu of %zu keys", phase_, table_.c_str(), done, total_)));
        });
    }

private:
    const char* phase_;
    std::size_t total_;
    std::string table_;
    std::chrono::steady_clock::time_point last_;
};

// Every key of the view and of the table, ascending (a full refresh).
std::vector<Key> all_keys(const TviewDef& d) {
    uint64 n = execute_plan(plan_cache().get(d, PlanKind::kAllKeys), nullptr, nullptr, false);
    std::vector<Key> keys;
    read_keys(d.key, backend().queue.dictionary(), n, keys);  // the query leaves NULL keys out
    return keys;
}

struct Written {
    std::uint64_t rows = 0;  // inserted + updated + deleted
    std::uint64_t inserted = 0;
    std::uint64_t deleted = 0;
};

// Runs an upsert plan: returns rows written; a key produced by two rows of
// the view fails the transaction (the table could hold only one of them).
Written run_upsert(const TviewDef& d, SPIPlanPtr plan, Datum* args) {
    execute_plan(plan, args, nullptr, false);
    bool written_null = true;
    bool dup_null = true;
    bool inserted_null = true;
    bool deleted_null = true;
    Datum written = 0;
    Datum dup = 0;
    Datum inserted = 0;
    Datum deleted = 0;
    pg_call([&] {
        HeapTuple row = SPI_tuptable->vals[0];
        TupleDesc desc = SPI_tuptable->tupdesc;
        written = SPI_getbinval(row, desc, 1, &written_null);
        dup = SPI_getbinval(row, desc, 2, &dup_null);
        inserted = SPI_getbinval(row, desc, 3, &inserted_null);
        deleted = SPI_getbinval(row, desc, 4, &deleted_null);
    });
    if (!dup_null) {
        char* dup_text = pg_call([&] { return TextDatumGetCString(dup); });
        std::string duplicate(dup_text);
        throw TviewError(sqlstate::kUniqueViolation,
                         fmt::format("key column \"{}\" of TVIEW \"{}\" is not unique", d.key_column, d.table),
                         fmt::format("Key ({})=({}) is produced by more than one row of {}.", d.key_column,
                                     duplicate, d.view),
                         fmt::format("The SELECT must return one row per {0}: group by {0}, or aggregate the rows "
                                     "that the joins multiply.",
                                     d.key_column));
    }
    auto count = [](bool isnull, Datum d) { return isnull ? 0 : static_cast<std::uint64_t>(DatumGetInt64(d)); };
    Written w{count(written_null, written), count(inserted_null, inserted), count(deleted_null, deleted)};
    // The change feed's variant returns what it wrote (NULL: nothing).
    // The result is freed now: a flush of many slices runs them all in one
    // SPI connection, whose results would otherwise stay until its end.
    // Its text is made in a context of its own, deleted at once.
    std::string text;
    bool has_changes = false;
    pg_call([&] {
        if (w.rows > 0 && SPI_tuptable->tupdesc->natts >= 5) {
            MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "pg_tviews change feed",
                                                          ALLOCSET_DEFAULT_SIZES);
            MemoryContext old = MemoryContextSwitchTo(scratch);
            char* changes = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
            MemoryContextSwitchTo(old);
            if (changes) {
                text.assign(changes);
                has_changes = true;
            }
            MemoryContextDelete(scratch);
        }
        SPI_freetuptable(SPI_tuptable);
    });
    if (has_changes) change_feed_record(d, text);
    return w;
}

// A row of the view without a key cannot be stored: fail like creation does.
void check_null_keys(const TviewDef& d) {
    if (execute_plan(plan_cache().get(d, PlanKind::kNullKey), nullptr, nullptr, false) > 0)
        throw TviewError(sqlstate::kNotNullViolation,
                         fmt::format("key column \"{}\" of TVIEW \"{}\" is null in a row of {}", d.key_column,
                                     d.table, d.view),
                         "", fmt::format("Every row needs a key: filter out rows without {0} or COALESCE it.",
                                         d.key_column));
}

// Calls fn(slice, end) for `keys` cut into slices of `chunk` keys, in
// order; `end` is the position after the slice.
template <typename Fn>
void for_each_slice(const std::vector<Key>& keys, std::size_t chunk, Fn&& fn) {
    for (std::size_t from = 0; from < keys.size(); from += chunk) {
        std::size_t to = std::min(keys.size(), from + chunk);
        std::vector<Key> slice(keys.begin() + static_cast<std::ptrdiff_t>(from),
                               keys.begin() + static_cast<std::ptrdiff_t>(to));
        fn(slice, to);
    }
}

// Sets the leaves of the documents of `keys` again (a patch plan), in
// slices of `chunk` keys; returns rows written. A plan with array leaves
// also returns the documents that do not have the shape its values
// describe: their keys go to `recompute`.
std::uint64_t run_patch(const TviewDef& d, const PatchPlan& patch, const std::vector<Key>& keys, std::size_t chunk,
                        std::vector<Key>& recompute) {
    SPIPlanPtr plan = plan_cache().get(d, PlanKind::kPatch, static_cast<std::size_t>(&patch - d.patches.data()));
    KeyDictionary& dict = backend().queue.dictionary();
    std::uint64_t written = 0;
    // $3: the changed rows' identities; $2: the same for the arrays placed
    // by position, up to kMostPositionalRows (NULL: read every element).
    constexpr int kMostPositionalRows = 64;
    bool unknown = true;
    int count = 0;
    Datum changed = patch.identity != 0 ? patched_rows_take(d.table_oid, patch.relid, &unknown, &count) : Datum(0);
    if (patch.keyed && unknown) {
        // Arrays found by key need every changed row: recompute instead.
        recompute.insert(recompute.end(), keys.begin(), keys.end());
        return 0;
    }
    const char nulls[4] = {' ', unknown || count > kMostPositionalRows ? 'n' : ' ', unknown ? 'n' : ' ', '\0'};
    for_each_slice(keys, chunk, [&](const std::vector<Key>& slice, std::size_t) {
        check_not_stale(d, slice, false);
        Datum arg[3] = {key_array(d.key, dict, slice), changed, changed};
        uint64 rows = execute_plan(plan, arg, patch.identity != 0 ? nulls : nullptr, false);
        int count_column = pg_call([&] { return SPI_tuptable->tupdesc->natts; });
        pg_call([&] {
            bool isnull = true;
            Datum n = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, count_column, &isnull);
            if (!isnull) written += static_cast<std::uint64_t>(DatumGetInt64(n));
        });
        if (count_column > 1) (void)read_keys(d.key, dict, rows, recompute);
        pg_call([&] {
            SPI_freetuptable(SPI_tuptable);
            pfree(DatumGetPointer(arg[0]));
        });
    });
    return written;
}

// Locks the TVIEW's table for a refresh step and returns the definition to
// refresh with, or nullptr when the TVIEW is gone. A concurrent DROP may
// have removed it while this transaction waited: the lock comes first, then
// the check that it still exists; a redefinition that committed meanwhile
// changed what it computes (even its columns): the definition as it is now.
// `whole`: the table is locked at once (a full refresh, or keys beyond the
// transaction's lock budget, pg_tviews.max_key_locks), never upgraded from
// a weaker lock.
TviewPtr lock_for_refresh(TviewPtr def, bool whole) {
    require_maintainable(*def);
    Oid relid = def->table_oid;
    LOCKMODE mode = whole ? ExclusiveLock : RowExclusiveLock;
    pg_call([&] { LockRelationOid(relid, mode); });
    if (!relation_exists(relid)) return nullptr;
    Catalog& cat = catalog();
    if (!cat.is_valid()) {
        cat.ensure_loaded();
        def = cat.find(relid);
        if (!def) return nullptr;
        require_maintainable(*def);
    }
    return def;
}

// The batch's keys split by how they are brought up to date: recomputed,
// or patched by one of the definition's patch plans. With the change feed
// on, or without a plan for that relation any more (a reload), patch keys
// are recomputed too.
struct RefreshWork {
    std::vector<Key> merged;  // batch.keys and the patches recomputed instead, when there are such
    const std::vector<Key>* recompute = nullptr;
    std::vector<std::pair<const PatchPlan*, const std::vector<Key>*>> patches;
};

void split_patches(const TviewPtr& def, const KeyQueue::Batch& batch, FeedMode feed, RefreshWork& work) {
    work.recompute = &batch.keys;
    BackendState& b = backend();
    auto decided = b.patched_under.find(def->table_oid);
    bool same_definition = decided != b.patched_under.end() && decided->second == def.get();
    for (const auto& [relid, patch_keys] : batch.patches) {
        const PatchPlan* plan = feed == FeedMode::kOff && same_definition ? def->patch_for(relid) : nullptr;
        if (plan) {
            work.patches.emplace_back(plan, &patch_keys);
            continue;
        }
        std::vector<Key> merged;
        std::set_union(work.recompute->begin(), work.recompute->end(), patch_keys.begin(), patch_keys.end(),
                       std::back_inserter(merged));
        work.merged.swap(merged);
        work.recompute = &work.merged;
    }
}

// Recomputes the documents of `keys` in slices of pg_tviews.flush_chunk_keys
// keys: one statement's materialized rows, hash tables and captured changes
// stay small (no spill to disk, bounded memory). Every key is in one slice,
// so a key produced twice is still caught.
struct UpsertPlans {
    SPIPlanPtr many = nullptr;  // a key array
    SPIPlanPtr one = nullptr;   // one key
};

// The upserts for the change feed's detail `feed` (prepared before any key
// lock is taken: preparing locks the relations the view reads).
UpsertPlans upsert_plans(const TviewDef& def, FeedMode feed) {
    PlanCache& plans = plan_cache();
    UpsertPlans p{plans.get(def, PlanKind::kUpsert), plans.get(def, PlanKind::kUpsertOne)};
    if (feed != FeedMode::kOff) {
        auto detail = static_cast<std::size_t>(feed);
        p = {plans.get(def, PlanKind::kFeedUpsert, detail), plans.get(def, PlanKind::kFeedUpsertOne, detail)};
    }
    return p;
}

void recompute_keys(const TviewDef& def, const std::vector<Key>& keys, bool full, const UpsertPlans& plans,
                    std::size_t chunk, RefreshFigures& figures, std::uint64_t& written) {
    Progress progress(def.table_oid, full ? "full refresh" : "refresh", keys.size(), def.table);
    const KeyDictionary& dict = backend().queue.dictionary();
    for_each_slice(keys, chunk, [&](const std::vector<Key>& slice, std::size_t to) {
        if (!full) check_not_stale(def, slice, false);
        Written w;
        if (slice.size() == 1) {
            Datum key[1] = {decode_key(def.key, dict, slice[0])};
            w = run_upsert(def, plans.one, key);
            if (!def.key.byval) pg_call([&] { pfree(DatumGetPointer(key[0])); });
        } else {
            Datum arg[1] = {key_array(def.key, dict, slice)};
            w = run_upsert(def, plans.many, arg);
            pg_call([&] { pfree(DatumGetPointer(arg[0])); });
        }
        written += w.rows;
        figures.inserted += w.inserted;
        figures.deleted += w.deleted;
        figures.updated += w.rows - w.inserted - w.deleted;
        progress.step(to);
    });
}

// One refresh step of one TVIEW, as its owner; returns rows written.
std::uint64_t refresh_batch(TviewPtr given, const KeyQueue::Batch& batch) {
    bool whole = batch.full || (batch.key_count() > key_lock_budget_left() && !keys_locked_before(given->table_oid));
    TviewPtr def = lock_for_refresh(given, whole);
    if (!def) return 0;
    auto started = std::chrono::steady_clock::now();
    Oid relid = def->table_oid;
    RunAs as_owner(def->owner);
    MaintenanceScope writing(relid);
    Spi spi;
    BackendState& b = backend();
    if (batch.full || b.null_key_check.count(relid)) {
        b.null_key_check.erase(relid);
        check_null_keys(*def);
    }
    if (batch.full) check_not_stale(*def, batch.keys, true);
    FeedMode feed = change_feed_detail();
    RefreshWork work;
    split_patches(def, batch, feed, work);
    // A full refresh goes through every key of the view and of the table.
    std::vector<Key> full_keys;
    if (batch.full) full_keys = all_keys(*def);
    const std::vector<Key>& keys = batch.full ? full_keys : *work.recompute;
    UpsertPlans plans = upsert_plans(*def, feed);
    if (!whole) lock_keys(*def, work.patches.empty() ? keys : batch.all_keys());
    std::size_t chunk = static_cast<std::size_t>(settings().flush_chunk_keys);
    std::uint64_t written = 0;
    RefreshFigures figures;
    recompute_keys(*def, keys, batch.full, plans, chunk, figures, written);
    std::size_t patched_keys = 0;
    std::vector<Key> misfits;
    for (auto& [plan, patch_keys] : work.patches) {
        std::uint64_t rows = run_patch(*def, *plan, *patch_keys, chunk, misfits);
        written += rows;
        figures.updated += rows;
        patched_keys += patch_keys->size();
    }
    // Documents a patch found in another shape than its values describe
    // (written by hand, or by an older definition): recomputed, as if never
    // patched (their keys are locked with the batch's).
    if (!misfits.empty()) {
        std::sort(misfits.begin(), misfits.end());
        misfits.erase(std::unique(misfits.begin(), misfits.end()), misfits.end());
        recompute_keys(*def, misfits, false, plans, chunk, figures, written);
    }
    spi.finish();
    figures.keys = keys.size() + patched_keys;
    figures.full = batch.full;
    figures.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    record_refresh(relid, figures);
    change_feed_count(*def, written);
    return written;
}

}  // namespace

namespace {
std::int64_t flush_all();
}

std::int64_t flush_queue() {
    if (backend().queue.empty()) return 0;
    FlushTimer timer;
    FlushingSlot flushing;
    try {
        return flush_all();
    } catch (const PgException& e) {
        if (!g_flush_timed_out || e.sqlerrcode() != ERRCODE_QUERY_CANCELED) throw;
    }
    throw TviewError(sqlstate::kQueryCanceled,
                     fmt::format("canceling the maintenance of TVIEWs: it took longer than pg_tviews.flush_timeout "
                                 "({} ms)",
                                 settings().flush_timeout_ms),
                     "The transaction is rolled back: its changes and the TVIEW changes they caused.",
                     "Raise pg_tviews.flush_timeout (0 turns it off), or write fewer rows per transaction.");
}

namespace {

// Applies the whole queue, level by level, until it is empty. (Long: the
// snapshot, figures and timeout bookkeeping around the loop must stay in
// one frame with it.)
std::int64_t flush_all() {
    BackendState& b = backend();
    auto started = std::chrono::steady_clock::now();
    // At PRE_COMMIT the statement's portal and snapshot are gone; SPI needs
    // an active snapshot (each write statement still takes a fresh one).
    bool pushed = pg_call([] {
        if (ActiveSnapshotSet()) return false;
        PushActiveSnapshot(GetTransactionSnapshot());
        return true;
    });
    Catalog& cat = catalog();
    cat.ensure_loaded();

    int level = pg_call([] { return GetCurrentTransactionNestLevel(); });
    std::map<Oid, int> steps;
    std::uint64_t iterations = 0;
    std::int64_t keys = 0;
    while (!b.queue.empty()) {
        cat.ensure_loaded();
        // Next: the pending TVIEW with the lowest (level, oid).
        TviewPtr next;
        Oid unknown = InvalidOid;
        for (Oid oid : b.queue.pending()) {
            TviewPtr d = cat.find(oid);
            if (!d) {
                unknown = oid;
                break;
            }
            if (!next || d->level < next->level) next = d;
        }
        if (unknown != InvalidOid) {  // the TVIEW was dropped meanwhile
            b.queue.take(unknown);
            continue;
        }
        if (++steps[next->table_oid] > settings().max_propagation_depth)
            throw TviewError(sqlstate::kProgramLimitExceeded,
                             fmt::format("TVIEW \"{}\" was refreshed more than {} times in one flush",
                                         next->table, settings().max_propagation_depth),
                             "Triggers on TVIEW tables keep writing to the tables TVIEWs read.",
                             "Raise pg_tviews.max_propagation_depth or remove the loop.");
        KeyQueue::Batch batch = b.queue.take(next->table_oid);
        // Logged before the work: if the refresh fails inside a subtransaction
        // that is then rolled back, the keys are queued again.
        b.queue.record_flushed(level, batch);
        std::uint64_t written = refresh_batch(next, batch);
        b.stats.rows_written += written;
        b.xact.rows_written += written;
        b.xact.tviews.insert(next->table_oid);
        if (batch.full) b.xact.full_refreshes++;
        keys += static_cast<std::int64_t>(batch.key_count());
        iterations++;
    }
    if (pushed) pg_call([] { PopActiveSnapshot(); });
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    b.stats.flushes++;
    b.stats.total_iterations += iterations;
    if (iterations > b.stats.max_iterations) b.stats.max_iterations = iterations;
    b.stats.total_refreshes += static_cast<std::uint64_t>(keys);
    b.stats.total_timing_ms += ms;
    b.xact.keys += static_cast<std::uint64_t>(keys);
    b.xact.ms += ms;
    return keys;
}

}  // namespace

std::int64_t refresh_full(const TviewPtr& tview) {
    KeyQueue::Batch batch;
    batch.tview = tview->table_oid;
    batch.full = true;
    int level = pg_call([] { return GetCurrentTransactionNestLevel(); });
    backend().queue.record_flushed(level, batch);
    auto started = std::chrono::steady_clock::now();
    std::uint64_t written = refresh_batch(tview, batch);
    BackendState& b = backend();
    b.stats.rows_written += written;
    b.xact.rows_written += written;
    b.xact.full_refreshes++;
    b.xact.tviews.insert(tview->table_oid);
    b.xact.ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return static_cast<std::int64_t>(written);
}

}  // namespace pg_tviews::pg
