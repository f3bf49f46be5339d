// The change feed (docs/change-feed.md): with pg_tviews.change_feed on, the
// documents each transaction's refreshes wrote go into the WAL as logical
// decoding messages (prefix 'pg_tviews', transactional), visible to
// decoding exactly when the transaction commits. This owner keeps the
// transaction's buffer and handles its own end of (sub)transaction.
#pragma once

#include <cstdint>
#include <string>

#include "pg_tviews/core/change_feed.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"

namespace pg_tviews::pg {


// What the refreshes of this transaction must return: the setting, or at
// least keys while pg_tviews_flush_and_report() flushes.
FeedMode change_feed_detail();

// The changes one refresh statement of `d` wrote (the jsonb array text
// it returned); full messages go out at once at the top level.
void change_feed_record(const TviewDef& d, const std::string& changes);

// Documents one refresh step of `d` wrote (for pg_tviews.notify_channel).
void change_feed_count(const TviewDef& d, std::uint64_t documents);

// At PRE_COMMIT / PRE_PREPARE (`prepare`), after the last flush: the rest
// of the transaction's feed, the last message marked; and at PRE_COMMIT the
// NOTIFY of pg_tviews.notify_channel.
void change_feed_emit_final(bool prepare);

void change_feed_subxact_commit(int level);
void change_feed_subxact_abort(int level);
void change_feed_end_of_transaction() noexcept;

}  // namespace pg_tviews::pg
