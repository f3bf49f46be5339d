// pg_tviews_create_or_replace() with other columns: the TVIEW's view gets
// the new definition and its table follows in place (columns kept, retyped,
// dropped, appended; the plan is column_change.hpp's), so the TVIEWs built
// on it stay. Columns that those read cannot go: PostgreSQL's own
// dependencies refuse the ALTER TABLE, and the error says what to do.
#include <fmt/format.h>

#include "pg_tviews/core/column_change.hpp"
#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

namespace pg_tviews::pg {

namespace {

std::vector<ColumnSpec> columns_of(TupleDesc desc) {
    std::vector<ColumnSpec> out;
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute a = TupleDescAttr(desc, i);
        if (a->attisdropped) continue;
        const char* type = pg_call([&] { return format_type_with_typemod(a->atttypid, a->atttypmod); });
        out.push_back({NameStr(a->attname), type});
    }
    return out;
}

std::vector<ColumnSpec> table_columns(Oid table_oid) {
    TupleDesc desc = pg_call([&] {
        Relation rel = relation_open(table_oid, AccessShareLock);
        TupleDesc d = CreateTupleDescCopy(RelationGetDescr(rel));
        relation_close(rel, NoLock);
        return d;
    });
    return columns_of(desc);
}

// The columns the SELECT returns, as a view over it would have them
// (parsed and analyzed with the caller's search_path, not run).
std::vector<ColumnSpec> select_columns(const std::string& select_sql) {
    Spi caller_sql(Spi::Path::kCaller);
    const char* text = select_sql.c_str();
    TupleDesc desc = pg_call([&] {
        SPIPlanPtr plan = SPI_prepare(text, 0, nullptr);
        if (plan == nullptr) elog(ERROR, "pg_tviews: SPI_prepare failed for the new definition");
        List* sources = SPI_plan_get_plan_sources(plan);
        auto* source = static_cast<CachedPlanSource*>(linitial(sources));
        TupleDesc d = source->resultDesc ? CreateTupleDescCopy(source->resultDesc) : nullptr;
        SPI_freeplan(plan);
        return d;
    });
    caller_sql.finish();
    if (desc == nullptr)
        throw TviewError(sqlstate::kInvalidDefinition, "the new definition of a TVIEW must return rows", "",
                         "Pass a single SELECT.");
    return columns_of(desc);
}

// Errors PostgreSQL raises for what depends on a column or on the view,
// with the TVIEW named and what to do.
[[noreturn]] void refuse_dependent(const PgException& e, const std::string& tview, const char* what) {
    std::string detail = e.edata() && e.edata()->detail ? e.edata()->detail : "";
    throw TviewError(e.sqlerrcode() == ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST ? sqlstate::kDependentObjects
                                                                             : sqlstate::kFeatureNotSupported,
                     fmt::format("cannot redefine TVIEW {}: {}", tview, e.what()), detail,
                     fmt::format("Keep the {} that other views and TVIEWs read (DETAIL), or redefine those first.",
                                 what));
}

// GRANTs that give the new view the old one's privileges.
std::vector<std::string> grants_of(Spi& spi, Oid view_oid, const std::string& view) {
    auto rows = spi.query(grants_sql(), {arg_oid(view_oid), arg_text(view)}, true);
    std::vector<std::string> out;
    for (const auto& r : rows)
        if (r[0]) out.push_back(*r[0]);
    return out;
}

// The TVIEW's definition after its table's lock (taken first, as a flush
// takes it: then its view, then what the TVIEWs built on it write),
// reloaded after the wait.
TviewPtr locked_definition(Oid table_oid, const std::string& table) {
    require_tview_owner(table_oid, table, "redefine it");
    pg_call([&] { LockRelationOid(table_oid, AccessExclusiveLock); });
    Catalog& cat = catalog();
    cat.invalidate();
    cat.ensure_loaded();
    TviewPtr def = cat.find(table_oid);
    if (!def)
        throw TviewError(sqlstate::kUndefinedTable, fmt::format("TVIEW {} was dropped meanwhile", table), "",
                         "Create it with pg_tviews_create().");
    return def;
}

// New columns at the end only: the table gets them, then CREATE OR REPLACE
// VIEW does the rest as if the user had run it (same view, its privileges;
// registry, capture triggers, rebuild at commit).
void redefine_appending(Oid table_oid, const std::string& table, const std::string& view, const ColumnChange& change,
                        const std::string& select_sql) {
    if (!change.added.empty()) {
        InternalDdlScope internal_ddl;
        Spi spi;
        spi.exec(alter_columns_sql(table, change));
        use_document_storage(spi, table, table_oid);
        spi.finish();
    }
    Spi caller_sql(Spi::Path::kCaller);
    caller_sql.exec(create_view_sql(view, select_sql, true));
    caller_sql.finish();
}

// Drops the view and changes the table's columns; returns the GRANTs that
// give the new view the old one's privileges. What depends on either is
// refused by name.
std::vector<std::string> drop_view_and_change_columns(Oid old_view, const std::string& view, const std::string& table,
                                                      const ColumnChange& change) {
    Spi spi;
    std::vector<std::string> grants = grants_of(spi, old_view, view);
    try {
        spi.exec(drop_view_sql(view));
    } catch (const PgException& e) {
        if (e.sqlerrcode() != ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST) throw;
        refuse_dependent(e, table, "view");
    }
    try {
        spi.exec(alter_columns_sql(table, change));
    } catch (const PgException& e) {
        if (e.sqlerrcode() != ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST && e.sqlerrcode() != ERRCODE_FEATURE_NOT_SUPPORTED)
            throw;
        refuse_dependent(e, table, "columns");
    }
    spi.finish();
    return grants;
}

// The new view, created from the caller's SQL, gets the same refusals as at
// creation, the old view's owner and privileges, and its registry row.
void adopt_new_view(const TviewDef& def, const std::string& table, const std::string& view, Oid view_owner,
                    const std::vector<std::string>& grants) {
    Oid table_oid = def.table_oid;
    Spi spi;
    Oid nsp = pg_call([&] { return get_rel_namespace(table_oid); });
    std::string view_name = names_for(def.table).view;
    const char* vname = view_name.c_str();
    Oid view_oid = pg_call([&] { return get_relname_relid(vname, nsp); });
    const char* tname = def.table.c_str();
    const char* key = def.key_column.c_str();
    ViewShapeC* shape = pg_call([&] { return analyze_tview_view(view_oid, tname, key); });
    check_same_columns(table_oid, view_oid, def.table);
    if (view_owner != pg_call([] { return GetUserId(); })) {
        const char* role = pg_call([&] { return static_cast<const char*>(GetUserNameFromId(view_owner, false)); });
        spi.exec(alter_view_owner_sql(view, role));
    }
    {
        RunAs as_owner(view_owner);  // the grantor, as before
        for (const auto& g : grants) spi.exec(g);
    }
    ConventionColumns conventions = convention_columns(shape);
    registry_update_view(spi, table_oid, view_oid, conventions.fk_columns, conventions.uuid_fk_columns);
    record_extension_dependency(view_oid);
    use_document_storage(spi, table, table_oid);
    spi.finish();
}

}  // namespace

void replace_definition(const TviewDef& given, const std::string& select_sql) {
    Oid table_oid = given.table_oid;
    std::string table = relation_sql_name(table_oid);
    TviewPtr def = locked_definition(table_oid, table);
    const char* tname = def->table.c_str();
    const char* text = select_sql.c_str();
    pg_call([&] { (void)parse_tview_select(text, tname); });
    Oid old_view = def->view_oid;
    std::string view = relation_sql_name(old_view);
    ColumnChange change =
        plan_column_change(table_columns(table_oid), select_columns(select_sql), def->key_column, table);
    if (change.appends_only()) {
        redefine_appending(table_oid, table, view, change, select_sql);
        return;
    }
    // Columns go or change type: the view is dropped and created again (a
    // view cannot lose columns), with its owner and privileges.
    Oid view_owner = relation_owner(old_view);
    BackendState& b = backend();
    Oid redefining_before = b.redefining;
    b.redefining = table_oid;  // cleanup_dropped: this DROP VIEW keeps the TVIEW
    struct Restore {
        BackendState& b;
        Oid before;
        ~Restore() { b.redefining = before; }
    } restore{b, redefining_before};
    InternalDdlScope internal_ddl;
    std::vector<std::string> grants = drop_view_and_change_columns(old_view, view, table, change);
    {
        // The definition is the caller's SQL: names resolve with the
        // caller's search_path, once, as at creation.
        Spi caller_sql(Spi::Path::kCaller);
        caller_sql.exec(create_view_sql(view, select_sql, false));
        caller_sql.finish();
    }
    adopt_new_view(*def, table, view, view_owner, grants);
    pg_call([] { CommandCounterIncrement(); });  // the load below must see the registry row written above
    Catalog& cat = catalog();
    cat.invalidate();
    cat.ensure_loaded();
    TviewPtr now = cat.find(table_oid);
    if (!now) throw TviewError(sqlstate::kInternalError, fmt::format("TVIEW {} was lost in its redefinition", table));
    require_maintainable(*now);
    require_readable_by_owners({now}, view);
    sync_redefinition(*now, true);
    b.queue.mark_full(table_oid);  // rebuilt at commit, writing the rows that differ
}

}  // namespace pg_tviews::pg
