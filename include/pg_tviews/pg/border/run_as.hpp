// Whose rights, and which search_path, the engine's own SQL runs with.
//
//  * PinnedSearchPath: search_path = pg_catalog, pg_temp for the scope, so
//    that no name, operator or function in generated SQL can resolve to an
//    object someone put in a schema of the session's search_path.
//  * RunAs(role): the scope runs as `role` (SetUserIdAndSecContext) in a
//    security-restricted operation with a pinned search_path, as REFRESH
//    MATERIALIZED VIEW runs a view's query as its owner. Used with the
//    TVIEW's owner for maintenance (key queries, refresh) and with the
//    extension's owner for the extension's own work (metadata, capture and
//    guard triggers, the cleanup after a DROP).
//
// Both restore what they changed when the scope ends, also while an
// exception unwinds (a C++ catch further up must never continue as another
// role); an ereport that aborts the (sub)transaction is restored by
// PostgreSQL itself.
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

class PinnedSearchPath {
public:
    PinnedSearchPath();
    ~PinnedSearchPath();
    PinnedSearchPath(const PinnedSearchPath&) = delete;
    PinnedSearchPath& operator=(const PinnedSearchPath&) = delete;

private:
    int guc_nest_ = 0;
};

class RunAs {
public:
    explicit RunAs(Oid role);
    ~RunAs();
    RunAs(const RunAs&) = delete;
    RunAs& operator=(const RunAs&) = delete;

private:
    Oid saved_user_ = InvalidOid;
    int saved_sec_ = 0;
    PinnedSearchPath path_;
};

// The owner of the installed pg_tviews extension (pg_extension.extowner),
// the role the extension's own work runs as.
Oid extension_owner();

// RunAs(extension_owner()).
class RunAsExtension : public RunAs {
public:
    RunAsExtension() : RunAs(extension_owner()) {}
};

}  // namespace pg_tviews::pg
