// What a restored dump needs that pg_dump cannot carry. A dump recreates a
// TVIEW's table, view, data and triggers as ordinary objects, and its
// registry row as data of the extension's configuration table; it carries
// no dependency on the extension, and a dump of one schema carries no
// registry rows at all. When the restore recreates the TVIEW's guard
// trigger (post-data, after every table's data), the TVIEW is adopted:
// registered from its view if the registry does not list it, and made to
// depend on the extension again. Nothing is built or refreshed: the data
// came with the dump.
#include <optional>
#include <string>

#include <fmt/format.h>

#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

namespace pg_tviews::pg {

void adopt_restored_tview(Oid table_oid) {
    Oid ext_nsp = extension_namespace();
    if (registry_table(ext_nsp) == InvalidOid) return;
    const char* relname = pg_call([&] { return static_cast<const char*>(get_rel_name(table_oid)); });
    if (relname == nullptr || !is_tview_table_name(relname)) return;
    TviewNames n = names_for(relname);
    Oid nsp = pg_call([&] { return get_rel_namespace(table_oid); });
    const char* vname = n.view.c_str();
    Oid view_oid = pg_call([&] { return get_relname_relid(vname, nsp); });
    if (view_oid == InvalidOid || pg_call([&] { return get_rel_relkind(view_oid); }) != RELKIND_VIEW) return;

    Spi spi;
    std::optional<Oid> listed;
    {
        // A parallel restore (pg_restore -j) may be loading the registry's
        // rows in another session right now: wait for that COPY to commit
        // (it holds ROW EXCLUSIVE), then look with a fresh snapshot. A COPY
        // that starts later replaces the row registered here (the
        // registry's pg_tviews_replace_row trigger).
        lock_registry(spi);
        listed = registered_view(spi, table_oid);
    }
    if (listed) {
        // A full dump brought the row: only the dependencies are missing.
        spi.finish();
        record_extension_dependency(table_oid);
        record_extension_dependency(view_oid);
        return;
    }
    // Registered from the view as it was restored: same checks as creation
    // (columns, key), its definition as PostgreSQL stores it.
    check_same_columns(table_oid, view_oid, n.table);
    const char* tname = n.table.c_str();
    const char* key = n.key_column.c_str();
    ViewShapeC* shape = pg_call([&] { return analyze_tview_view(view_oid, tname, key); });
    std::string definition = stored_definition(spi, view_oid);
    register_tview(spi, n.entity, table_oid, view_oid, definition, shape);
    spi.finish();
    pg_call([&] {
        CacheInvalidateRelcacheByRelid(table_oid);
        CacheInvalidateRelcacheByRelid(view_oid);
    });
    catalog().invalidate();
}

}  // namespace pg_tviews::pg
