// Module initialization: GUCs and the per-backend callbacks (registered
// once per backend, whether the library is preloaded or loaded on first use).
#include "pg_tviews/pg/border.hpp"
#include "pg_tviews/pg/catalog.hpp"
#include "pg_tviews/pg/change_feed.hpp"
#include "pg_tviews/pg/flush.hpp"
#include "pg_tviews/pg/key_locks.hpp"
#include "pg_tviews/pg/metrics.hpp"
#include "pg_tviews/pg/shared_stats.hpp"
#include "pg_tviews/pg/state.hpp"
#include "pg_tviews/pg/statement_snapshots.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

using namespace pg_tviews::pg;


namespace {

const struct config_enum_entry kCaptureModes[] = {
    {"settings", 0, false},
    {"statement", 1, false},
    {"row", 2, false},
    {nullptr, 0, false},
};

int g_capture_mode = 0;

const struct config_enum_entry kRefreshModes[] = {
    {"deferred", static_cast<int>(RefreshMode::kDeferred), false},
    {"immediate", static_cast<int>(RefreshMode::kImmediate), false},
    {nullptr, 0, false},
};

bool g_initialized = false;
bool g_preloaded = false;

void end_of_transaction() noexcept {
    BackendState& b = backend();
    b.queue.clear();
    b.maintenance_depth = 0;
    b.maintained_table = InvalidOid;
    b.internal_ddl = 0;
    b.redefining = InvalidOid;
    b.pending_ctas.clear();
    b.null_key_check.clear();
    b.patched_under.clear();
    b.xact = XactFigures{};
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
            pg_entry_void([&] { b.queue.subxact_commit(level); });
            pg_entry_void([&] { change_feed_subxact_commit(level); });
            break;
        case SUBXACT_EVENT_ABORT_SUB:
            // Rows refreshed inside the subtransaction are rolled back with
            // it: queue their keys again.
            pg_entry_void([&] { b.queue.subxact_abort(level); });
            pg_entry_void([&] { change_feed_subxact_abort(level); });
            statement_snapshots_subxact_abort(level);
            if (b.maintenance_depth > 0 && b.maintenance_level >= level) {
                b.maintenance_depth = 0;
                b.maintained_table = InvalidOid;
            }
            b.internal_ddl = 0;
            b.redefining = InvalidOid;
            b.pending_ctas.clear();
            break;
        case SUBXACT_EVENT_START_SUB:
        case SUBXACT_EVENT_PRE_COMMIT_SUB:
            break;
    }
}

void on_relcache(Datum, Oid relid) { catalog().on_relcache(relid); }

// A function's or type's owner or definition changed: whether TVIEWs may
// still run them as their owners is decided again (catalog.cpp).
void on_code_change(Datum, int, uint32) { catalog().invalidate(); }

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
    if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0) statement_snapshot_push(query);
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
    shared_stats_define_settings();
    change_feed_define_settings();
    if (g_preloaded) shared_stats_request();
    Settings& s = settings();
    DefineCustomEnumVariable("pg_tviews.refresh_mode",
                             "When TVIEWs are maintained: at commit (deferred) or after every statement (immediate).",
                             nullptr, &s.refresh_mode, static_cast<int>(RefreshMode::kDeferred), kRefreshModes,
                             PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.max_propagation_depth",
                            "Most refresh steps of one TVIEW in one flush before the flush fails.", nullptr,
                            &s.max_propagation_depth, 100, 1, 100000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_tviews.metrics_enabled",
                             "Record one row in pg_tviews_metrics per committed transaction that refreshed TVIEWs.",
                             nullptr, &s.metrics_enabled, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.max_key_locks",
                            "Most key and link value locks one transaction takes; beyond them a flush locks the "
                            "whole TVIEW table (or link).",
                            nullptr, &s.max_key_locks, 256, 0, 1000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.flush_chunk_keys",
                            "Most keys of one TVIEW recomputed by one statement of a flush; larger key sets are "
                            "recomputed in slices of this size.",
                            nullptr, &s.flush_chunk_keys, 2000, 1, 10000000, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_tviews.flush_timeout",
                            "Longest time one flush (the maintenance of TVIEWs, at commit or before a statement) may "
                            "take before the transaction fails; 0 turns the limit off. statement_timeout does not "
                            "apply at COMMIT.",
                            nullptr, &s.flush_timeout_ms, 0, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_tviews.progress_notices",
                            "During a refresh of many keys (a full refresh, pg_tviews_refresh, a redefinition), "
                            "send a NOTICE with the keys done this often; 0 sends none. pg_tviews_progress shows "
                            "the same to other sessions.",
                            nullptr, &s.progress_notices_ms, 0, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomBoolVariable("pg_tviews.allow_direct_writes",
                             "Let the owner of a TVIEW (or a superuser) write its table by hand, for a manual repair; "
                             "the next refresh of those keys recomputes them.",
                             nullptr, &s.allow_direct_writes, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_tviews.patching",
                             "When an UPDATE changes only columns that reach documents as leaf values, set those "
                             "leaves again in place instead of recomputing the documents.",
                             nullptr, &s.patching, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomEnumVariable("pg_tviews.capture_mode",
                             "Capture triggers for TVIEWs created in this session: as pg_tviews_settings says "
                             "(settings), statement-level or row-level.",
                             nullptr, &g_capture_mode, 0, kCaptureModes, PGC_USERSET, 0, nullptr, nullptr, nullptr);
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
