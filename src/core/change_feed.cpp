#include "pg_tviews/core/change_feed.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pg_tviews/core/error.hpp"

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

}  // namespace

void FeedBuffer::add(const std::string& entity, const std::string& table, const std::string& changes,
                     FeedMode mode, int level) {
    if (mode == FeedMode::kOff) return;
    json rows = json::parse(changes, nullptr, false);
    if (rows.is_discarded() || !rows.is_array())
        throw TviewError(sqlstate::kInternalError, "pg_tviews: the change feed got no array of changes from " + table);
    for (auto& row : rows) {
        json change = json::object();
        change["entity"] = entity;
        change["table"] = table;
        change["op"] = row.value("op", "");
        change["pk"] = row.contains("pk") ? row["pk"] : json();
        if (row.contains("id")) change["id"] = row["id"];
        if (mode != FeedMode::kKeys) change["data"] = row.contains("data") ? row["data"] : json();
        if (mode == FeedMode::kPatches) {
            const json& before = row.contains("old") ? row["old"] : json();
            const json& after = change["data"];
            std::string op = change["op"];
            if (op == "insert" || before.is_null())
                change["patch"] = json::array({{{"op", "add"}, {"path", ""}, {"value", after}}});
            else if (op == "delete")
                change["patch"] = json::array({{{"op", "remove"}, {"path", ""}}});
            else
                change["patch"] = json::diff(before, after);
        }
        std::string text = change.dump();
        bytes_ += text.size() + 1;
        entries_.push_back({level, std::move(text)});
    }
}

void FeedBuffer::subxact_commit(int level) {
    for (auto& e : entries_)
        if (e.level >= level) e.level = level - 1;
}

void FeedBuffer::subxact_abort(int level) {
    std::vector<Entry> kept;
    bytes_ = 0;
    for (auto& e : entries_)
        if (e.level < level) {
            bytes_ += e.json.size() + 1;
            kept.push_back(std::move(e));
        }
    entries_.swap(kept);
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

void ReportLog::add(const std::string& entity, const std::string& table, std::uint32_t relid,
                    const std::string& changes, int level) {
    if (overflowed_) return;
    json rows = json::parse(changes, nullptr, false);
    if (rows.is_discarded() || !rows.is_array())
        throw TviewError(sqlstate::kInternalError, "pg_tviews: the report got no array of changes from " + table);
    for (const auto& r : rows) {
        if (entries_.size() >= kMaxChanges) {
            overflowed_ = true;
            entries_.clear();
            return;
        }
        ReportRow row;
        row.entity = entity;
        row.table = table;
        row.relid = relid;
        row.pk = r.contains("pk") && r["pk"].is_number_integer() ? r["pk"].get<std::int64_t>() : 0;
        if (r.contains("id") && r["id"].is_string()) row.id = r["id"].get<std::string>();
        row.op = r.value("op", "");
        entries_.push_back({level, std::move(row)});
    }
}

void ReportLog::subxact_commit(int level) {
    for (auto& e : entries_)
        if (e.level >= level) e.level = level - 1;
}

void ReportLog::subxact_abort(int level) {
    std::vector<Entry> kept;
    for (auto& e : entries_)
        if (e.level < level) kept.push_back(std::move(e));
    entries_.swap(kept);
}

std::vector<ReportRow> ReportLog::rows() const {
    struct Net {
        std::size_t first;  // position of the first change, for the order
        bool existed;       // before the transaction (its first change was no insert)
        const ReportRow* last;
    };
    std::map<std::pair<std::string, std::int64_t>, Net> by_doc;
    for (std::size_t i = 0; i < entries_.size(); i++) {
        const ReportRow& r = entries_[i].row;
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
    entries_.clear();
    overflowed_ = false;
}

void FeedBuffer::clear() {
    entries_.clear();
    bytes_ = 0;
    next_chunk_ = 1;
}

}  // namespace pg_tviews
