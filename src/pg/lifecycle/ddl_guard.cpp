// The DDL guard (ddl_command_end on CREATE TRIGGER, CREATE/ALTER TABLE,
// CREATE/ALTER VIEW, ALTER FUNCTION/AGGREGATE/DOMAIN, CREATE/ALTER POLICY):
// DDL that would leave a TVIEW stale, unmaintainable or maintained with
// someone else's code is refused (the statement rolls back) or handled.
//
//  * on a TVIEW's table or view: the table must keep exactly the view's
//    columns, its primary key on the key column, its enabled guard triggers
//    and the view's owner; ALTER TABLE ... OWNER TO gives the view to the
//    new owner too; deferrable triggers and constraints are refused;
//  * CREATE OR REPLACE VIEW of a TVIEW's view (same columns) or of a helper
//    view: the TVIEWs reading it are re-analysed and fully refreshed at
//    commit; a cycle is refused;
//  * ALTER TABLE of a base relation that adds, drops, renames or retypes a
//    column: the TVIEWs reading it are fully refreshed at commit (a whole-row
//    reference such as to_jsonb(u) changes with the columns);
//  * a new partition of a partitioned base table gets capture triggers;
//  * any change that makes a TVIEW run code its owner does not control
//    (ownership of functions, views, domains; row-level security) is refused;
//  * trigger names starting with tview_ are reserved.
// DDL that touches no TVIEW costs one look-up in the cached catalog, plus,
// for CREATE/ALTER TABLE and CREATE TRIGGER, one pg_trigger query for
// deferrable triggers on TVIEW tables (a foreign key elsewhere can add one).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/capture_modes.hpp"
#include "pg_tviews/pg/capture/capture_triggers.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

using namespace pg_tviews;
using namespace pg_tviews::pg;

namespace {

Oid resolve(RangeVar* rv) {
    if (rv == nullptr) return InvalidOid;
    return pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
}

// The relation a statement works on (for CREATE TABLE ... PARTITION OF: the parent).
Oid target_of(Node* tree) {
    if (tree == nullptr) return InvalidOid;
    switch (nodeTag(tree)) {
        case T_AlterTableStmt: return resolve(reinterpret_cast<AlterTableStmt*>(tree)->relation);
        case T_RenameStmt: {
            auto* r = reinterpret_cast<RenameStmt*>(tree);
            if (r->relation == nullptr) return InvalidOid;
            bool whole = r->renameType == OBJECT_TABLE || r->renameType == OBJECT_VIEW ||
                         r->renameType == OBJECT_MATVIEW || r->renameType == OBJECT_FOREIGN_TABLE;
            if (!whole) return resolve(r->relation);
            // Renamed already: look for it under its new name.
            RangeVar* renamed = pg_call([&] { return makeRangeVar(r->relation->schemaname, r->newname, -1); });
            return resolve(renamed);
        }
        case T_CreateTrigStmt: return resolve(reinterpret_cast<CreateTrigStmt*>(tree)->relation);
        case T_ViewStmt: return resolve(reinterpret_cast<ViewStmt*>(tree)->view);
        case T_CreateStmt: {
            auto* c = reinterpret_cast<CreateStmt*>(tree);
            if (c->partbound == nullptr || c->inhRelations == NIL) return InvalidOid;
            return resolve(linitial_node(RangeVar, c->inhRelations));
        }
        case T_AlterObjectSchemaStmt: {
            // Moved already: look for it under its new schema.
            auto* a = reinterpret_cast<AlterObjectSchemaStmt*>(tree);
            if (a->relation == nullptr) return InvalidOid;
            RangeVar* moved = pg_call([&] { return makeRangeVar(a->newschema, a->relation->relname, -1); });
            return resolve(moved);
        }
        default: return InvalidOid;
    }
}

TviewPtr tview_by_view(const Catalog& cat, Oid view) {
    for (const auto& t : cat.all())
        if (t->view_oid == view) return t;
    return nullptr;
}

bool reads(const TviewDef& t, Oid rel) {
    for (Oid r : t.relations)
        if (r == rel) return true;
    for (Oid v : t.helper_views)
        if (v == rel) return true;
    return false;
}

[[noreturn]] void refuse(const std::string& message, const std::string& detail, const std::string& hint) {
    throw TviewError(sqlstate::kFeatureNotSupported, message, detail, hint);
}

// What must stay true of a TVIEW's table and view after any DDL on them.
// (Long: one check after another, each with its own message and hint.)
void check_invariants(const TviewDef& t, bool restoring = false) {
    Oid table = t.table_oid;
    Oid view = t.view_oid;
    std::string name = relation_sql_name(table);
    check_same_columns(table, view, t.table);
    const char* key = t.key_column.c_str();
    // A primary key on another column is refused; none at all is not (a
    // restore adds it in its post-data, pg_restore --clean drops it first):
    // refreshes then fail loudly and the health check says so.
    bool keyed = pg_call([&] {
        Relation rel = table_open(table, AccessShareLock);
        Oid index = RelationGetPrimaryKeyIndex(rel);
        bool ok = true;
        if (OidIsValid(index)) {
            Relation idx = index_open(index, AccessShareLock);
            AttrNumber a = idx->rd_index->indnkeyatts == 1 ? idx->rd_index->indkey.values[0] : 0;
            index_close(idx, AccessShareLock);
            ok = a > 0 && get_attnum(table, key) == a;
        }
        table_close(rel, NoLock);
        return ok;
    });
    if (!keyed)
        refuse(fmt::format("TVIEW {} must keep its primary key ({})", name, t.key_column),
               "Refreshes find rows by the key column.", "Keep the primary key; add other indexes if needed.");
    bool has_key = pg_call([&] {
        Relation rel = table_open(table, AccessShareLock);
        bool k = OidIsValid(RelationGetPrimaryKeyIndex(rel));
        table_close(rel, NoLock);
        return k;
    });
    if (!has_key && !restoring)
        pg_call([&] {
            ereport(WARNING, (errmsg("TVIEW %s has no primary key now: writes to the tables it reads fail until "
                                     "ALTER TABLE %s ADD PRIMARY KEY (%s)",
                                     name.c_str(), name.c_str(), quote_ident(t.key_column).c_str())));
        });
    if (pg_call([&] { return get_rel_namespace(table) != get_rel_namespace(view); }))
        refuse(fmt::format("TVIEW {} and its view must stay in one schema", name),
               "pg_tviews names the view from the table's schema.",
               "To move a TVIEW, drop it and create it in the other schema.");
    Oid table_owner = relation_owner(table);
    if (relation_owner(view) != table_owner)
        refuse(fmt::format("the view of TVIEW {} must have the owner of its table", name), "",
               fmt::format("ALTER TABLE {} OWNER TO ... changes the owner of both.", name));
    bool forced = pg_call([&] {
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(table));
        bool f = HeapTupleIsValid(tup) && reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relforcerowsecurity;
        if (HeapTupleIsValid(tup)) ReleaseSysCache(tup);
        return f;
    });
    if (forced)
        refuse(fmt::format("TVIEW {} cannot force row-level security", name),
               "Maintenance writes the table as its owner; forced policies would hide rows from it.",
               "Policies without FORCE filter what other roles read.");
    // Disabled (or firing only for replication) guards are refused; missing
    // ones are not (a restore adds its constraints before its triggers;
    // pg_restore --clean drops them first): the health check reports them.
    Spi spi;
    bool disabled = guard_trigger_disabled(spi, table);
    spi.finish();
    // A superuser may (pg_dump --disable-triggers does, around its COPY).
    if (disabled && !pg_call([] { return superuser(); }))
        refuse(fmt::format("TVIEW {} must keep its guard triggers enabled", name),
               "They refuse writes that do not come from pg_tviews.",
               "Writes to a TVIEW go through its base tables; to rebuild it, SELECT pg_tviews_refresh(...).");
}

// The subcommand kinds of an ALTER TABLE on a table (none for any other
// statement, or an ALTER TABLE on another kind of relation when
// `tables_only`).
std::vector<AlterTableType> alter_table_subcommands(Node* tree, bool tables_only) {
    std::vector<AlterTableType> out;
    if (!IsA(tree, AlterTableStmt)) return out;
    auto* stmt = reinterpret_cast<AlterTableStmt*>(tree);
    if (tables_only && stmt->objtype != OBJECT_TABLE) return out;
    ListCell* lc;
    foreach (lc, stmt->cmds) out.push_back(static_cast<AlterTableCmd*>(lfirst(lc))->subtype);
    return out;
}

bool adds_or_removes_columns(AlterTableType kind) {
    switch (kind) {
        case AT_AddColumn:
        case AT_DropColumn:
        case AT_AlterColumnType:
        case AT_AddInherit:
        case AT_DropInherit:
        case AT_AddOf:
        case AT_DropOf:
        case AT_DropExpression:
            return true;
        default:
            return false;
    }
}

bool changes_columns(Node* tree) {
    if (IsA(tree, RenameStmt)) return reinterpret_cast<RenameStmt*>(tree)->renameType == OBJECT_COLUMN;
    auto kinds = alter_table_subcommands(tree, false);
    return std::any_of(kinds.begin(), kinds.end(), adds_or_removes_columns);
}

bool changes_owner(Node* tree) {
    auto kinds = alter_table_subcommands(tree, false);
    return std::find(kinds.begin(), kinds.end(), AT_ChangeOwner) != kinds.end();
}

// Deferrable triggers on any TVIEW table (CREATE TRIGGER on it, or a
// deferrable foreign key of another table referencing it).
void refuse_deferrable(const std::vector<Oid>& tview_tables) {
    std::string oids = "{";
    for (Oid t : tview_tables) oids += (oids.size() > 1 ? "," : "") + std::to_string(t);
    oids += "}";
    Spi spi;
    // Not read-only: must see this command's catalog rows.
    auto rows = spi.query(deferrable_trigger_sql(), {arg_text(oids)});
    spi.finish();
    if (rows.empty()) return;
    throw TviewError(sqlstate::kFeatureNotSupported,
                     fmt::format("deferrable trigger or constraint \"{}\" on TVIEW \"{}\" is not supported",
                                 rows[0][0].value_or(""), rows[0][1].value_or("")),
                     "TVIEWs are maintained at commit, after deferred triggers have fired: it would never fire "
                     "for their changes.",
                     "Make the trigger or foreign key NOT DEFERRABLE, or put it on a base table.");
}

std::set<Oid> broken_tviews(const Catalog& cat) {
    std::set<Oid> out;
    for (const auto& t : cat.all())
        if (!t->broken.empty()) out.insert(t->table_oid);
    return out;
}

// Re-reads the catalog as this command left it.
void reload(Catalog& cat) {
    pg_call([] { CommandCounterIncrement(); });
    cat.invalidate();
    cat.ensure_loaded();  // fails (and so refuses the change) on a cycle
}

// Whether a CREATE TRIGGER's function is pg_tviews_capture(),
// pg_tviews_capture_row() or pg_tviews_guard() of the extension.
bool runs_own_trigger_function(List* funcname, Oid ext_nsp) {
    Oid fn = pg_call([&] { return LookupFuncName(funcname, 0, nullptr, true); });
    if (fn == InvalidOid || pg_call([&] { return get_func_namespace(fn); }) != ext_nsp) return false;
    return is_own_trigger_function(pg_call([&] { return static_cast<const char*>(get_func_name(fn)); }));
}

void refuse_newly_broken(const Catalog& cat, const std::set<Oid>& before) {
    for (const auto& t : cat.all())
        if (!t->broken.empty() && !before.count(t->table_oid))
            throw TviewError(sqlstate::kInsufficientPrivilege,
                             fmt::format("this change would let TVIEW \"{}\" run code its owner does not control",
                                         t->table),
                             t->broken, "Keep the objects a TVIEW uses owned by its owner (or a superuser).");
}

// Subcommands that keep columns, owner, row security, triggers (except
// enabling them) and storage as maintenance sees them.
bool keeps_structure(AlterTableType kind) {
    switch (kind) {
        case AT_AddConstraint:
        case AT_AddIndex:
        case AT_AddIndexConstraint:
        case AT_ValidateConstraint:
        case AT_SetRelOptions:
        case AT_ResetRelOptions:
        case AT_ClusterOn:
        case AT_DropCluster:
        case AT_SetStatistics:
        case AT_ReplicaIdentity:
        case AT_EnableTrig:
        case AT_EnableAlwaysTrig:
            return true;
        default:
            return false;
    }
}

// ALTER TABLE on a table whose every subcommand keeps the structure.
bool is_structure_preserving(Node* tree) {
    auto kinds = alter_table_subcommands(tree, true);
    return !kinds.empty() && std::all_of(kinds.begin(), kinds.end(), keeps_structure);
}

// The checks of a structure-preserving ALTER TABLE on `target`, from the
// registry: a TVIEW table keeps its invariants, no TVIEW table gets a
// deferrable trigger or constraint.
void guard_from_registry(Oid target, Oid ext_nsp) {
    if (registry_table(ext_nsp) == InvalidOid) return;
    pg_call([] { CommandCounterIncrement(); });
    std::vector<RegistryRow> rows;
    {
        Spi spi;
        rows = registry_rows(spi);
        spi.finish();
    }
    if (rows.empty()) return;
    std::vector<Oid> tables;
    for (const auto& r : rows) {
        Oid table = r.table_oid;
        tables.push_back(table);
        if (table != target) continue;
        const char* relname = pg_call([&] { return static_cast<const char*>(get_rel_name(table)); });
        if (relname == nullptr) continue;
        TviewNames n = names_for(relname);
        TviewDef stub;  // what check_invariants reads
        stub.table_oid = table;
        stub.view_oid = r.view_oid;
        stub.table = n.table;
        stub.key_column = n.key_column;
        check_invariants(stub, true);
    }
    refuse_deferrable(tables);
}

}  // namespace

namespace pg_tviews::pg {

// Every TVIEW in `tviews` can still read what its view reads, as its owner
// (after an owner change; else every write to a base table would fail).
void require_readable_by_owners(const std::vector<TviewPtr>& tviews, const std::string& changed) {
    pg_call([] { CommandCounterIncrement(); });
    for (const auto& t : tviews) {
        Oid owner = relation_owner(t->table_oid);
        Oid view_oid = t->view_oid;
        RunAs as_owner(owner);
        Query* q = pg_call([&] { return rewritten_view_query(view_oid); });
        try {
            pg_call([&] { require_select_rights(q); });
        } catch (const PgException& e) {
            const char* role = pg_call([&] { return static_cast<const char*>(GetUserNameFromId(owner, true)); });
            throw TviewError(sqlstate::kInsufficientPrivilege,
                             fmt::format("after this change, owner \"{}\" of TVIEW {} could not read what it reads",
                                         role ? role : "?", relation_sql_name(t->table_oid)),
                             e.what(),
                             fmt::format("Grant the role SELECT on what it reads first ({} changed).", changed));
        }
    }
}

// ALTER TABLE tv_x OWNER TO r: the view goes to r too (maintenance reads
// the view as the table's owner).
void follow_owner(const TviewDef& t) {
    Oid owner = relation_owner(t.table_oid);
    if (relation_owner(t.view_oid) == owner) return;
    const char* role = pg_call([&] { return static_cast<const char*>(GetUserNameFromId(owner, false)); });
    std::string view = relation_sql_name(t.view_oid);
    InternalDdlScope internal;
    RunAsExtension as_extension;
    Spi spi;
    spi.exec(alter_view_owner_sql(view, role));
    spi.finish();
}

}  // namespace pg_tviews::pg


namespace {

// CREATE TRIGGER with a tview_ name: refused unless it runs one of
// pg_tviews' trigger functions (a restored dump recreates them so), in
// which case it runs no one's code and is checked from the registry.
// True when the statement is handled.
bool guard_own_trigger(CreateTrigStmt* stmt, Oid nsp) {
    const char* name = stmt->trigname;
    bool own_function = is_reserved_trigger_name(name) && runs_own_trigger_function(stmt->funcname, nsp);
    RangeVar* rv = stmt->relation;
    if (own_function && is_guard_dml_trigger(name)) {
        // A restore recreating a TVIEW's guard (see restore.cpp).
        Oid rel = pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); });
        if (rel != InvalidOid) adopt_restored_tview(rel);
    }
    if (is_reserved_trigger_name(name) && !own_function)
        throw TviewError(sqlstate::kInvalidName, fmt::format("trigger name \"{}\" is reserved for pg_tviews", name),
                         "pg_tviews finds its capture and guard triggers by these names.",
                         "Choose a name that does not start with tview_.");
    if (!own_function) return false;
    guard_from_registry(pg_call([&] { return RangeVarGetRelid(rv, NoLock, true); }), nsp);
    return true;
}

// The TVIEWs a command touches through the relation it targets.
struct Touched {
    Oid target = InvalidOid;
    bool on_tview_table = false;   // the target is a TVIEW's table
    TviewPtr by_view;              // the target is this TVIEW's view
    std::vector<TviewPtr> readers;  // TVIEWs reading the target
    Oid tview_table = InvalidOid;   // the TVIEW of the table or view
};

Touched touched_by(const Catalog& cat, Node* tree) {
    Touched t;
    t.target = target_of(tree);
    if (t.target == InvalidOid) return t;
    t.on_tview_table = cat.is_tview(t.target);
    t.by_view = tview_by_view(cat, t.target);
    for (const auto& d : cat.all())
        if (reads(*d, t.target)) t.readers.push_back(d);
    t.tview_table = t.on_tview_table ? t.target : t.by_view ? t.by_view->table_oid : InvalidOid;
    return t;
}

// After the command, as the reloaded cache sees it: partitions get capture
// triggers, registered definitions follow renames and view replacements,
// and documents whose inputs changed are rebuilt at commit.
void follow_command(Catalog& cat, Node* tree, const Touched& t, const std::string& schema) {
    // Partitions of a partitioned base table (CREATE TABLE ... PARTITION OF,
    // ALTER TABLE ... ATTACH PARTITION) get capture triggers.
    if (!t.readers.empty() && pg_call([&] { return get_rel_relkind(t.target); }) == RELKIND_PARTITIONED_TABLE) {
        Spi spi;
        capture_new_partitions(spi, schema, t.target);
        spi.finish();
    }
    if (IsA(tree, RenameStmt) || IsA(tree, AlterObjectSchemaStmt)) {
        // A relation a TVIEW reads (or the TVIEW itself) was renamed or
        // moved: its registered definition names it as it is now, so that a
        // backup of the definitions recreates the same TVIEW.
        std::vector<Oid> renamed;
        if (t.tview_table != InvalidOid) renamed.push_back(t.tview_table);
        for (const auto& r : t.readers) renamed.push_back(r->table_oid);
        for (Oid oid : renamed)
            if (TviewPtr d = cat.find(oid)) sync_redefinition(*d, true);
    }
    if (IsA(tree, ViewStmt) && (t.by_view || !t.readers.empty())) {
        // A new definition may read other relations: their owners' rights,
        // the registry and the capture triggers follow it.
        std::vector<std::pair<TviewPtr, bool>> redefined_tviews;
        if (t.by_view)
            if (TviewPtr d = cat.find(t.by_view->table_oid)) redefined_tviews.emplace_back(d, true);
        for (const auto& r : t.readers)
            if (TviewPtr d = cat.find(r->table_oid)) redefined_tviews.emplace_back(d, false);
        std::vector<TviewPtr> owners_must_read;
        for (const auto& [d, own] : redefined_tviews) owners_must_read.push_back(d);
        require_readable_by_owners(owners_must_read, relation_sql_name(t.target));
        for (const auto& [d, own] : redefined_tviews) sync_redefinition(*d, own);
    }
    // What the documents are computed from changed: rebuild them at commit.
    BackendState& b = backend();
    bool redefined = IsA(tree, ViewStmt) || (IsA(tree, AlterTableStmt) &&
                                             reinterpret_cast<AlterTableStmt*>(tree)->objtype == OBJECT_VIEW);
    if ((redefined && (t.by_view || !t.readers.empty())) || (!t.readers.empty() && changes_columns(tree))) {
        if (t.by_view) b.queue.mark_full(t.by_view->table_oid);
        for (const auto& r : t.readers) b.queue.mark_full(r->table_oid);
    }
}

}  // namespace

// Every DDL command, at ddl_command_end: refuses what would break a TVIEW's
// invariants or let it run code its owner does not control, and makes the
// registry, the capture triggers and the documents follow the rest. (About
// 60 lines: the order of its checks is the order of the guarantees.)
PGTV_FUNCTION(pg_tviews_ddl_guard) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        throw TviewError(sqlstate::kFeatureNotSupported, "pg_tviews event functions must be called as event triggers");
    auto* data = reinterpret_cast<EventTriggerData*>(fcinfo->context);
    if (backend().internal_ddl > 0) return PointerGetDatum(nullptr);
    Oid nsp = extension_namespace();
    if (nsp == InvalidOid) return PointerGetDatum(nullptr);
    Node* tree = data->parsetree;
    if (IsA(tree, CreateTrigStmt) && guard_own_trigger(reinterpret_cast<CreateTrigStmt*>(tree), nsp))
        return PointerGetDatum(nullptr);
    // Commands that cannot change what a TVIEW computes, who runs it or what
    // it reads are checked from the registry alone, without loading (and
    // locking) every TVIEW's relations: concurrent DDL on different tables
    // (pg_restore -j adding constraints) must not deadlock in here.
    if (is_structure_preserving(tree)) {
        guard_from_registry(target_of(tree), nsp);
        return PointerGetDatum(nullptr);
    }
    Catalog& cat = catalog();
    // What the cache held before this command (it reloads below, seeing
    // the command's own changes): a TVIEW broken only afterwards is this
    // command's doing.
    std::set<Oid> broken_before = broken_tviews(cat);
    cat.ensure_loaded();
    if (cat.all().empty()) return PointerGetDatum(nullptr);
    Touched t = touched_by(cat, tree);
    // A deferrable trigger or foreign key on a TVIEW table can come from
    // DDL on another table (REFERENCES tv_x DEFERRABLE).
    if (IsA(tree, CreateTrigStmt) || IsA(tree, AlterTableStmt) || IsA(tree, CreateStmt)) {
        std::vector<Oid> tables;
        for (const auto& d : cat.all()) tables.push_back(d->table_oid);
        refuse_deferrable(tables);
    }
    bool policy_or_owner = data->tag == CMDTAG_ALTER_FUNCTION || data->tag == CMDTAG_ALTER_AGGREGATE ||
                           data->tag == CMDTAG_ALTER_DOMAIN || data->tag == CMDTAG_CREATE_POLICY ||
                           data->tag == CMDTAG_ALTER_POLICY;
    if (!t.on_tview_table && !t.by_view && t.readers.empty() && !policy_or_owner)
        return PointerGetDatum(nullptr);  // touches no TVIEW
    if (changes_owner(tree)) {
        // The TVIEW's new owner, and the owners of TVIEWs reading the
        // relation, must be able to read what they read.
        std::vector<TviewPtr> affected = t.readers;
        if (t.on_tview_table) {
            follow_owner(*cat.find(t.target));
            affected.push_back(cat.find(t.target));
        }
        require_readable_by_owners(affected, relation_sql_name(t.target));
    }
    if (IsA(tree, ViewStmt) && t.by_view) {
        // CREATE OR REPLACE VIEW v_<e>: the table keeps its columns, or the change is refused.
        check_same_columns(t.by_view->table_oid, t.by_view->view_oid, t.by_view->table);
    }
    reload(cat);
    if (t.tview_table != InvalidOid) {
        TviewPtr d = cat.find(t.tview_table);
        if (d) check_invariants(*d);
    }
    refuse_newly_broken(cat, broken_before);
    follow_command(cat, tree, t, namespace_name(nsp));
    return PointerGetDatum(nullptr);
}
