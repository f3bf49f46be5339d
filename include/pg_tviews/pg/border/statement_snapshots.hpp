// The snapshot each data-modifying statement started with, innermost last.
//
// A capture trigger joins the OLD rows of a statement with the other tables
// as they were before that statement: a foreign-key cascade deletes both
// sides of a link within the statement (a tag and its post_tag rows), and
// afterwards nothing connects the deleted rows to their documents. Cascaded
// queries fire their AFTER triggers after they end, so the innermost entry
// when a capture trigger runs is the statement that caused the change.
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

void statement_snapshot_push(QueryDesc* query);
void statement_snapshot_pop(QueryDesc* query);
// The innermost data-modifying statement's starting snapshot, or nullptr.
Snapshot statement_snapshot();
void statement_snapshots_subxact_abort(int level);
void statement_snapshots_release();  // before commit: unregister what is left
void statement_snapshots_forget();   // after abort: the resource owner released them

}  // namespace pg_tviews::pg
