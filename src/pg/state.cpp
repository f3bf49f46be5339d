#include "pg_tviews/pg/state.hpp"

#include "pg_tviews/pg/postgres.hpp"

namespace pg_tviews::pg {

BackendState& backend() {
    static BackendState state;
    return state;
}

MaintenanceScope::MaintenanceScope() {
    BackendState& b = backend();
    if (b.maintenance_depth++ == 0) b.maintenance_level = GetCurrentTransactionNestLevel();
}

MaintenanceScope::~MaintenanceScope() {
    BackendState& b = backend();
    if (b.maintenance_depth > 0) b.maintenance_depth--;
}

}  // namespace pg_tviews::pg
