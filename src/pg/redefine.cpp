// What CREATE OR REPLACE VIEW of a TVIEW's view (or of a helper view it
// reads) changes besides the documents: the registry's record of what the
// TVIEW reads and, for its own view, its definition; the capture triggers of
// the relations it reads now and of those no TVIEW reads any more. Without
// this, writes to a relation the new definition reads would never reach the
// TVIEW, and a backup of the definitions would bring back the old one.
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pg_tviews/pg/catalog.hpp"
#include "pg_tviews/pg/lifecycle.hpp"
#include "pg_tviews/pg/run_as.hpp"
#include "pg_tviews/pg/spi.hpp"
#include "pg_tviews/pg/state.hpp"

namespace pg_tviews::pg {

std::string stored_view_definition_sql(const std::string& view_oid_sql) {
    return "pg_catalog.btrim(pg_catalog.pg_get_viewdef(" + view_oid_sql +
           "), ' ;' OPERATOR(pg_catalog.||) pg_catalog.chr(10))";
}

bool sync_redefinition(const TviewDef& d, bool own_view) {
    std::string registry = registry_table_name(extension_namespace());
    if (registry.empty()) return false;
    std::set<Oid> before;
    bool changed = false;
    {
        RunAsExtension as_extension;  // only the extension writes the registry
        Spi spi;
        auto rows = spi.query(fmt::format("SELECT dependencies::pg_catalog.oid[]::pg_catalog.text FROM {} "
                                          "WHERE table_oid OPERATOR(pg_catalog.=) {}::pg_catalog.oid",
                                          registry, d.table_oid));
        if (rows.empty()) return false;
        if (rows[0][0])
            for (Oid r : oids_of_array_text(*rows[0][0])) before.insert(r);
        std::string deps = "{";
        for (std::size_t i = 0; i < d.relations.size(); i++) deps += (i ? "," : "") + std::to_string(d.relations[i]);
        deps += "}";
        // The definition as PostgreSQL now stores it (so it recreates the
        // same TVIEW whatever the search_path of whoever runs it).
        std::string definition =
            own_view ? ", definition = " + stored_view_definition_sql("view_oid::pg_catalog.oid") : "";
        auto updated = spi.query(fmt::format(
            "WITH old AS (SELECT dependencies, definition FROM {0} WHERE table_oid OPERATOR(pg_catalog.=) "
            "{3}::pg_catalog.oid) "
            "UPDATE {0} r SET dependencies = '{1}'::pg_catalog.oid[]::pg_catalog.regclass[]{2} FROM old "
            "WHERE r.table_oid OPERATOR(pg_catalog.=) {3}::pg_catalog.oid "
            "RETURNING (r.dependencies::pg_catalog.oid[] OPERATOR(pg_catalog.@>) old.dependencies::pg_catalog.oid[] "
            "AND r.dependencies::pg_catalog.oid[] OPERATOR(pg_catalog.<@) old.dependencies::pg_catalog.oid[] "
            "AND r.definition OPERATOR(pg_catalog.=) old.definition)::pg_catalog.text",
            registry, deps, definition, d.table_oid));
        changed = updated.empty() || !updated[0][0] || *updated[0][0] != "true";
        spi.finish();
    }
    repair_triggers(d);  // capture triggers on every relation read now
    for (Oid r : d.relations) before.erase(r);
    if (before.empty()) return changed;
    InternalDdlScope internal_ddl;
    Spi spi;
    release_capture_triggers(spi, before);
    spi.finish();
    return changed;
}

}  // namespace pg_tviews::pg
