// Reading the rows, or one column, of a set of changed rows (a transition table, or the
// one-row stores of row-level capture) with a read pointer of our own, so
// that other readers of the same tuplestore are not disturbed.
#pragma once

#include "pg_tviews/pg/border/border.hpp"

namespace pg_tviews::pg {

// A slot reading `rows` from its start with a read pointer of its own
// (selected until stop_reading); next_row fills it with the next row.
inline TupleTableSlot* start_reading(Tuplestorestate* rows, TupleDesc desc) {
    return pg_call([&] {
        TupleTableSlot* s = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
        int ptr = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
        tuplestore_select_read_pointer(rows, ptr);
        tuplestore_rescan(rows);
        return s;
    });
}

inline bool next_row(Tuplestorestate* rows, TupleTableSlot* slot) {
    return pg_call([&] { return tuplestore_gettupleslot(rows, true, false, slot); });
}

inline void stop_reading(Tuplestorestate* rows, TupleTableSlot* slot) {
    pg_call([&] {
        tuplestore_select_read_pointer(rows, 0);
        ExecDropSingleTupleTableSlot(slot);
    });
}

// Calls fn(slot) for every row of `rows` (the slot holds the row).
template <typename Fn>
void for_each_row(Tuplestorestate* rows, TupleDesc desc, Fn&& fn) {
    if (rows == nullptr) return;
    TupleTableSlot* slot = start_reading(rows, desc);
    while (next_row(rows, slot)) fn(slot);
    stop_reading(rows, slot);
}

// Calls fn(value, isnull) for column `attno` of every row of `rows`.
template <typename Fn>
void for_each_value(Tuplestorestate* rows, TupleDesc desc, AttrNumber attno, Fn&& fn) {
    for_each_row(rows, desc, [&](TupleTableSlot* slot) {
        bool isnull = true;
        Datum value = pg_call([&] { return slot_getattr(slot, attno, &isnull); });
        fn(value, isnull);
    });
}

}  // namespace pg_tviews::pg
