// Per-backend state: the transaction's key queue, figures for
// pg_tviews_queue_stats(), and flags. The queue never outlives a
// transaction; the figures are cumulative for the backend.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pg_tviews/core/key_queue.hpp"

namespace pg_tviews::pg {

struct Stats {
    std::uint64_t total_refreshes = 0;   // keys recomputed
    std::uint64_t rows_written = 0;      // rows inserted, updated or deleted in tv_ tables
    std::uint64_t total_iterations = 0;  // TVIEW refresh steps over all flushes
    std::uint64_t max_iterations = 0;    // most steps in one flush
    std::uint64_t flushes = 0;
    double total_timing_ms = 0.0;
    std::uint64_t graph_cache_hits = 0;
    std::uint64_t graph_cache_misses = 0;
    std::uint64_t table_cache_hits = 0;
    std::uint64_t table_cache_misses = 0;
    std::uint64_t definitions_analyzed = 0;  // TVIEW definitions (re)analyzed by cache loads
};

// A CREATE TABLE tv_x AS seen at ddl_command_start, finished at ddl_command_end.
struct PendingCtas {
    std::string schema;
    std::string table;
    std::string definition;
};

// What this transaction's flushes did (one pg_tviews_metrics row at commit).
struct XactFigures {
    std::uint64_t keys = 0;
    std::uint64_t rows_written = 0;
    std::uint32_t full_refreshes = 0;
    double ms = 0.0;
    std::set<std::uint32_t> tviews;
    int graph_first = -1;  // the transaction's first catalog lookup: -1 none yet, 0 miss, 1 hit
};

struct BackendState {
    KeyQueue queue;
    Stats stats;
    int maintenance_depth = 0;   // > 0 while the engine writes tv_ tables
    int maintenance_level = 0;   // transaction nesting level where that began
    std::uint32_t maintained_table = 0;  // the tv_ table the engine is writing now (the only one the guard admits)
    int internal_ddl = 0;        // > 0 while the engine runs its own DDL
    std::uint32_t redefining = 0;  // the TVIEW whose view a redefinition drops and recreates
    int capture_depth = 0;       // > 0 while a capture trigger computes keys
    int quiet_subxact = 0;       // > 0 inside the engine's own read-only subtransactions
    std::vector<PendingCtas> pending_ctas;
    // TVIEWs whose key queries met a NULL key in new rows: check the view at flush.
    std::set<std::uint32_t> null_key_check;
    // The definition (catalog entry) under which a TVIEW's patches were
    // queued, nullptr once two differed: a patch decided under one
    // definition is recomputed under any other (a redefinition committed
    // meanwhile may read the patched columns differently).
    std::map<std::uint32_t, const void*> patched_under;
    XactFigures xact;
};

BackendState& backend();

// The end of the transaction (commit or abort): nothing of the queue or the
// transaction's flags survives.
void state_at_eoxact() noexcept;
// The end of subtransaction `level`: its log entries move up (commit), or
// its refreshed keys are queued again and its flags reset (abort).
void state_at_eosubxact(int level, bool commit);


// Whether the library was loaded by shared_preload_libraries.
bool library_preloaded();

// RAII: marks engine-owned writes to one tv_ table (the guard trigger lets
// them through, and only them: a user trigger on it writing another tv_
// table is still refused).
class MaintenanceScope {
public:
    explicit MaintenanceScope(std::uint32_t table_oid);
    ~MaintenanceScope();

private:
    std::uint32_t previous_;
};

// RAII: a capture trigger is computing keys (no flush may start inside it).
class CaptureScope {
public:
    CaptureScope() { backend().capture_depth++; }
    ~CaptureScope() { backend().capture_depth--; }
};

// RAII: the engine's own DDL (the CTAS event trigger ignores it).
class InternalDdlScope {
public:
    InternalDdlScope() { backend().internal_ddl++; }
    ~InternalDdlScope() { backend().internal_ddl--; }
};

}  // namespace pg_tviews::pg
