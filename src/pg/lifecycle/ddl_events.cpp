// Event triggers (created by the extension script, so they fire in every
// session whether or not the library is preloaded):
//   ddl_command_start on CREATE TABLE AS / SELECT INTO: a target named
//     tv_<e> is checked (errors leave nothing behind) and switched to
//     WITH NO DATA; the definition is kept for the end of the command.
//   ddl_command_end: the empty table becomes a TVIEW (view, population,
//     key, indexes, metadata, triggers) exactly as pg_tviews_create() does.
//   ddl_command_start on DROP TABLE / DROP VIEW: takes the locks a drop of
//     TVIEWs needs before the drop takes any (no deadlock with flushes).
//   sql_drop: cleanup after DROP TABLE / DROP VIEW of TVIEW objects.
//   ddl_command_end on CREATE TRIGGER / ALTER TABLE: refuses deferrable
//     triggers (and so deferrable foreign keys) on tv_ tables.
#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/capture_modes.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

using namespace pg_tviews;
using namespace pg_tviews::pg;

namespace {

EventTriggerData* event_data(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        throw TviewError(sqlstate::kFeatureNotSupported, "pg_tviews event functions must be called as event triggers");
    return reinterpret_cast<EventTriggerData*>(fcinfo->context);
}

}  // namespace

namespace {

// CREATE TABLE ... PARTITION OF tv_x: refused before PostgreSQL says only
// that tv_x is not partitioned.
void refuse_partition_of_tview(const CreateStmt* stmt) {
    if (stmt->partbound == nullptr || stmt->inhRelations == NIL) return;
    RangeVar* parent = linitial_node(RangeVar, stmt->inhRelations);
    Oid rel = pg_call([&] { return RangeVarGetRelid(parent, NoLock, true); });
    if (rel == InvalidOid) return;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    if (!cat.is_tview(rel)) return;
    throw TviewError(sqlstate::kFeatureNotSupported,
                     fmt::format("TVIEW \"{}\" cannot be partitioned", parent->relname),
                     "A TVIEW's table is one table, kept by its key column.",
                     "Partition the base tables instead: capture triggers follow their partitions, and the TVIEW "
                     "reads them all.");
}

}  // namespace

PGTV_FUNCTION(pg_tviews_ddl_start) {
    EventTriggerData* data = event_data(fcinfo);
    if (backend().internal_ddl == 0 && IsA(data->parsetree, CreateStmt))
        refuse_partition_of_tview(reinterpret_cast<CreateStmt*>(data->parsetree));
    if (backend().internal_ddl > 0 || !IsA(data->parsetree, CreateTableAsStmt)) return PointerGetDatum(nullptr);
    auto* stmt = reinterpret_cast<CreateTableAsStmt*>(data->parsetree);
    if (stmt->objtype != OBJECT_TABLE || stmt->into == nullptr || stmt->into->rel == nullptr)
        return PointerGetDatum(nullptr);
    IntoClause* into = stmt->into;
    RangeVar* rv = into->rel;
    if (!is_tview_table_name(rv->relname)) return PointerGetDatum(nullptr);
    std::string display = rv->schemaname ? fmt::format("{}.{}", rv->schemaname, rv->relname) : rv->relname;
    if (rv->relpersistence == RELPERSISTENCE_TEMP)
        throw TviewError(sqlstate::kFeatureNotSupported, fmt::format("TVIEW \"{}\" cannot be temporary", display), "",
                         "Drop TEMP, or give the temporary table a name that does not start with tv_.");
    if (into->colNames != NIL)
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("CREATE TABLE {} (column names) AS is not supported for TVIEWs", display), "",
                         "Name the columns with AS inside the SELECT.");
    TviewLocation where = locate_for_create(rv);
    Oid nsp = where.namespace_oid;
    const char* table = where.names.table.c_str();
    if (stmt->if_not_exists && pg_call([&] { return get_relname_relid(table, nsp); }) != InvalidOid)
        return PointerGetDatum(nullptr);  // PostgreSQL skips it with a notice
    auto* query = reinterpret_cast<Query*>(stmt->query);
    if (!IsA(stmt->query, Query) || query->commandType != CMD_SELECT || query->utilityStmt != nullptr)
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("CREATE TABLE {} AS EXECUTE is not supported for TVIEWs", display), "",
                         "Write the SELECT in the CREATE TABLE statement, or call pg_tviews_create().");
    // Without the key column it is no read model but an ordinary table that
    // happens to be named tv_... (the guides' backup copy
    // CREATE TABLE tv_post_backup AS SELECT * FROM tv_post): say so, create it.
    bool has_key = false;
    ListCell* lc;
    foreach (lc, query->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (!tle->resjunk && tle->resname && where.names.key_column == tle->resname) has_key = true;
    }
    if (!has_key) {
        std::string msg = fmt::format("table \"{}\" is created as an ordinary table, not a TVIEW", display);
        std::string detail = fmt::format("Its SELECT has no key column \"{}\".", where.names.key_column);
        std::string hint = fmt::format("To make it a TVIEW, select the key as {}.", where.names.key_column);
        pg_call([&] {
            ereport(NOTICE, (errmsg("%s", msg.c_str()), errdetail("%s", detail.c_str()), errhint("%s", hint.c_str())));
        });
        return PointerGetDatum(nullptr);
    }
    // pg_get_querydef takes locks and may rewrite join alias lists in place,
    // allocating in this short-lived context: deparse a copy.
    std::string definition = pg_call(
        [&] { return static_cast<const char*>(pg_get_querydef(reinterpret_cast<Query*>(copyObject(query)), false)); });
    precheck_definition(where, definition);
    into->skipData = true;
    backend().pending_ctas.push_back(PendingCtas{where.schema, where.names.table, definition});
    return PointerGetDatum(nullptr);
}

PGTV_FUNCTION(pg_tviews_ddl_end) {
    (void)event_data(fcinfo);
    BackendState& b = backend();
    if (b.internal_ddl > 0 || b.pending_ctas.empty()) return PointerGetDatum(nullptr);
    std::vector<PendingCtas> pending;
    pending.swap(b.pending_ctas);
    for (const auto& p : pending) {
        TviewLocation where = locate_for_create(qualify(p.schema, p.table));
        Oid nsp = where.namespace_oid;
        const char* table = p.table.c_str();
        Oid table_oid = pg_call([&] { return get_relname_relid(table, nsp); });
        if (table_oid == InvalidOid) continue;
        create_tview(where, p.definition, table_oid);
    }
    return PointerGetDatum(nullptr);
}

PGTV_FUNCTION(pg_tviews_drop_start) {
    EventTriggerData* data = event_data(fcinfo);
    if (backend().internal_ddl > 0) return PointerGetDatum(nullptr);
    if (IsA(data->parsetree, DropStmt)) lock_for_drop(reinterpret_cast<DropStmt*>(data->parsetree));
    if (IsA(data->parsetree, DropOwnedStmt)) lock_for_drop_owned(reinterpret_cast<DropOwnedStmt*>(data->parsetree));
    return PointerGetDatum(nullptr);
}

PGTV_FUNCTION(pg_tviews_sql_drop) {
    (void)event_data(fcinfo);
    cleanup_dropped();
    return PointerGetDatum(nullptr);
}

