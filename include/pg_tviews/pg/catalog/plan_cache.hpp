// The prepared plans of this backend: the one owner of every SPI plan that
// maintenance keeps between statements (upserts, key queries, probes,
// patches). Catalog entries (TviewDef) hold only what the plans are made
// from; a plan is prepared on first use, from the entry's statement text,
// and freed when the entry is (after a reload, at the end of the
// transaction that superseded it: see catalog.hpp). No per-transaction
// state; SPI must be connected when a plan is prepared.
#pragma once

#include <cstddef>
#include <map>
#include <tuple>

#include "pg_tviews/pg/analysis/read_columns.hpp"
#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

struct TviewDef;

// Which statement of a TVIEW a plan runs. `variant` below says which one
// of several: the change feed's detail (1-3) for the feed upserts, the key
// source's index for key queries, the patch's index for patches.
enum class PlanKind {
    kUpsert,         // refresh the documents of a key array
    kUpsertOne,      // refresh the document of one key
    kFeedUpsert,     // the same, returning what the change feed records
    kFeedUpsertOne,
    kAllKeys,        // every key of the view and the table (full refresh)
    kNullKey,        // whether the view has a row without a key
    kProbe,          // the rows behind a key array (REPEATABLE READ check)
    kProbeAll,       // the rows behind every document
    kKeyOld,         // a key query over the changed rows' old versions
    kKeyNew,         // ... over their new versions
    kPatch,          // set the leaves of a key array's documents again
};

class PlanCache {
public:
    // The plan, prepared on first use. Counts the hits and misses of the
    // upsert (table cache) and of key queries (prepared statements).
    SPIPlanPtr get(const TviewDef& d, PlanKind kind, std::size_t variant = 0);
    // The columns of the changed rows that key source `source` reads
    // (from its plan over the old rows, prepared if need be).
    const ReadColumns& key_columns(const TviewDef& d, std::size_t source);
    // Frees the plans of an entry that is being destroyed.
    void release(const TviewDef* d) noexcept;

    struct Counts {
        std::size_t refresh = 0;  // upserts, probes, full-refresh keys, null checks
        std::size_t key = 0;      // key queries
    };
    Counts counts() const noexcept;

private:
    using Slot = std::tuple<const TviewDef*, PlanKind, std::size_t>;
    std::map<Slot, SPIPlanPtr> plans_;
    std::map<std::pair<const TviewDef*, std::size_t>, ReadColumns> key_columns_;
};

// This backend's plan cache (never destroyed: entries may outlive statics).
PlanCache& plan_cache();

}  // namespace pg_tviews::pg
