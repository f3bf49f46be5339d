// Generated SQL runs with the TVIEW owner's rights, in a security-restricted
// operation, with search_path pinned to pg_catalog: whatever the session's
// role and search_path, the same names mean the same objects.
#pragma once

#include "pg_tviews/pg/postgres.hpp"

namespace pg_tviews::pg {

class RunAsOwner {
public:
    explicit RunAsOwner(Oid owner);
    ~RunAsOwner();
    RunAsOwner(const RunAsOwner&) = delete;
    RunAsOwner& operator=(const RunAsOwner&) = delete;

private:
    Oid saved_user_ = InvalidOid;
    int saved_sec_ = 0;
    int guc_nest_ = 0;
};

}  // namespace pg_tviews::pg
