#include "pg_tviews/core/key_queue.hpp"

#include <algorithm>
#include <iterator>
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

void KeyQueue::compact(KeySet& p) {
    // keys[0, compacted_size) is sorted and distinct already (keys are only
    // ever appended): sort the tail alone and merge it in.
    if (p.keys.size() == p.compacted_size) return;
    auto mid = p.keys.begin() + static_cast<std::ptrdiff_t>(p.compacted_size);
    std::sort(mid, p.keys.end());
    std::inplace_merge(p.keys.begin(), mid, p.keys.end());
    p.keys.erase(std::unique(p.keys.begin(), p.keys.end()), p.keys.end());
    p.compacted_size = p.keys.size();
}

void KeyQueue::add(TviewId tview, Key key) {
    Pending& p = pending_[tview];
    p.keys.push_back(key);
    if (p.keys.size() >= 2 * p.compacted_size + 64) compact(p);
}

void KeyQueue::append(KeySet& set, const std::vector<Key>& keys) {
    set.keys.insert(set.keys.end(), keys.begin(), keys.end());
    if (set.keys.size() >= 2 * set.compacted_size + 64) compact(set);
}

void KeyQueue::add_all(TviewId tview, const std::vector<Key>& keys) {
    if (keys.empty()) return;
    append(pending_[tview], keys);
}

void KeyQueue::add_patch(TviewId tview, std::uint32_t patch, const std::vector<Key>& keys) {
    if (keys.empty()) return;
    append(pending_[tview].patches[patch], keys);
}

std::size_t KeyQueue::Batch::key_count() const noexcept {
    std::size_t n = keys.size();
    for (const auto& [patch, set] : patches) n += set.size();
    return n;
}

std::vector<Key> KeyQueue::Batch::all_keys() const {
    std::vector<Key> out = keys;
    for (const auto& [patch, set] : patches) {
        std::vector<Key> merged;
        merged.reserve(out.size() + set.size());
        std::set_union(out.begin(), out.end(), set.begin(), set.end(), std::back_inserter(merged));
        out.swap(merged);
    }
    return out;
}

void KeyQueue::mark_full(TviewId tview) { pending_[tview].full = true; }

void KeyQueue::touch(TviewId tview) { pending_[tview]; }

bool KeyQueue::empty() const { return pending_.empty(); }

std::size_t KeyQueue::size() {
    std::size_t n = 0;
    for (auto& [id, p] : pending_) n += peek(id).size();
    return n;
}

std::size_t KeyQueue::queued_count() const noexcept {
    std::size_t n = 0;
    for (const auto& [id, p] : pending_) {
        n += p.keys.size() + (p.full ? 1 : 0);
        for (const auto& [patch, set] : p.patches) n += set.keys.size();
    }
    return n;
}

void KeyQueue::compact_small(std::size_t limit) {
    for (auto& [id, p] : pending_) {
        if (p.keys.size() <= limit) compact(p);
        for (auto& [patch, set] : p.patches)
            if (set.keys.size() <= limit) compact(set);
    }
}

std::vector<TviewId> KeyQueue::pending() const {
    std::vector<TviewId> out;
    out.reserve(pending_.size());
    for (const auto& [id, p] : pending_) out.push_back(id);
    return out;
}

bool KeyQueue::is_full(TviewId tview) const {
    auto it = pending_.find(tview);
    return it != pending_.end() && it->second.full;
}

KeyQueue::Batch KeyQueue::take(TviewId tview) {
    Batch b;
    b.tview = tview;
    auto it = pending_.find(tview);
    if (it == pending_.end()) return b;
    Pending& p = it->second;
    compact(p);
    b.full = p.full;
    b.keys = std::move(p.keys);
    if (!b.full) {
        for (auto& [patch, set] : p.patches) {
            compact(set);
            if (b.keys.empty()) {  // nothing to take out: no copy (a million keys are 8 MB)
                if (!set.keys.empty()) b.patches.emplace(patch, std::move(set.keys));
                continue;
            }
            std::vector<Key> only;
            std::set_difference(set.keys.begin(), set.keys.end(), b.keys.begin(), b.keys.end(),
                                std::back_inserter(only));
            if (!only.empty()) b.patches.emplace(patch, std::move(only));
        }
        recompute_shared(b);
    }
    pending_.erase(it);
    return b;
}

// A key in two or more patch sets would be written once per patch
// statement: it is recomputed instead, once.
void KeyQueue::recompute_shared(Batch& b) {
    if (b.patches.size() < 2) return;
    std::vector<Key> seen, shared;
    for (const auto& [patch, set] : b.patches) {
        std::vector<Key> again, merged;
        std::set_intersection(seen.begin(), seen.end(), set.begin(), set.end(), std::back_inserter(again));
        if (!again.empty()) {
            std::vector<Key> more;
            std::set_union(shared.begin(), shared.end(), again.begin(), again.end(), std::back_inserter(more));
            shared.swap(more);
        }
        std::set_union(seen.begin(), seen.end(), set.begin(), set.end(), std::back_inserter(merged));
        seen.swap(merged);
    }
    if (shared.empty()) return;
    for (auto it = b.patches.begin(); it != b.patches.end();) {
        std::vector<Key> only;
        std::set_difference(it->second.begin(), it->second.end(), shared.begin(), shared.end(),
                            std::back_inserter(only));
        if (only.empty()) {
            it = b.patches.erase(it);
        } else {
            it->second.swap(only);
            ++it;
        }
    }
    std::vector<Key> keys;
    std::set_union(b.keys.begin(), b.keys.end(), shared.begin(), shared.end(), std::back_inserter(keys));
    b.keys.swap(keys);
}

std::vector<Key> KeyQueue::peek(TviewId tview) {
    auto it = pending_.find(tview);
    if (it == pending_.end()) return {};
    Pending& p = it->second;
    compact(p);
    Batch b;
    b.keys = p.keys;
    for (auto& [patch, set] : p.patches) {
        compact(set);
        b.patches.emplace(patch, set.keys);
    }
    return b.all_keys();
}

void KeyQueue::record_flushed(int level, const Batch& batch) {
    // Only a flush inside a subtransaction can be undone without the whole
    // transaction going away; at top level nothing needs remembering.
    if (level <= 1) return;
    flushed_.push_back(Flushed{level, batch});
}

void KeyQueue::subxact_commit(int level) {
    for (auto& f : flushed_)
        if (f.level >= level) f.level = level - 1;
    // Entries that reached the top level can no longer be rolled back alone.
    flushed_.erase(std::remove_if(flushed_.begin(), flushed_.end(),
                                  [](const Flushed& f) { return f.level <= 1; }),
                   flushed_.end());
}

void KeyQueue::subxact_abort(int level) {
    std::vector<Flushed> keep;
    for (auto& f : flushed_) {
        if (f.level >= level) {
            if (f.batch.full) mark_full(f.batch.tview);
            // Patched keys come back to be recomputed: always correct.
            add_all(f.batch.tview, f.batch.all_keys());
            if (!f.batch.full && f.batch.keys.empty()) pending_[f.batch.tview];
        } else {
            keep.push_back(std::move(f));
        }
    }
    flushed_ = std::move(keep);
}

void KeyQueue::clear() {
    pending_.clear();
    flushed_.clear();
    dictionary_.clear();
}

}  // namespace pg_tviews
