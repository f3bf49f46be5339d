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

#include "pg_tviews/pg/capture/capture_triggers.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

namespace pg_tviews::pg {

bool sync_redefinition(const TviewDef& d, bool own_view) {
    if (!registry_present()) return false;
    std::set<Oid> before;
    bool changed = false;
    {
        Spi spi;
        auto deps = registered_dependencies(spi, d.table_oid);
        if (!deps) return false;
        before.insert(deps->begin(), deps->end());
        // With its own view, the definition as PostgreSQL now stores it (so
        // it recreates the same TVIEW whatever the search_path of whoever
        // runs it).
        changed = registry_update_reads(spi, d.table_oid, d.relations, own_view);
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
