#include "pg_tviews/pg/statement_snapshots.hpp"

#include <vector>

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

// Called from the executor hooks (plain server calls, no C++ object alive
// across them apart from the static vector).
void statement_snapshot_push(QueryDesc* query) {
    bool modifies = query->operation != CMD_SELECT ||
                    (query->plannedstmt != nullptr && query->plannedstmt->hasModifyingCTE);
    if (!modifies || query->snapshot == nullptr || !IsMVCCSnapshot(query->snapshot)) return;
    Snapshot copy = RegisterSnapshotOnOwner(query->snapshot, TopTransactionResourceOwner);
    stack().push_back(Entry{query, copy, GetCurrentTransactionNestLevel()});
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
