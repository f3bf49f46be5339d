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

void state_at_eoxact() noexcept {
    BackendState& b = backend();
    b.queue.clear();
    b.maintenance_depth = 0;
    b.maintained_table = InvalidOid;
    b.internal_ddl = 0;
    b.redefining = InvalidOid;
    b.pending_ctas.clear();
    b.null_key_check.clear();
    b.patched_under.clear();
    b.xact = XactFigures{};
}

void state_at_eosubxact(int level, bool commit) {
    BackendState& b = backend();
    if (commit) {
        b.queue.subxact_commit(level);
        return;
    }
    // Rows refreshed inside the subtransaction are rolled back with it:
    // queue their keys again.
    b.queue.subxact_abort(level);
    if (b.maintenance_depth > 0 && b.maintenance_level >= level) {
        b.maintenance_depth = 0;
        b.maintained_table = InvalidOid;
    }
    b.internal_ddl = 0;
    b.redefining = InvalidOid;
    b.pending_ctas.clear();
}

}  // namespace pg_tviews::pg
