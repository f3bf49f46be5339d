// Switching rights and search_path for the engine's own SQL (run_as.hpp).
// Every switch is undone by its scope's destructor on the normal path and by
// the transaction's abort (which resets the user id) on the error path.
#include "pg_tviews/pg/border/run_as.hpp"

#include <exception>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"

namespace pg_tviews::pg {

namespace {

// Restores the GUC nest level; never throws (runs in destructors). An error
// here can only come from a GUC assign hook; the (sub)transaction's abort,
// which follows any error, restores the settings then.
void restore_gucs(int nest) noexcept {
    MemoryContext context = CurrentMemoryContext;
    PG_TRY();
    {
        // Only if that level is still open (an enclosing scope that ended
        // first has popped it already): popping a level twice would corrupt
        // the GUC stack. NewGUCNestLevel() + pop reads the current level.
        int current = NewGUCNestLevel();
        AtEOXact_GUC(true, current);
        if (nest < current) AtEOXact_GUC(true, nest);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        FlushErrorState();
    }
    PG_END_TRY();
}

}  // namespace

namespace {
constexpr const char* kPinnedPath = "pg_catalog, pg_temp";
}

PinnedSearchPath::PinnedSearchPath() {
    // Already pinned (a scope inside another): nothing to do.
    if (namespace_search_path && strcmp(namespace_search_path, kPinnedPath) == 0) return;
    guc_nest_ = pg_call([] {
        int nest = NewGUCNestLevel();
        (void)set_config_option("search_path", kPinnedPath, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                                true, 0, false);
        return nest;
    });
}

PinnedSearchPath::~PinnedSearchPath() {
    // While an exception unwinds after a PostgreSQL error, the error's
    // (sub)transaction abort pops this nest level (and any above it).
    if (guc_nest_ != 0 && std::uncaught_exceptions() == 0) restore_gucs(guc_nest_);
}

RunAs::RunAs(Oid role) {
    pg_call([&] {
        GetUserIdAndSecContext(&saved_user_, &saved_sec_);
        SetUserIdAndSecContext(role, saved_sec_ | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    });
}

RunAs::~RunAs() {
    // Always, even while unwinding: a plain assignment that cannot fail.
    SetUserIdAndSecContext(saved_user_, saved_sec_);
}

Oid extension_owner() {
    Oid owner = installed_extension().owner;
    if (owner == InvalidOid)
        throw TviewError(sqlstate::kUndefinedObject, "extension \"pg_tviews\" is not installed in this database", "",
                         "CREATE EXTENSION pg_tviews (as a superuser).");
    return owner;
}

}  // namespace pg_tviews::pg
