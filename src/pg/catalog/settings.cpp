// Every setting of pg_tviews (settings.hpp).
#include "pg_tviews/pg/catalog/settings.hpp"

#include <string>

#include "pg_tviews/pg/catalog/metadata.hpp"

#include <climits>

#include "pg_tviews/core/change_feed.hpp"
#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

namespace {

const struct config_enum_entry kRefreshModes[] = {
    {"deferred", static_cast<int>(RefreshMode::kDeferred), false},
    {"immediate", static_cast<int>(RefreshMode::kImmediate), false},
    {nullptr, 0, false},
};

const struct config_enum_entry kCaptureModes[] = {
    {"settings", static_cast<int>(CaptureModeSetting::kSettings), false},
    {"statement", static_cast<int>(CaptureModeSetting::kStatement), false},
    {"row", static_cast<int>(CaptureModeSetting::kRow), false},
    {nullptr, 0, false},
};

const struct config_enum_entry kFeedModes[] = {
    {"off", static_cast<int>(FeedMode::kOff), false},
    {"keys", static_cast<int>(FeedMode::kKeys), false},
    {"documents", static_cast<int>(FeedMode::kDocuments), false},
    {"patches", static_cast<int>(FeedMode::kPatches), false},
    {nullptr, 0, false},
};

bool check_channel(char** value, void**, GucSource) {
    if (*value && strlen(*value) >= NAMEDATALEN) {
        GUC_check_errdetail("A channel name is at most %d bytes.", NAMEDATALEN - 1);
        return false;
    }
    return true;
}

}  // namespace

Settings& settings() {
    static Settings s;
    return s;
}

// Defines every GUC (one call each, with its description: the table of
// settings is long because the settings are many, not because it branches).
void define_settings(bool preloaded) {
    Settings& s = settings();
    DefineCustomBoolVariable("pg_tviews.track_stats",
                             "Keep the figures of pg_tviews_queue_realtime, pg_tviews_stats and "
                             "pg_tviews_cache_stats up to date.",
                             nullptr, &s.track_stats, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    DefineCustomEnumVariable("pg_tviews.change_feed",
                             "What each committing transaction writes into the WAL about the TVIEW documents it "
                             "changed, for logical decoding (prefix pg_tviews): nothing, keys, documents, or "
                             "documents and JSON patches.",
                             nullptr, &s.change_feed, static_cast<int>(FeedMode::kOff), kFeedModes, PGC_USERSET, 0,
                             nullptr, nullptr, nullptr);
    DefineCustomStringVariable("pg_tviews.notify_channel",
                               "NOTIFY this channel when a transaction that changed TVIEW documents commits, with the "
                               "documents written per entity as payload; empty: no NOTIFY.",
                               nullptr, &s.notify_channel, "", PGC_USERSET, 0, check_channel, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.change_feed_message_size",
                            "Largest change feed message; a transaction's changes beyond it go into numbered "
                            "messages, the last one marked.",
                            nullptr, &s.change_feed_message_kb, 256, 1, 1024 * 1024, PGC_USERSET, GUC_UNIT_KB, nullptr, nullptr,
                            nullptr);
    if (preloaded)
        DefineCustomIntVariable("pg_tviews.max_tracked_tviews",
                                "TVIEWs (over all databases) whose figures shared memory keeps.", nullptr,
                                &s.max_tracked_tviews, 1000, 16, 1000000, PGC_POSTMASTER, 0, nullptr, nullptr,
                                nullptr);
    DefineCustomEnumVariable("pg_tviews.refresh_mode",
                             "When TVIEWs are maintained: at commit (deferred) or after every statement (immediate).",
                             nullptr, &s.refresh_mode, static_cast<int>(RefreshMode::kDeferred), kRefreshModes,
                             PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.max_propagation_depth",
                            "Most refresh steps of one TVIEW in one flush before the flush fails.", nullptr,
                            &s.max_propagation_depth, 100, 1, 100000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // Descriptions naming a metadata table take its name from the metadata
    // module (they live as long as the GUC: static).
    static const std::string metrics_text = std::string("Record one row in ") + kMetricsTableName +
                                            " per committed transaction that refreshed TVIEWs.";
    static const std::string capture_text = std::string("Capture triggers for TVIEWs created in this session: as ") +
                                            kSettingsTableName + " says (settings), statement-level or row-level.";
    DefineCustomBoolVariable("pg_tviews.metrics_enabled", metrics_text.c_str(),
                             nullptr, &s.metrics_enabled, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.max_key_locks",
                            "Most key and link value locks one transaction takes; beyond them a flush locks the "
                            "whole TVIEW table (or link).",
                            nullptr, &s.max_key_locks, 256, 0, 1000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_tviews.flush_chunk_keys",
                            "Most keys of one TVIEW recomputed by one statement of a flush; larger key sets are "
                            "recomputed in slices of this size.",
                            nullptr, &s.flush_chunk_keys, 2000, 1, 10000000, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_tviews.flush_timeout",
                            "Longest time one flush (the maintenance of TVIEWs, at commit or before a statement) may "
                            "take before the transaction fails; 0 turns the limit off. statement_timeout does not "
                            "apply at COMMIT.",
                            nullptr, &s.flush_timeout_ms, 0, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_tviews.progress_notices",
                            "During a refresh of many keys (a full refresh, pg_tviews_refresh, a redefinition), "
                            "send a NOTICE with the keys done this often; 0 sends none. pg_tviews_progress shows "
                            "the same to other sessions.",
                            nullptr, &s.progress_notices_ms, 0, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomBoolVariable("pg_tviews.allow_direct_writes",
                             "Let the owner of a TVIEW (or a superuser) write its table by hand, for a manual repair; "
                             "the next refresh of those keys recomputes them.",
                             nullptr, &s.allow_direct_writes, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_tviews.patching",
                             "When an UPDATE changes only columns that reach documents as leaf values, set those "
                             "leaves again in place instead of recomputing the documents.",
                             nullptr, &s.patching, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomEnumVariable("pg_tviews.capture_mode", capture_text.c_str(),
                             nullptr, &s.capture_mode, 0, kCaptureModes, PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

}  // namespace pg_tviews::pg
