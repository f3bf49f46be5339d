// Per-backend state (state.hpp): the transaction's key queue and its end
// of transaction and subtransaction, the backend's figures and flags.
#include "pg_tviews/pg/catalog/state.hpp"

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

BackendState& backend() {
    static BackendState state;
    return state;
}

MaintenanceScope::MaintenanceScope(std::uint32_t table_oid) : previous_(backend().maintained_table) {
    BackendState& b = backend();
    if (b.maintenance_depth++ == 0) b.maintenance_level = GetCurrentTransactionNestLevel();
    b.maintained_table = table_oid;
}

MaintenanceScope::~MaintenanceScope() {
    BackendState& b = backend();
    if (b.maintenance_depth > 0) b.maintenance_depth--;
    b.maintained_table = b.maintenance_depth > 0 ? previous_ : 0;
}

}  // namespace pg_tviews::pg
