// The columns of the changed rows a key query reads, and whether an UPDATE
// left them as they were.
//
// A key query over the OLD rows of an UPDATE finds the documents the rows
// were part of, the one over the NEW rows those they are part of now. When
// the statement did not change any column the query reads (a rename: the
// join column pk_user is the same before and after), both find the same
// documents and the OLD query is skipped. Changes that other tables saw in
// the same statement (cascades, triggers) are captured on those tables.
#pragma once

#include <vector>

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

struct ReadColumns {
    bool whole_row = false;           // reads the row as a whole (or unknown)
    std::vector<AttrNumber> attnos;   // otherwise: these columns, ascending
};

// Columns of the transition table (pg_tviews_old / pg_tviews_new) that a
// prepared key query reads.
ReadColumns read_columns(SPIPlanPtr plan);

// True when `a` and `b` hold the same rows once cut down to `cols` (as
// multisets, compared by binary image; NULLs equal).
bool same_rows_in(Tuplestorestate* a, Tuplestorestate* b, TupleDesc desc, const ReadColumns& cols);

// True when the n-th row of `a` equals the n-th row of `b` over `cols` for
// every n (same count). Stops at the first pair that differs, and holds one
// pair at a time: cheap to ask of any number of rows. (It implies
// same_rows_in; rows exchanging their values count as changed.)
bool same_rows_pairwise(Tuplestorestate* a, Tuplestorestate* b, TupleDesc desc, const ReadColumns& cols);

}  // namespace pg_tviews::pg
