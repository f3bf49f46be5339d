#include "pg_tviews/pg/run_as_owner.hpp"

#include <exception>

#include "pg_tviews/pg/border.hpp"

namespace pg_tviews::pg {

RunAsOwner::RunAsOwner(Oid owner) {
    pg_call([&] {
        GetUserIdAndSecContext(&saved_user_, &saved_sec_);
        SetUserIdAndSecContext(owner, saved_sec_ | SECURITY_LOCAL_USERID_CHANGE |
                                          SECURITY_RESTRICTED_OPERATION);
        guc_nest_ = NewGUCNestLevel();
        (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                                GUC_ACTION_SAVE, true, 0, false);
    });
}

RunAsOwner::~RunAsOwner() {
    // After an error the transaction's abort restores both.
    if (std::uncaught_exceptions() != 0) return;
    AtEOXact_GUC(true, guc_nest_);
    SetUserIdAndSecContext(saved_user_, saved_sec_);
}

}  // namespace pg_tviews::pg
