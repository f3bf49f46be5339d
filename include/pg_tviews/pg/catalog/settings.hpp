// Every setting (GUC) of pg_tviews, in one place: the values live in
// settings(), defined once by _PG_init. No per-transaction state (a SET
// LOCAL is PostgreSQL's to undo).
#pragma once

namespace pg_tviews::pg {

enum class RefreshMode { kDeferred = 0, kImmediate = 1 };
enum class CaptureModeSetting { kSettings = 0, kStatement = 1, kRow = 2 };

struct Settings {
    int refresh_mode = static_cast<int>(RefreshMode::kDeferred);  // pg_tviews.refresh_mode
    int max_propagation_depth = 100;
    bool metrics_enabled = false;
    int max_key_locks = 256;
    bool patching = true;  // pg_tviews.patching: set leaves again instead of recomputing documents
    int flush_chunk_keys = 2000;
    int flush_timeout_ms = 0;          // 0: no limit
    bool allow_direct_writes = false;  // owners may write tv_ tables by hand (manual repair)
    int progress_notices_ms = 0;       // a NOTICE this often during long refreshes; 0: none
    int capture_mode = static_cast<int>(CaptureModeSetting::kSettings);  // for TVIEWs created in this session
    int change_feed = 0;               // FeedMode
    char* notify_channel = nullptr;    // pg_tviews.notify_channel ("" or NULL: none)
    int change_feed_message_kb = 256;  // pg_tviews.change_feed_message_size
    bool track_stats = true;           // pg_tviews.track_stats
    int max_tracked_tviews = 1000;     // pg_tviews.max_tracked_tviews (preloaded only)
};
Settings& settings();

// Defines every setting; pg_tviews.max_tracked_tviews (it sizes shared
// memory) only when the library is preloaded.
void define_settings(bool preloaded);

}  // namespace pg_tviews::pg
