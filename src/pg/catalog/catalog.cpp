// The per-backend cache of TVIEW definitions (catalog.hpp): loaded lazily,
// dropped by relcache invalidations of anything it watches and at the end
// of a transaction that changed TVIEWs. Entries are shared, read-only data.
#include "pg_tviews/pg/catalog/catalog.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/catalog/plan_cache.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/border/subxact.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

namespace pg_tviews::pg {

Catalog& catalog() {
    static Catalog instance;
    return instance;
}

TviewDef::~TviewDef() { plan_cache().release(this); }

const PatchPlan* TviewDef::patch_for(Oid relid) const {
    for (const auto& p : patches)
        if (p.relid == relid) return &p;
    return nullptr;
}

InstalledExtension installed_extension() {
    InstalledExtension found;
    pg_call([&] {
        Relation rel = table_open(ExtensionRelationId, AccessShareLock);
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("pg_tviews"));
        SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
        HeapTuple tup = systable_getnext(scan);
        if (HeapTupleIsValid(tup)) {
            auto* ext = reinterpret_cast<Form_pg_extension>(GETSTRUCT(tup));
            found.namespace_oid = ext->extnamespace;
            found.owner = ext->extowner;
        }
        systable_endscan(scan);
        table_close(rel, AccessShareLock);
    });
    return found;
}

Oid extension_namespace() { return installed_extension().namespace_oid; }

std::string namespace_name(Oid nsp) {
    const char* name = pg_call([&] { return static_cast<const char*>(get_namespace_name(nsp)); });
    return name ? name : "";
}

std::string extension_schema_name() {
    Oid nsp = extension_namespace();
    return nsp == InvalidOid ? std::string() : namespace_name(nsp);
}

bool relation_exists(Oid relid) {
    return pg_call([&] { return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)); });
}

std::string relation_sql_name(Oid relid) {
    const char* rel = pg_call([&] { return static_cast<const char*>(get_rel_name(relid)); });
    Oid nsp = pg_call([&] { return get_rel_namespace(relid); });
    return qualify(namespace_name(nsp), rel ? rel : "");
}

std::vector<Oid> partitions_of(Oid relid) {
    std::vector<Oid> out;
    if (pg_call([&] { return get_rel_relkind(relid); }) != RELKIND_PARTITIONED_TABLE) return out;
    List* parts = pg_call([&] { return find_all_inheritors(relid, NoLock, nullptr); });
    ListCell* lc;
    foreach (lc, parts)
        if (lfirst_oid(lc) != relid) out.push_back(lfirst_oid(lc));
    return out;
}

Oid relation_owner(Oid relid) {
    return pg_call([&] {
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tup)) elog(ERROR, "pg_tviews: cache lookup failed for relation %u", relid);
        Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relowner;
        ReleaseSysCache(tup);
        return owner;
    });
}

void require_maintainable(const TviewDef& d) {
    if (d.broken.empty()) return;
    throw TviewError(sqlstate::kInsufficientPrivilege, fmt::format("TVIEW \"{}\" cannot be maintained", d.table),
                     d.broken,
                     "SELECT * FROM pg_tviews_health_check() shows the problem; fix the ownership (or row-level "
                     "security) it names, or drop the TVIEW.");
}

void Catalog::publish_entries() const noexcept {
    PlanCache::Counts plans = plan_cache().counts();
    slot_cache_entries(tviews_.size(), plans.refresh, plans.key);
}

void Catalog::on_relcache(Oid relid) noexcept {
    // While loading, the relations an entry depends on are not all known
    // yet: any message reloads everything at the next lookup.
    if (loading_ || relid == InvalidOid || relid == registry_) {
        valid_ = false;
        return;
    }
    auto it = dependents_.find(relid);
    if (it == dependents_.end()) return;
    try {
        stale_.insert(it->second.begin(), it->second.end());
    } catch (...) {
        valid_ = false;  // out of memory: reload everything
    }
}

void Catalog::on_code_change(int cache_id, uint32 hash) noexcept {
    if (loading_ || hash == 0) {
        valid_ = false;
        return;
    }
    auto it = code_dependents_.find({cache_id, hash});
    if (it == code_dependents_.end()) return;
    try {
        stale_.insert(it->second.begin(), it->second.end());
    } catch (...) {
        valid_ = false;
    }
}

void Catalog::release_superseded() noexcept {
    try {
        superseded_.clear();
    } catch (...) {
    }
}

TviewPtr Catalog::find(Oid table_oid) const {
    auto it = tviews_.find(table_oid);
    return it == tviews_.end() ? nullptr : it->second;
}

std::vector<TviewPtr> Catalog::all() const {
    std::vector<TviewPtr> out;
    for (const auto& [oid, def] : tviews_) out.push_back(def);
    return out;
}

const std::vector<LinkLock>& Catalog::link_locks_of(Oid relid) const {
    static const std::vector<LinkLock> kNone;
    auto it = link_locks_.find(relid);
    return it == link_locks_.end() ? kNone : it->second;
}

std::vector<Catalog::Reader> Catalog::readers_of(Oid relid) const {
    std::vector<Reader> out;
    auto it = readers_.find(relid);
    if (it == readers_.end()) return out;
    for (Oid t : it->second) {
        Reader r{find(t), {}};
        for (std::size_t i = 0; i < r.tview->sources.size(); i++)
            if (r.tview->sources[i].relid == relid) r.sources.push_back(i);
        out.push_back(std::move(r));
    }
    return out;
}

void Catalog::ensure_loaded() {
    BackendState& b = backend();
    bool fresh = is_valid();
    if (b.xact.graph_first < 0) b.xact.graph_first = fresh ? 1 : 0;
    // A backend's first load is not a miss: the hit rate then measures how
    // often DDL makes the definitions reload, not how many connections
    // were opened (a pooler-less application opens one per request).
    if (fresh || loaded_once_) count_cache(CacheKind::kGraph, fresh);
    if (fresh) return;
    if (valid_)
        reload_stale();
    else
        load();
    loaded_once_ = true;
    publish_entries();
}

namespace {

std::string text_of(const char* s) { return s ? std::string(s) : std::string(); }

bool describe_locked(TviewDef& d);

// The analysis takes locks on the view and every relation it reads; a
// writer whose cache loads must not keep them (a concurrent DROP of some
// TVIEW needs them), so it runs in a subtransaction rolled back at once.
// False: the view was dropped by a transaction that committed while this
// one waited for its lock (the TVIEW is being dropped: not loaded).
bool describe(TviewDef& d) {
    bool exists = false;
    with_locks_released([&] { exists = describe_locked(d); });
    backend().stats.definitions_analyzed++;
    return exists;
}

// A catalog entry for a registry row, analyzed; nullptr when its table or
// view is being dropped.
TviewPtr build_entry(Oid table_oid, Oid view_oid, const std::string& entity) {
    auto def = std::make_shared<TviewDef>();
    def->table_oid = table_oid;
    def->view_oid = view_oid;
    const char* table = pg_call([&] { return static_cast<const char*>(get_rel_name(table_oid)); });
    const char* view = pg_call([&] { return static_cast<const char*>(get_rel_name(view_oid)); });
    if (table == nullptr || view == nullptr) return nullptr;  // being dropped
    def->table = table;
    def->view = view;
    def->entity = entity;
    // The key follows the entity recorded at creation, so renaming the
    // table does not change which column is the key.
    def->key_column = names_for_entity(def->entity).key_column;
    Oid nsp_oid = pg_call([&] { return get_rel_namespace(table_oid); });
    def->schema = namespace_name(nsp_oid);
    def->owner = relation_owner(table_oid);
    if (!describe(*def)) return nullptr;
    return def;
}

// Checked again at every load: ownership of functions, helper views and
// domains, and row-level security, can change after creation. A TVIEW
// that fails is not maintained (writers of its tables get the error).
void check_trust(TviewDef& d, Query* query) {
    Oid owner = d.owner;
    const char* table = d.table.c_str();
    CodeUsed code;
    try {
        pg_call([&] { check_trusted_code(query, owner, table, &code); });
    } catch (const PgException& e) {
        d.broken = e.what();
    }
    ListCell* hc;
    foreach (hc, code.functions) d.function_hashes.push_back(lfirst_oid(hc));
    foreach (hc, code.types) d.type_hashes.push_back(lfirst_oid(hc));
}

// Link locks make a key query see the other side's concurrent change. A
// link between two relations whose changes both find their keys without a
// query (the key table and a child carrying its key, such as tv_post under
// tv_user) protects nothing: the key locks serialize those changes. Such
// links are not locked (locking them inside a flush, after key locks,
// could deadlock). Each side of a link locks in its own mode: the two
// modes conflict with each other but not with themselves (a change on one
// side waits only for changes on the other side of the same value). A link
// within one relation locks in a mode that conflicts with both.
void add_link_locks(TviewDef& d, List* links, List* sources) {
    std::set<Oid> queried;
    ListCell* slc;
    foreach (slc, sources) {
        auto* ks = static_cast<KeySourceC*>(lfirst(slc));
        if (ks->mode == kKeyQuery) queried.insert(ks->relid);
    }
    ListCell* llc;
    foreach (llc, links) {
        auto* l = static_cast<JoinLinkC*>(lfirst(llc));
        if (!queried.count(l->rel_a) && !queried.count(l->rel_b)) continue;
        uint32 ids[4] = {l->rel_a, static_cast<uint32>(l->att_a), l->rel_b, static_cast<uint32>(l->att_b)};
        uint32 id = pg_call([&] { return hash_bytes(reinterpret_cast<const unsigned char*>(ids), sizeof ids); });
        bool same_relation = l->rel_a == l->rel_b;
        int mode_a = same_relation ? ShareRowExclusiveLock : RowExclusiveLock;
        int mode_b = same_relation ? ShareRowExclusiveLock : ShareLock;
        d.link_locks.push_back({l->rel_a, LinkLock{id, l->att_a, mode_a}});
        d.link_locks.push_back({l->rel_b, LinkLock{id, l->att_b, mode_b}});
    }
}

// The shape's key type, columns, relations and helper views.
void copy_shape(TviewDef& d, const ViewShapeC* shape) {
    d.key = key_codec_for(shape->key_type, shape->key_collation);
    ListCell* lc;
    foreach (lc, shape->column_names) d.columns.push_back(strVal(lfirst(lc)));
    foreach (lc, shape->relations) d.relations.push_back(static_cast<RelationReadC*>(lfirst(lc))->relid);
    foreach (lc, shape->helper_views) d.helper_views.push_back(lfirst_oid(lc));
}

void copy_key_sources(TviewDef& d, List* sources) {
    ListCell* lc;
    foreach (lc, sources) {
        auto* ks = static_cast<KeySourceC*>(lfirst(lc));
        KeySource s;
        s.relid = ks->relid;
        s.mode = ks->mode;
        s.attno = ks->attno;
        s.sql_old = text_of(ks->sql_old);
        s.sql_new = text_of(ks->sql_new);
        s.reads_known = ks->reads_known;
        int member = -1;
        while (s.reads_known && (member = pg_call([&] { return bms_next_member(ks->reads, member); })) >= 0) {
            int attno = member + FirstLowInvalidHeapAttributeNumber;
            if (attno == InvalidAttrNumber)
                s.reads.whole_row = true;
            else if (attno < 0)
                s.reads_known = false;  // a system column (ctid, xmin): an UPDATE always changes it
            else
                s.reads.attnos.push_back(static_cast<AttrNumber>(attno));
        }
        d.sources.push_back(std::move(s));
    }
}

// The patch plans, with their statements (the columns must be known).
void copy_patches(TviewDef& d, List* patches) {
    RefreshTarget target = refresh_target_of(d);
    std::string patch_function = patches == NIL ? "" : qualify(extension_schema_name(), "pg_tviews_patch_doc");
    ListCell* lc;
    foreach (lc, patches) {
        auto* pc = static_cast<PatchPlanC*>(lfirst(lc));
        PatchPlan p;
        p.relid = pc->relid;
        ListCell* leaf_cell;
        foreach (leaf_cell, pc->leaves) {
            auto* leaf = static_cast<PatchLeafC*>(lfirst(leaf_cell));
            PatchLeaf l;
            l.column = d.columns.at(static_cast<std::size_t>(leaf->column));
            ListCell* pcell;
            foreach (pcell, leaf->path) l.path.push_back(strVal(lfirst(pcell)));
            l.array = leaf->array;
            foreach (pcell, leaf->element_path) l.element_path.push_back(strVal(lfirst(pcell)));
            ListCell* ncell;
            foreach (ncell, leaf->nest) {
                l.nest.emplace_back();
                foreach (pcell, static_cast<List*>(lfirst(ncell))) l.nest.back().push_back(strVal(lfirst(pcell)));
            }
            foreach (pcell, leaf->locator) l.locator.push_back(strVal(lfirst(pcell)));
            p.leaves.push_back(std::move(l));
        }
        ListCell* oc;
        foreach (oc, pc->others) p.others.attnos.push_back(static_cast<AttrNumber>(lfirst_int(oc)));
        p.keyed = pc->map_sql != nullptr;
        p.sql = patch_sql(target, pc->select_sql, p.leaves, patch_function, p.keyed ? pc->map_sql : "");
        p.identity = pc->identity;
        p.identity_type = pc->identity_type;
        if (p.identity != 0) p.identity_array_type = pg_call([&] { return get_array_type(pc->identity_type); });
        d.patches.push_back(std::move(p));
    }
}

bool describe_locked(TviewDef& d) {
    const char* table = d.table.c_str();
    const char* key = d.key_column.c_str();
    Oid view = d.view_oid;
    ViewShapeC* shape = nullptr;
    List* links = NIL;
    List* patches = NIL;
    Query* query = nullptr;
    List* sources = pg_call([&]() -> List* {
        Query* q = rewritten_view_query_if_exists(view);
        if (q == nullptr) return NIL;
        query = q;
        shape = describe_tview_query(q, table, key, view);
        links = find_join_links(q);
        patches = build_patch_plans(q, shape, nullptr);
        return build_key_sources(q, shape);
    });
    if (query == nullptr) return false;
    check_trust(d, query);
    add_link_locks(d, links, sources);
    copy_shape(d, shape);
    copy_key_sources(d, sources);
    copy_patches(d, patches);
    return true;
}

}  // namespace

RefreshTarget refresh_target_of(const TviewDef& d) {
    return RefreshTarget{d.schema, d.table, d.view, d.key_column, d.columns, d.entity, d.key.sql_type,
                         d.key.eq_operator, !d.key.integer};
}

// Runs a (re)load: any invalidation meanwhile reloads everything at the
// next lookup (what depends on what is not known until it ends), and so
// does a load that fails.
template <typename Fn>
void Catalog::while_loading(Fn&& fn) {
    loading_ = true;
    try {
        fn();
    } catch (...) {
        loading_ = false;
        valid_ = false;
        throw;
    }
    loading_ = false;
}

void Catalog::load() {
    for (auto& [oid, def] : tviews_) superseded_.push_back(def);
    tviews_.clear();
    readers_.clear();
    link_locks_.clear();
    dependents_.clear();
    code_dependents_.clear();
    stale_.clear();
    registry_ = InvalidOid;
    graph_ = DepGraph{};
    // Valid from the start: an invalidation that arrives while loading
    // (locks taken below accept invalidation messages) marks it stale again.
    valid_ = true;
    while_loading([&] { load_entries(); });
}

void Catalog::load_entries() {

    Oid nsp = extension_namespace();
    if (nsp == InvalidOid) return;
    Oid meta = registry_table(nsp);
    if (meta == InvalidOid) return;
    registry_ = meta;

    Spi spi;
    std::vector<RegistryRow> rows;
    {
        // Read with the extension's rights: works whatever the DBA granted
        // on the registry (its view pg_tview_meta is readable by PUBLIC).
        // With the latest snapshot, like the system catalogs the rest of
        // the load reads: a flush that waited for a redefinition's lock
        // must see the registry row it committed (the view's new OID), not
        // the row of the transaction's older snapshot.
        struct LatestSnapshot {
            LatestSnapshot() {
                pg_call([] { PushActiveSnapshot(GetLatestSnapshot()); });
            }
            ~LatestSnapshot() {
                if (std::uncaught_exceptions() == 0) pg_entry_void([] { PopActiveSnapshot(); });
            }
        } latest;
        rows = registry_rows(spi, true);
    }
    for (const auto& row : rows)
        if (TviewPtr def = build_entry(row.table_oid, row.view_oid, row.entity)) tviews_[def->table_oid] = def;
    index_entries();
    spi.finish();
}

// Analyzes the stale TVIEWs again (their registry rows did not change: a
// change there reloads everything); the other entries stay as they are.
void Catalog::reload_stale() {
    std::set<Oid> redo;
    redo.swap(stale_);
    while_loading([&] {
        Spi spi;
        for (Oid table_oid : redo) {
            auto it = tviews_.find(table_oid);
            if (it == tviews_.end()) continue;
            TviewPtr old = it->second;
            superseded_.push_back(old);
            TviewPtr fresh = build_entry(old->table_oid, old->view_oid, old->entity);
            if (fresh)
                it->second = fresh;
            else
                tviews_.erase(it);
        }
        index_entries();
        spi.finish();
    });
}

void Catalog::index_entries() {
    readers_.clear();
    link_locks_.clear();
    dependents_.clear();
    code_dependents_.clear();
    graph_ = DepGraph{};
    for (auto& [oid, def] : tviews_) {
        for (const auto& [rel, lock] : def->link_locks) link_locks_[rel].push_back(lock);
    }
    for (auto& [rel, locks] : link_locks_) {
        std::sort(locks.begin(), locks.end());
        locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    }
    for (auto& [oid, def] : tviews_) {
        graph_.add_node(oid);
        dependents_[def->table_oid].insert(oid);
        dependents_[def->view_oid].insert(oid);
        for (Oid r : def->relations) {
            dependents_[r].insert(oid);
            readers_[r].push_back(oid);
            if (tviews_.count(r)) graph_.add_edge(r, oid);
        }
        for (Oid v : def->helper_views) dependents_[v].insert(oid);
        for (uint32 h : def->function_hashes) code_dependents_[{PROCOID, h}].insert(oid);
        for (uint32 h : def->type_hashes) code_dependents_[{TYPEOID, h}].insert(oid);
    }
    if (auto cycle = graph_.find_cycle()) {
        std::string path;
        for (Oid oid : *cycle) path += tviews_[oid]->table + " -> ";
        path += tviews_[cycle->front()]->table;
        throw TviewError(sqlstate::kInvalidRecursion, "TVIEWs read each other in a cycle", "Cycle: " + path + ".",
                         "A TVIEW cannot read itself, directly or through helper views or other TVIEWs; change "
                         "the view that closes the cycle.");
    }
    for (auto& [oid, level] : graph_.levels()) tviews_[oid]->level = level;
}

}  // namespace pg_tviews::pg
