// Which rows of a base relation the queued patches of a TVIEW come from:
// the identities (PatchPlan::identity) of the changed rows, so that a patch
// reads again only their array elements. One owner; it forgets everything
// at the end of the transaction.
//
// Any superset of the changed rows is as good as the set itself (an
// element read again whose leaves did not change is compared and left
// alone), so rows of a rolled-back subtransaction may stay in it. Beyond
// kMostPatchedRowsKept values, or for a change it did not see, it answers
// "unknown": a patch then reads every element of the arrays it places by
// position, and recomputes the documents whose arrays it finds by key.
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

// Records column `attno` (of type `type`) of every row of `rows`.
void patched_rows_add(Oid table, Oid relid, Tuplestorestate* rows, TupleDesc desc, AttrNumber attno, Oid type);
// The recorded values for (table, relid) as an array (`*count` of them),
// and forgets them; *isnull when unknown.
Datum patched_rows_take(Oid table, Oid relid, bool* isnull, int* count);
void patched_rows_at_eoxact() noexcept;

}  // namespace pg_tviews::pg
