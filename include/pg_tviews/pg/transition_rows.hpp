// Reading one column of a set of changed rows (a transition table, or the
// one-row stores of row-level capture) with a read pointer of our own, so
// that other readers of the same tuplestore are not disturbed.
#pragma once

#include "pg_tviews/pg/border.hpp"

namespace pg_tviews::pg {

// Calls fn(value, isnull) for column `attno` of every row of `rows`.
template <typename Fn>
void for_each_value(Tuplestorestate* rows, TupleDesc desc, AttrNumber attno, Fn&& fn) {
    if (rows == nullptr) return;
    TupleTableSlot* slot = pg_call([&] {
        TupleTableSlot* s = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
        int ptr = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
        tuplestore_select_read_pointer(rows, ptr);
        tuplestore_rescan(rows);
        return s;
    });
    for (;;) {
        bool isnull = true;
        Datum value = 0;
        bool more = pg_call([&] {
            if (!tuplestore_gettupleslot(rows, true, false, slot)) return false;
            value = slot_getattr(slot, attno, &isnull);
            return true;
        });
        if (!more) break;
        fn(value, isnull);
    }
    pg_call([&] {
        tuplestore_select_read_pointer(rows, 0);
        ExecDropSingleTupleTableSlot(slot);
    });
}

}  // namespace pg_tviews::pg
