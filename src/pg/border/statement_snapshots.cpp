// Executor hooks that keep the snapshot each data-modifying statement
// started with (statement_snapshots.hpp). The stack is per backend, pushed
// at ExecutorStart, popped at ExecutorEnd, and cleared at the end of every
// (sub)transaction by its owner's callback.
#include "pg_tviews/pg/border/statement_snapshots.hpp"

#include <vector>

#include "pg_tviews/pg/border/border.hpp"

namespace pg_tviews::pg {

namespace {

struct Entry {
    QueryDesc* query;
    Snapshot snapshot;
    int level;
};

std::vector<Entry>& stack() {
    static std::vector<Entry> entries;
    return entries;
}

}  // namespace

// Called from the executor hook inside pg_entry_void: room for the entry
// is made first (that may throw), the snapshot registered after (that may
// ereport, through pg_call), and the push cannot fail any more.
void statement_snapshot_push(QueryDesc* query) {
    bool modifies = query->operation != CMD_SELECT ||
                    (query->plannedstmt != nullptr && query->plannedstmt->hasModifyingCTE);
    if (!modifies || query->snapshot == nullptr || !IsMVCCSnapshot(query->snapshot)) return;
    auto& s = stack();
    s.reserve(s.size() + 1);
    Snapshot copy = pg_call([&] { return RegisterSnapshotOnOwner(query->snapshot, TopTransactionResourceOwner); });
    s.push_back(Entry{query, copy, GetCurrentTransactionNestLevel()});
}

void statement_snapshot_pop(QueryDesc* query) {
    auto& s = stack();
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
        if (it->query != query) continue;
        UnregisterSnapshotFromOwner(it->snapshot, TopTransactionResourceOwner);
        s.erase(std::next(it).base());
        return;
    }
}

Snapshot statement_snapshot() {
    auto& s = stack();
    return s.empty() ? nullptr : s.back().snapshot;
}

void statement_snapshots_subxact_abort(int level) {
    auto& s = stack();
    while (!s.empty() && s.back().level >= level) {
        UnregisterSnapshotFromOwner(s.back().snapshot, TopTransactionResourceOwner);
        s.pop_back();
    }
}

void statement_snapshots_release() {
    auto& s = stack();
    while (!s.empty()) {
        UnregisterSnapshotFromOwner(s.back().snapshot, TopTransactionResourceOwner);
        s.pop_back();
    }
}

void statement_snapshots_forget() { stack().clear(); }

}  // namespace pg_tviews::pg
