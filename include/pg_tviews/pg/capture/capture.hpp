// Capturing changes of base relations: the affected keys of every TVIEW
// reading the relation are computed from the OLD and NEW rows and queued.
// Statement triggers, row triggers and pg_tviews_cascade() all end here.
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

struct ChangeSet {
    Relation relation;
    Tuplestorestate* old_rows;  // nullptr when the change has none (INSERT)
    Tuplestorestate* new_rows;  // nullptr when the change has none (DELETE)
    bool truncate;              // every key of every TVIEW reading it
};

void capture_changes(const ChangeSet& changes);

// A tuplestore holding one row (row-level capture, pg_tviews_cascade()).
Tuplestorestate* one_row_store(HeapTuple tuple);

// In immediate mode (and outside the engine's own work), flush now.
void maintain_now_if_immediate();

}  // namespace pg_tviews::pg
