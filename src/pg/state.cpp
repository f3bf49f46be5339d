#include "pg_tviews/pg/state.hpp"

#include "pg_tviews/pg/postgres.hpp"

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
