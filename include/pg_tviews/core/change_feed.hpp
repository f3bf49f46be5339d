// The change feed of one transaction (pg_tviews.change_feed): the documents
// its refreshes wrote, in the order written, cut into the JSON messages the
// PostgreSQL layer emits into the WAL (pg_logical_emit_message, prefix
// 'pg_tviews', transactional). Pure C++: JSON text in, message text out.
//
// A message: {"chunk": n, "last": true|false, "changes": [change, ...]}.
// A change: {"entity", "table" (schema.table), "op" (insert | update |
// delete), "pk", "id" (when the TVIEW has an id column), "data" (modes
// documents and patches: the new document, null for a delete), "patch"
// (mode patches: RFC 6902 operations from the old document to the new)}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pg_tviews {

enum class FeedMode { kOff = 0, kKeys = 1, kDocuments = 2, kPatches = 3 };

class FeedBuffer {
public:
    // Appends the changes of one refresh statement (`changes`: the jsonb
    // array it returned, as text; see sql_text.hpp) written at
    // subtransaction nesting level `level`. Keys and documents are taken as
    // they are (the statement built them); patches are computed here.
    void add(const std::string& changes, FeedMode mode, int level);

    // A subtransaction at `level` committed: its changes are its parent's.
    void subxact_commit(int level);
    // A subtransaction at `level` rolled back: its changes are dropped.
    void subxact_abort(int level);

    // Full messages of at most `max_bytes` (a change larger than that is a
    // message of its own) while the buffer holds at least that much. Only
    // at the top level (`level` 1): a message emitted inside a
    // subtransaction would be rolled back with it, with the outer changes.
    std::vector<std::string> take_full(std::size_t max_bytes, int level);
    // At commit: every change left, the last message marked. Nothing when
    // the transaction changed no document; an empty last message when
    // every change already went out in full messages.
    std::vector<std::string> take_final(std::size_t max_bytes);

    bool empty() const { return entries_.empty(); }
    std::size_t changes() const { return entries_.size(); }
    std::size_t bytes() const { return bytes_; }
    void clear();

private:
    struct Entry {
        int level;
        std::string json;
    };
    std::vector<std::string> take(std::size_t max_bytes, bool final);

    std::vector<Entry> entries_;
    std::size_t bytes_ = 0;
    int next_chunk_ = 1;
};

// Documents written per entity in one transaction, for the NOTIFY of
// pg_tviews.notify_channel (entities and counts only: payloads are small).
class EntityCounts {
public:
    // NOTIFY payloads must stay below 8000 bytes.
    static constexpr std::size_t kMaxPayload = 7999;

    void add(const std::string& entity, std::uint64_t documents, int level);
    void subxact_commit(int level);
    void subxact_abort(int level);
    bool empty() const;
    // {"post": 10, "user": 1}, entities in name order; when that does not fit,
    // {"documents": total, "entities": n, "truncated": true}.
    std::string payload() const;
    void clear() { counts_.clear(); }

private:
    std::map<int, std::map<std::string, std::uint64_t>> counts_;  // level -> entity -> documents
};

// The elements of a JSON array in text form (as jsonb prints it), each as
// its own text, without parsing them. Throws TviewError on text that is no
// array.
std::vector<std::string> json_array_elements(const std::string& text);

// What pg_tviews_flush_and_report() returns: each document the transaction
// changed, once, with its net operation (inserted then deleted: not at all),
// in the order first changed.
struct ReportRow {
    std::string entity;
    std::string table;
    std::uint32_t relid = 0;  // the TVIEW table's OID
    std::string pk;  // the key as its type prints it (a number's digits, a uuid, a text)
    std::string id;  // empty: the TVIEW has no id column
    std::string op;  // insert | update | delete
};

class ReportLog {
public:
    // Beyond this much change text in one transaction the log stops (the
    // report then fails, pointing to the feed): its memory stays bounded.
    static constexpr std::size_t kMaxBytes = 4u << 20;

    // Keeps the changes of one refresh statement of the TVIEW `relid` as
    // they came (read only when a report asks).
    void add(std::uint32_t relid, std::string changes, int level);
    void subxact_commit(int level);
    void subxact_abort(int level);
    bool overflowed() const { return overflowed_; }
    std::vector<ReportRow> rows() const;
    void clear();

    // Whether `id` is a uuid in its canonical text form (what to_jsonb gives).
    static bool canonical_uuid(const std::string& id);

private:
    struct Chunk {
        int level;
        std::uint32_t relid;
        std::string changes;
    };
    std::vector<Chunk> chunks_;
    std::size_t bytes_ = 0;
    bool overflowed_ = false;
};

}  // namespace pg_tviews
