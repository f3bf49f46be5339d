// Dropping TVIEWs: pg_tviews_drop() and DROP TABLE tv_<e> [CASCADE].
//
// DROP TABLE is PostgreSQL's own: dependencies decide RESTRICT/CASCADE (a
// TVIEW built on tv_post has a view that depends on tv_post). The sql_drop
// event trigger then removes what is left of every TVIEW whose table or
// view went: the other half, its registry row, and capture triggers
// no remaining TVIEW needs.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/compat.hpp"
#include "pg_tviews/pg/capture/capture_triggers.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

namespace pg_tviews::pg {

namespace {

// A registry row whose table was dropped while pg_tviews' event triggers
// did not fire (session_replication_role = replica): its view is dropped
// (whose cleanup removes the row), or, when the view is gone too, the row
// is deleted. Returns what was cleaned up ("" when there is no such row).
std::string drop_orphaned_registry_row(const TviewNames& n, RangeVar* rv) {
    if (!registry_present()) return "";
    Spi spi;
    std::vector<RegistryRow> rows = registry_orphans(spi, n.entity);
    for (const auto& r : rows) {
        Oid view_oid = r.view_oid;
        if (relation_exists(view_oid)) {
            // The view must be the one named (same schema when one was given).
            Oid view_nsp = pg_call([&] { return get_rel_namespace(view_oid); });
            const char* schema = rv->schemaname;
            if (schema != nullptr && namespace_name(view_nsp) != schema) continue;
            std::string view = relation_sql_name(view_oid);
            spi.exec(drop_view_sql(view));  // as the caller: PostgreSQL checks ownership
            spi.finish();
            return view + " (its table had been dropped without pg_tviews)";
        }
        bool may = pg_call([&] { return superuser() || owns_object(DatabaseRelationId, MyDatabaseId, GetUserId()); });
        if (!may)
            throw TviewError(sqlstate::kInsufficientPrivilege,
                             fmt::format("only the database owner or a superuser may remove the registry row of "
                                         "TVIEW \"{}\", whose table and view are gone", n.table),
                             "", "");
        std::set<Oid> released(r.dependencies.begin(), r.dependencies.end());
        {
            RunAsExtension as_extension;
            InternalDdlScope internal_ddl;
            registry_delete(spi, r.table_oid);
            release_capture_triggers(spi, released);
        }
        spi.finish();
        catalog().invalidate();
        return n.table + " (registry row only: its table and view had been dropped without pg_tviews)";
    }
    spi.finish();
    return "";
}

}  // namespace

std::vector<std::string> drop_tview(const std::string& tview_name, bool if_exists) {
    const char* name = tview_name.c_str();
    TviewLookup found = lookup_tview(tview_name);
    RangeVar* rv = found.rv;
    const TviewNames& n = found.names;
    Oid table_oid = found.table_oid;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    if (table_oid == InvalidOid) {
        std::string left = drop_orphaned_registry_row(n, rv);
        if (!left.empty()) return {left};
    }
    if (table_oid == InvalidOid || !cat.is_tview(table_oid)) {
        if (if_exists) {
            pg_call([&] { ereport(NOTICE, (errmsg("TVIEW \"%s\" does not exist, skipping", name))); });
            return {};
        }
        throw TviewError(sqlstate::kUndefinedTable, fmt::format("TVIEW \"{}\" does not exist", tview_name), "",
                         kListTviewsHint);
    }
    // Before any lock: only the owner drops a TVIEW (PostgreSQL checks it
    // again, and for every dependent, when the DROP TABLE runs).
    require_tview_owner(table_oid, cat.find(table_oid)->table, "drop it");
    // Dependents first (highest level first), then the TVIEW itself.
    auto closure = cat.graph().dependents_closure(table_oid);
    std::vector<TviewPtr> order;
    for (Oid d : closure) order.push_back(cat.find(d));
    std::sort(order.begin(), order.end(), [](const TviewPtr& a, const TviewPtr& b) {
        return a->level != b->level ? a->level > b->level : a->table_oid > b->table_oid;
    });
    order.push_back(cat.find(table_oid));
    std::vector<std::string> dropped;
    Spi spi;
    for (const auto& d : order) {
        spi.exec(drop_table_sql(qualify(d->schema, d->table)));
        dropped.push_back(d->schema + "." + d->table);
    }
    spi.finish();
    return dropped;
}

namespace {

void cleanup_dropped_now() {
    Oid nsp = extension_namespace();
    if (nsp == InvalidOid) return;  // DROP EXTENSION: its own dependencies clean up
    std::string schema = namespace_name(nsp);
    if (schema.empty()) return;
    Oid meta_oid = registry_table(nsp);
    if (meta_oid == InvalidOid) return;

    // The cleanup is the extension's work (metadata, the other half of the
    // TVIEW, capture triggers on tables others may own).
    RunAsExtension as_extension;
    Spi spi;
    auto dropped_rows = spi.query(dropped_relations_sql());
    std::set<Oid> dropped;
    std::set<Oid> dropped_by_user;
    for (const auto& r : dropped_rows) {
        Oid oid = static_cast<Oid>(std::stoul(*r[0]));
        dropped.insert(oid);
        if (r[1] && *r[1] == "t") dropped_by_user.insert(oid);
    }
    if (dropped.count(meta_oid)) return;
    std::vector<RegistryRow> meta_rows = registry_rows(spi);
    std::set<Oid> released_relations;
    bool changed = false;
    InternalDdlScope internal_ddl;
    for (const auto& r : meta_rows) {
        Oid table_oid = r.table_oid;
        Oid view_oid = r.view_oid;
        bool table_gone = dropped.count(table_oid) != 0;
        bool view_gone = dropped.count(view_oid) != 0;
        if (!table_gone && !view_gone) continue;
        if (!table_gone && table_oid == backend().redefining) continue;  // its view is being replaced
        if (!table_gone && dropped_by_user.count(view_oid) && relation_exists(table_oid)) {
            // DROP VIEW v_<e> drops the TVIEW: a table left behind would no
            // longer be maintained (pg_restore --clean drops views first).
            std::string table = relation_sql_name(table_oid);
            pg_call([&] {
                ereport(NOTICE, (errmsg("dropping TVIEW %s with its view", table.c_str())));
            });
        }
        changed = true;
        registry_delete(spi, table_oid);
        released_relations.insert(r.dependencies.begin(), r.dependencies.end());
        if (!table_gone && relation_exists(table_oid)) spi.exec(drop_table_sql(relation_sql_name(table_oid)));
        if (!view_gone && relation_exists(view_oid)) spi.exec(drop_view_sql(relation_sql_name(view_oid)));
    }
    if (!changed) return;
    for (Oid rel : dropped) released_relations.erase(rel);
    release_capture_triggers(spi, released_relations);
    spi.finish();
    catalog().invalidate();
}

}  // namespace

// The cleanup drops the other half of a TVIEW itself (DROP TABLE, DROP VIEW,
// DROP TRIGGER), and each of those fires sql_drop again: that nested call
// has nothing to do (the registry row is gone already) and returns at once.
void cleanup_dropped() {
    static bool running = false;
    if (running) return;
    running = true;
    struct Done {
        ~Done() { running = false; }
    } done;
    cleanup_dropped_now();
}

}  // namespace pg_tviews::pg
