// The per-backend cache of TVIEW metadata: for each TVIEW its names,
// columns, owner, level and the statements its plans are prepared from
// (the plans themselves: plan_cache.hpp); for each base relation
// the key sources (how its changes find keys) of every TVIEW reading it.
//
// Built lazily from pg_tview_meta and the views' rewritten queries. A
// relcache invalidation of a relation some TVIEWs depend on (their table,
// view, base relations, helper views) makes those TVIEWs stale: the next
// lookup analyzes them again, and only them. One of the registry, of every
// relation drops the whole cache; a change to a function or type, the
// TVIEWs whose trust check looked at it. DDL from any
// session reaches every backend this way. Entries are shared_ptr so a
// reload never frees a plan that is executing; superseded entries are kept
// until the transaction ends. Entries do not change once loaded.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pg_tviews/core/dep_graph.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/capture/key_codec.hpp"
#include "pg_tviews/pg/border/postgres.hpp"
#include "pg_tviews/pg/analysis/read_columns.hpp"

namespace pg_tviews::pg {

struct KeySource {
    Oid relid = InvalidOid;
    int mode = 0;  // KeyMode
    AttrNumber attno = 0;
    std::string sql_old;  // the key queries (their plans: plan_cache.hpp)
    std::string sql_new;
    // What this occurrence reads of the relation anywhere in the view
    // (from the parser's record of the columns it selects). An UPDATE that
    // leaves those columns as they were changes no document through it.
    // reads_known is false when the occurrence reads a system column.
    ReadColumns reads;
    bool reads_known = false;
};

// One equality link of a TVIEW's query, as seen from one of its relations:
// changed rows of that relation lock (link, value of attno) in `mode`.
struct LinkLock {
    uint32 link_id = 0;
    AttrNumber attno = 0;
    int mode = 0;  // LOCKMODE
    bool operator<(const LinkLock& o) const {
        return link_id != o.link_id ? link_id < o.link_id : attno != o.attno ? attno < o.attno : mode < o.mode;
    }
    bool operator==(const LinkLock& o) const { return link_id == o.link_id && attno == o.attno && mode == o.mode; }
};

// How changes of one base relation that touch only leaves patch documents
// (patch_analysis.cpp): the leaves, the columns that must not have changed,
// and the patch statement (its plan: plan_cache.hpp).
// With array leaves, `identity` (0: none) is the relation's column that
// tells its changed rows apart: the statement takes their values as $2
// (capture/patched_rows.hpp), of type `identity_array_type`.
struct PatchPlan {
    Oid relid = InvalidOid;
    std::vector<PatchLeaf> leaves;
    ReadColumns others;
    std::string sql;
    AttrNumber identity = 0;
    Oid identity_type = InvalidOid;
    Oid identity_array_type = InvalidOid;
    bool keyed = false;  // some array's elements are found by a key: $3 holds every changed row's identity
};

struct TviewDef {
    Oid table_oid = InvalidOid;
    Oid view_oid = InvalidOid;
    Oid owner = InvalidOid;
    std::string schema;
    std::string entity;
    std::string table;
    std::string view;
    std::string key_column;
    KeyCodec key;  // how its keys are queued, passed and locked
    std::vector<std::string> columns;
    std::vector<Oid> relations;
    std::vector<Oid> helper_views;
    std::vector<KeySource> sources;
    std::vector<PatchPlan> patches;
    std::vector<std::pair<Oid, LinkLock>> link_locks;  // (relation, lock)
    int level = 0;
    // Why the TVIEW cannot be maintained safely any more (empty when it
    // can): maintenance would run code someone else controls as its owner.
    std::string broken;
    // Syscache hash values of the functions and types that verdict looked
    // at: a change to one of them makes the entry stale.
    std::vector<uint32> function_hashes;
    std::vector<uint32> type_hashes;

    ~TviewDef();  // frees its prepared plans (plan_cache.hpp)
    // The patch plan for changes of `relid`, or nullptr.
    const PatchPlan* patch_for(Oid relid) const;
};

using TviewPtr = std::shared_ptr<TviewDef>;

// What the generated refresh SQL needs to know of a TVIEW.
RefreshTarget refresh_target_of(const TviewDef& d);

class Catalog {
public:
    // Reloads when stale. Counts a graph cache hit or miss.
    void ensure_loaded();
    // The whole cache is reloaded at the next lookup.
    void invalidate() noexcept { valid_ = false; }
    // Nothing to reload (whole or in part) before the next lookup.
    bool is_valid() const noexcept { return valid_ && stale_.empty(); }
    // Relcache callback: the TVIEWs depending on `relid` become stale; the
    // registry, or 0 (every relation), invalidates the whole cache.
    void on_relcache(Oid relid) noexcept;
    // Syscache callback (PROCOID, TYPEOID): the TVIEWs whose trust check
    // looked at that function or type become stale; 0 (every row) invalidates
    // the whole cache.
    void on_code_change(int cache_id, uint32 hash) noexcept;
    // Releases entries superseded by reloads (end of transaction).
    void release_superseded() noexcept;

    bool is_tview(Oid table_oid) const { return tviews_.count(table_oid) != 0; }
    TviewPtr find(Oid table_oid) const;
    // TVIEWs reading `relid`, with the indexes of their key sources for it.
    struct Reader {
        TviewPtr tview;
        std::vector<std::size_t> sources;
    };
    std::vector<Reader> readers_of(Oid relid) const;
    // Link locks that changed rows of `relid` take (all TVIEWs, deduplicated).
    const std::vector<LinkLock>& link_locks_of(Oid relid) const;
    const DepGraph& graph() const { return graph_; }
    // Publishes how many definitions and prepared plans this backend holds
    // (pg_tviews_cache_stats).
    void publish_entries() const noexcept;
    std::vector<TviewPtr> all() const;

private:
    void load();
    void load_entries();
    void reload_stale();
    template <typename Fn>
    void while_loading(Fn&& fn);
    // The maps built from the entries: readers, link locks, dependencies,
    // the graph and its levels (fails on a cycle).
    void index_entries();

    bool valid_ = false;
    bool loaded_once_ = false;  // this backend loaded the definitions before
    bool loading_ = false;  // any invalidation while loading makes it stale
    std::map<Oid, TviewPtr> tviews_;
    std::map<Oid, std::vector<Oid>> readers_;  // relid -> TVIEW table oids
    std::map<Oid, std::vector<LinkLock>> link_locks_;
    Oid registry_ = InvalidOid;
    std::map<Oid, std::set<Oid>> dependents_;  // relid -> TVIEWs (table oids) whose entry it invalidates
    std::map<std::pair<int, uint32>, std::set<Oid>> code_dependents_;  // (cache, hash) -> TVIEWs
    std::set<Oid> stale_;                      // TVIEWs (table oids) to analyze again
    DepGraph graph_;
    std::vector<TviewPtr> superseded_;
};

Catalog& catalog();

// The installed pg_tviews extension (InvalidOid fields when it is not).
struct InstalledExtension {
    Oid namespace_oid = InvalidOid;
    Oid owner = InvalidOid;
};
InstalledExtension installed_extension();

// Schema of the installed pg_tviews extension, or InvalidOid.
Oid extension_namespace();

// Name of a schema ("" if it does not exist).
std::string namespace_name(Oid nsp);

// Name of the schema pg_tviews is installed in ("" when it is not installed).
std::string extension_schema_name();

// Whether a relation with this OID exists (now, in the syscache).
bool relation_exists(Oid relid);

// "schema"."relation", always quoted, for generated SQL.
std::string relation_sql_name(Oid relid);

// The partitions (at every level) of a partitioned table; none otherwise.
std::vector<Oid> partitions_of(Oid relid);

// Owner of a relation (pg_class.relowner).
Oid relation_owner(Oid relid);

// Raises an error naming the TVIEW when it cannot be maintained (broken).
void require_maintainable(const TviewDef& d);

}  // namespace pg_tviews::pg
