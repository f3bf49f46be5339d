// pg_tviews_metrics: with pg_tviews.metrics_enabled = on, every committing
// transaction that refreshed TVIEWs adds one row, written at PRE_COMMIT (or
// PRE_PREPARE) in that same transaction, after its flush: the row exists
// exactly when the transaction's changes do (a rolled-back transaction
// leaves none), and with the setting off nothing but one test of a boolean
// is added to a commit.
#pragma once

namespace pg_tviews::pg {

void record_transaction_metrics();

}  // namespace pg_tviews::pg
