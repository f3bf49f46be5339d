// The change feed's buffer and its logical decoding messages
// (change_feed.hpp). The buffer belongs to the transaction: emptied at its
// end, trimmed back when a subtransaction rolls back.
#include "pg_tviews/pg/flush/change_feed.hpp"
#include "pg_tviews/pg/catalog/settings.hpp"

#include <map>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/fn_args.hpp"
#include "pg_tviews/pg/flush/flush.hpp"

extern "C" {
#include "commands/async.h"
#include "funcapi.h"
#include "replication/message.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/syscache.h"
#include "utils/uuid.h"
}

namespace pg_tviews::pg {

namespace {


// The transaction's feed, fixed at its first recorded change (a
// transaction that changes the setting halfway keeps one shape), and what
// pg_tviews_flush_and_report() returns.
FeedBuffer g_buffer;
FeedMode g_xact_mode = FeedMode::kOff;
bool g_xact_fixed = false;
ReportLog g_report;
bool g_reporting = false;  // pg_tviews_flush_and_report() ran in this transaction
EntityCounts g_counts;     // for pg_tviews.notify_channel

bool notifying() { return settings().notify_channel && *settings().notify_channel; }

FeedMode emitting() { return g_xact_fixed ? g_xact_mode : static_cast<FeedMode>(settings().change_feed); }

constexpr const char* kPrefix = "pg_tviews";

std::size_t message_bytes() { return static_cast<std::size_t>(settings().change_feed_message_kb) * 1024; }

void emit(const std::vector<std::string>& messages) {
    for (const auto& m : messages) {
        const char* data = m.data();
        std::size_t size = m.size();
        pg_call([&] { (void)LogLogicalMessage(kPrefix, data, size, true); });
    }
}

}  // namespace


FeedMode change_feed_detail() {
    FeedMode mode = emitting();
    return mode == FeedMode::kOff && g_reporting ? FeedMode::kKeys : mode;
}

void change_feed_record(const TviewDef& d, const std::string& changes) {
    FeedMode mode = emitting();
    if (!g_xact_fixed) {
        g_xact_fixed = true;
        g_xact_mode = mode;
    }
    if (mode == FeedMode::kOff && !g_reporting) return;
    int level = pg_call([] { return GetCurrentTransactionNestLevel(); });
    g_report.add(d.table_oid, changes, level);
    if (mode == FeedMode::kOff) return;
    g_buffer.add(changes, mode, level);
    emit(g_buffer.take_full(message_bytes(), level));
}

void change_feed_count(const TviewDef& d, std::uint64_t documents) {
    if (!notifying() || documents == 0) return;
    int level = pg_call([] { return GetCurrentTransactionNestLevel(); });
    g_counts.add(d.entity, documents, level);
}

void change_feed_emit_final(bool prepare) {
    if (g_xact_fixed && g_xact_mode != FeedMode::kOff) emit(g_buffer.take_final(message_bytes()));
    g_buffer.clear();
    // NOTIFY is transactional: delivered at commit. (A transaction that
    // NOTIFYs cannot be prepared, so a prepared one does not.)
    if (!prepare && notifying() && !g_counts.empty()) {
        std::string payload = g_counts.payload();
        const char* channel = settings().notify_channel;
        const char* text = payload.c_str();
        pg_call([&] { Async_Notify(channel, text); });
    }
    g_counts.clear();
}

void change_feed_subxact_commit(int level) {
    g_buffer.subxact_commit(level);
    g_report.subxact_commit(level);
    g_counts.subxact_commit(level);
}

void change_feed_subxact_abort(int level) {
    g_buffer.subxact_abort(level);
    g_report.subxact_abort(level);
    g_counts.subxact_abort(level);
}

void change_feed_end_of_transaction() noexcept {
    g_buffer.clear();
    g_report.clear();
    g_counts.clear();
    g_xact_mode = FeedMode::kOff;
    g_xact_fixed = false;
    g_reporting = false;
}

}  // namespace pg_tviews::pg

using namespace pg_tviews;
using namespace pg_tviews::pg;

// Flushes the queue, then returns the documents this transaction changed:
// all of them with pg_tviews.change_feed on, else those of the flushes run
// since the first call (docs/change-feed.md). Only TVIEWs the caller may
// read are listed.
PGTV_FUNCTION(pg_tviews_flush_and_report) {
    g_reporting = true;
    flush_queue();
    if (g_report.overflowed())
        throw TviewError(sqlstate::kProgramLimitExceeded,
                         fmt::format("this transaction changed too many documents to report (more than {} MB of changes)",
                                     ReportLog::kMaxBytes >> 20),
                         "",
                         "Read what a large transaction changed from the change feed (docs/change-feed.md).");
    std::vector<ReportRow> rows = g_report.rows();
    ReturnSetInfo* rs = begin_rows(fcinfo);
    std::map<Oid, bool> readable;
    for (const auto& r : rows) {
        Oid relid = r.relid;
        auto it = readable.find(relid);
        if (it == readable.end()) {
            bool ok = relation_exists(relid) &&
                      pg_call([&] { return pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK; });
            it = readable.emplace(relid, ok).first;
        }
        if (!it->second) continue;
        Datum v[4];
        bool n[4] = {};
        const char* entity = r.entity.c_str();
        const char* op = r.op.c_str();
        const char* id = r.id.c_str();
        const char* pk = r.pk.c_str();
        bool has_uuid = ReportLog::canonical_uuid(r.id);
        pg_call([&] {
            v[0] = CStringGetTextDatum(entity);
            v[1] = CStringGetTextDatum(pk);
            v[2] = has_uuid ? DirectFunctionCall1(uuid_in, CStringGetDatum(id)) : Datum(0);
            n[2] = !has_uuid;
            v[3] = CStringGetTextDatum(op);
        });
        put_row(rs, v, n);
    }
    return PointerGetDatum(nullptr);
}
