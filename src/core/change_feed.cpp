#include "pg_tviews/core/change_feed.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

namespace {

using nlohmann::json;

// The room a message takes besides its changes: {"chunk":N,"last":false,"changes":[]}.
constexpr std::size_t kEnvelope = 48;

std::string message(int chunk, bool last, const std::vector<std::string>& changes, std::size_t from,
                    std::size_t to) {
    std::string out = "{\"chunk\":" + std::to_string(chunk) + ",\"last\":" + (last ? "true" : "false") +
                      ",\"changes\":[";
    for (std::size_t i = from; i < to; i++) {
        if (i > from) out += ",";
        out += changes[i];
    }
    out += "]}";
    return out;
}

// Entries tagged with the subtransaction nesting level that wrote them: a
// subtransaction's commit hands its entries to its parent; its rollback
// drops them (drop_level returns the size of what is left, by `size_of`).
template <typename E>
void hand_to_parent(std::vector<E>& entries, int level) {
    for (auto& e : entries)
        if (e.level >= level) e.level = level - 1;
}

template <typename E, typename SizeOf>
std::size_t drop_level(std::vector<E>& entries, int level, SizeOf size_of) {
    std::vector<E> kept;
    std::size_t bytes = 0;
    for (auto& e : entries)
        if (e.level < level) {
            bytes += size_of(e);
            kept.push_back(std::move(e));
        }
    entries.swap(kept);
    return bytes;
}

}  // namespace

std::vector<std::string> json_array_elements(const std::string& text) {
    std::vector<std::string> out;
    std::size_t i = 0, n = text.size();
    auto skip_space = [&] {
        while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) i++;
    };
    skip_space();
    if (i >= n || text[i] != '[')
        throw TviewError(sqlstate::kInternalError, "pg_tviews: the change feed got no array of changes");
    i++;
    int depth = 0;
    bool in_string = false;
    std::size_t start = std::string::npos;
    for (; i < n; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (start == std::string::npos && c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != ']') start = i;
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || (c == ']' && depth > 0)) {
            depth--;
        } else if ((c == ',' || c == ']') && depth == 0) {
            if (start != std::string::npos) {
                std::size_t end = i;
                while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\n')) end--;
                out.push_back(text.substr(start, end - start));
            }
            start = std::string::npos;
            if (c == ']') return out;
        }
    }
    throw TviewError(sqlstate::kInternalError, "pg_tviews: the change feed got an unterminated array of changes");
}

void FeedBuffer::add(const std::string& changes, FeedMode mode, int level) {
    if (mode == FeedMode::kOff) return;
    if (mode != FeedMode::kPatches) {
        for (auto& text : json_array_elements(changes)) {
            bytes_ += text.size() + 1;
            entries_.push_back({level, std::move(text)});
        }
        return;
    }
    json rows = json::parse(changes, nullptr, false);
    if (rows.is_discarded() || !rows.is_array())
        throw TviewError(sqlstate::kInternalError, "pg_tviews: the change feed got no array of changes");
    for (auto& change : rows) {
        json before = change.contains("old") ? change["old"] : json();
        change.erase("old");
        const json& after = change.contains("data") ? change["data"] : json();
        std::string op = change.value("op", "");
        if (op == "insert" || before.is_null())
            change["patch"] = json::array({{{"op", "add"}, {"path", ""}, {"value", after}}});
        else if (op == "delete")
            change["patch"] = json::array({{{"op", "remove"}, {"path", ""}}});
        else
            change["patch"] = json::diff(before, after);
        std::string text = change.dump();
        bytes_ += text.size() + 1;
        entries_.push_back({level, std::move(text)});
    }
}

void FeedBuffer::subxact_commit(int level) { hand_to_parent(entries_, level); }

void FeedBuffer::subxact_abort(int level) {
    bytes_ = drop_level(entries_, level, [](const Entry& e) { return e.json.size() + 1; });
}

std::vector<std::string> FeedBuffer::take(std::size_t max_bytes, bool final) {
    std::vector<std::string> out;
    std::vector<std::string> texts;
    texts.reserve(entries_.size());
    for (auto& e : entries_) texts.push_back(std::move(e.json));
    std::size_t from = 0;
    std::size_t kept_from = texts.size();  // changes left in the buffer (not final)
    while (from < texts.size()) {
        std::size_t size = kEnvelope;
        std::size_t to = from;
        while (to < texts.size() && (to == from || size + texts[to].size() + 1 <= max_bytes)) {
            size += texts[to].size() + 1;
            to++;
        }
        bool full = to < texts.size() || size >= max_bytes;
        if (!final && !full) {
            kept_from = from;
            break;
        }
        out.push_back(message(next_chunk_++, final && to == texts.size(), texts, from, to));
        from = to;
    }
    if (final && out.empty() && next_chunk_ > 1) out.push_back(message(next_chunk_++, true, texts, 0, 0));
    std::vector<Entry> kept;
    bytes_ = 0;
    for (std::size_t i = kept_from; i < texts.size() && !final; i++) {
        bytes_ += texts[i].size() + 1;
        kept.push_back({entries_[i].level, std::move(texts[i])});
    }
    entries_.swap(kept);
    return out;
}

std::vector<std::string> FeedBuffer::take_full(std::size_t max_bytes, int level) {
    if (level != 1 || bytes_ + kEnvelope < max_bytes) return {};
    return take(max_bytes, false);
}

std::vector<std::string> FeedBuffer::take_final(std::size_t max_bytes) {
    std::vector<std::string> out = take(max_bytes, true);
    clear();
    return out;
}

bool ReportLog::canonical_uuid(const std::string& id) {
    if (id.size() != 36) return false;
    for (std::size_t i = 0; i < id.size(); i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = id[i];
        if (dash != (c == '-')) return false;
        if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return true;
}

void ReportLog::add(std::uint32_t relid, std::string changes, int level) {
    if (overflowed_) return;
    bytes_ += changes.size();
    if (bytes_ > kMaxBytes) {
        overflowed_ = true;
        chunks_.clear();
        return;
    }
    chunks_.push_back({level, relid, std::move(changes)});
}

void ReportLog::subxact_commit(int level) { hand_to_parent(chunks_, level); }

void ReportLog::subxact_abort(int level) {
    bytes_ = drop_level(chunks_, level, [](const Chunk& c) { return c.changes.size(); });
}

std::vector<ReportRow> ReportLog::rows() const {
    struct Net {
        std::size_t first;  // position of the first change, for the order
        bool existed;       // before the transaction (its first change was no insert)
        const ReportRow* last;
    };
    std::vector<ReportRow> all;
    for (const auto& chunk : chunks_) {
        json rows = json::parse(chunk.changes, nullptr, false);
        if (rows.is_discarded() || !rows.is_array()) continue;
        for (const auto& r : rows) {
            ReportRow row;
            row.entity = r.value("entity", "");
            row.table = r.value("table", "");
            row.relid = chunk.relid;
            if (r.contains("pk")) row.pk = r["pk"].is_string() ? r["pk"].get<std::string>() : r["pk"].dump();
            if (r.contains("id") && r["id"].is_string()) row.id = r["id"].get<std::string>();
            row.op = r.value("op", "");
            all.push_back(std::move(row));
        }
    }
    std::map<std::pair<std::string, std::string>, Net> by_doc;
    for (std::size_t i = 0; i < all.size(); i++) {
        const ReportRow& r = all[i];
        auto key = std::make_pair(r.table, r.pk);
        auto it = by_doc.find(key);
        if (it == by_doc.end())
            by_doc.emplace(key, Net{i, r.op != "insert", &r});
        else
            it->second.last = &r;
    }
    std::vector<std::pair<std::size_t, ReportRow>> ordered;
    for (const auto& [key, net] : by_doc) {
        bool exists = net.last->op != "delete";
        if (!net.existed && !exists) continue;
        ReportRow row = *net.last;
        row.op = !net.existed ? "insert" : exists ? "update" : "delete";
        ordered.emplace_back(net.first, std::move(row));
    }
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ReportRow> out;
    for (auto& [pos, row] : ordered) out.push_back(std::move(row));
    return out;
}

void ReportLog::clear() {
    chunks_.clear();
    bytes_ = 0;
    overflowed_ = false;
}

void EntityCounts::add(const std::string& entity, std::uint64_t documents, int level) {
    if (documents > 0) counts_[level][entity] += documents;
}

void EntityCounts::subxact_commit(int level) {
    std::map<int, std::map<std::string, std::uint64_t>> merged;
    for (auto& [l, by_entity] : counts_)
        for (auto& [e, n] : by_entity) merged[l >= level ? level - 1 : l][e] += n;
    counts_.swap(merged);
}

void EntityCounts::subxact_abort(int level) {
    for (auto it = counts_.begin(); it != counts_.end();)
        it = it->first >= level ? counts_.erase(it) : std::next(it);
}

bool EntityCounts::empty() const { return counts_.empty(); }

std::string EntityCounts::payload() const {
    std::map<std::string, std::uint64_t> total;
    for (const auto& [l, by_entity] : counts_)
        for (const auto& [e, n] : by_entity) total[e] += n;
    json out = json::object();
    std::uint64_t documents = 0;
    for (const auto& [e, n] : total) {
        out[e] = n;
        documents += n;
    }
    std::string text = out.dump();
    if (text.size() <= kMaxPayload) return text;
    return json{{"documents", documents}, {"entities", total.size()}, {"truncated", true}}.dump();
}

void FeedBuffer::clear() {
    entries_.clear();
    bytes_ = 0;
    next_chunk_ = 1;
}

}  // namespace pg_tviews
