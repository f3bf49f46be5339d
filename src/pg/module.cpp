// Module initialization: GUCs and the per-backend callbacks (registered
// once per backend, whether the library is preloaded or loaded on first use).
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/patched_rows.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/flush/change_feed.hpp"
#include "pg_tviews/pg/flush/flush.hpp"
#include "pg_tviews/pg/flush/key_locks.hpp"
#include "pg_tviews/pg/sql_api/metrics.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/border/statement_snapshots.hpp"
#include "pg_tviews/pg/catalog/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

using namespace pg_tviews::pg;


namespace {


bool g_initialized = false;
bool g_preloaded = false;

// Each owner ends its own part of the transaction.
void end_of_transaction() noexcept {
    state_at_eoxact();
    patched_rows_at_eoxact();
    change_feed_end_of_transaction();
    forget_link_lock_counts();
    slot_transaction_end();
    catalog().release_superseded();
}

void on_xact(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
        case XACT_EVENT_PRE_PREPARE:
            // The last point where the transaction can still fail: maintain
            // the tv_ tables now, as part of it.
            pg_entry_void([event] {
                flush_queue();
                change_feed_emit_final(event == XACT_EVENT_PRE_PREPARE);
                record_transaction_metrics();
            });
            statement_snapshots_release();
            break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
            statement_snapshots_forget();
            end_of_transaction();
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PREPARE:
        case XACT_EVENT_PARALLEL_COMMIT:
            end_of_transaction();
            break;
        case XACT_EVENT_PARALLEL_PRE_COMMIT:
            break;
    }
}

void on_subxact(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    int level = GetCurrentTransactionNestLevel();
    BackendState& b = backend();
    if (b.quiet_subxact > 0) return;  // the engine's own read-only subtransaction
    switch (event) {
        case SUBXACT_EVENT_COMMIT_SUB:
            pg_entry_void([&] { state_at_eosubxact(level, true); });
            pg_entry_void([&] { change_feed_subxact_commit(level); });
            break;
        case SUBXACT_EVENT_ABORT_SUB:
            pg_entry_void([&] { state_at_eosubxact(level, false); });
            pg_entry_void([&] { change_feed_subxact_abort(level); });
            statement_snapshots_subxact_abort(level);
            break;
        case SUBXACT_EVENT_START_SUB:
        case SUBXACT_EVENT_PRE_COMMIT_SUB:
            break;
    }
}

void on_relcache(Datum, Oid relid) { catalog().on_relcache(relid); }

// A function's or type's owner or definition changed: whether the TVIEWs
// that use it may still run it as their owners is decided again (catalog.cpp).
void on_code_change(Datum, int cache_id, uint32 hash) { catalog().on_code_change(cache_id, hash); }

ExecutorStart_hook_type prev_executor_start = nullptr;

// Read your writes: a statement that reads a TVIEW table while this
// transaction has keys queued first flushes them, then advances its
// snapshot's command id so that it sees the flushed rows.
bool reads_a_tview(PlannedStmt* stmt) {
    Catalog& cat = catalog();
    cat.ensure_loaded();
    ListCell* lc;
    foreach (lc, stmt->rtable) {
        auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
        if (rte->rtekind == RTE_RELATION && cat.is_tview(rte->relid)) return true;
    }
    return false;
}

void on_executor_start(QueryDesc* query, int eflags) {
    BackendState& b = backend();
    if (!b.queue.empty() && b.maintenance_depth == 0 && b.capture_depth == 0 &&
        (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && query->plannedstmt != nullptr) {
        pg_entry_void([&] {
            if (!reads_a_tview(query->plannedstmt)) return;
            flush_queue();
            pg_call([&] {
                CommandCounterIncrement();
                if (query->snapshot) query->snapshot->curcid = GetCurrentCommandId(false);
            });
        });
    }
    if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0) pg_entry_void([&] { statement_snapshot_push(query); });
    if (prev_executor_start)
        prev_executor_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
}

ExecutorEnd_hook_type prev_executor_end = nullptr;

void on_executor_end(QueryDesc* query) {
    statement_snapshot_pop(query);
    if (prev_executor_end)
        prev_executor_end(query);
    else
        standard_ExecutorEnd(query);
}

}  // namespace

void _PG_init(void) {
    if (g_initialized) return;
    g_initialized = true;
    g_preloaded = process_shared_preload_libraries_in_progress;
    define_settings(g_preloaded);
    if (g_preloaded) shared_stats_request();
    MarkGUCPrefixReserved("pg_tviews");
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    CacheRegisterRelcacheCallback(on_relcache, PointerGetDatum(nullptr));
    CacheRegisterSyscacheCallback(PROCOID, on_code_change, PointerGetDatum(nullptr));
    CacheRegisterSyscacheCallback(TYPEOID, on_code_change, PointerGetDatum(nullptr));
    prev_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = on_executor_start;
    prev_executor_end = ExecutorEnd_hook;
    ExecutorEnd_hook = on_executor_end;
}

bool pg_tviews::pg::library_preloaded() { return g_preloaded; }
