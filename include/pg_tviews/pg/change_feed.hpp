// The change feed (docs/change-feed.md): with pg_tviews.change_feed on, the
// documents each transaction's refreshes wrote go into the WAL as logical
// decoding messages (prefix 'pg_tviews', transactional), visible to
// decoding exactly when the transaction commits. This owner keeps the
// transaction's buffer and handles its own end of (sub)transaction.
#pragma once

#include <string>

#include "pg_tviews/core/change_feed.hpp"
#include "pg_tviews/pg/catalog.hpp"

namespace pg_tviews::pg {

// GUCs pg_tviews.change_feed and pg_tviews.change_feed_message_size.
void change_feed_define_settings();

// What the refreshes of this transaction must return: the setting, or at
// least keys while pg_tviews_flush_and_report() flushes.
FeedMode change_feed_detail();

// The changes one refresh statement of `d` wrote (the jsonb array text
// it returned); full messages go out at once at the top level.
void change_feed_record(const TviewDef& d, const std::string& changes);

// At PRE_COMMIT / PRE_PREPARE, after the last flush: the rest of the
// transaction's feed, the last message marked.
void change_feed_emit_final();

void change_feed_subxact_commit(int level);
void change_feed_subxact_abort(int level);
void change_feed_end_of_transaction() noexcept;

}  // namespace pg_tviews::pg
