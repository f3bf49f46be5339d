// Running read-only work in an internal subtransaction that is rolled back
// afterwards: every lock it took is released at once, and a PostgreSQL error
// it caught (as PgException) leaves the caller's transaction usable.
#pragma once

#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

namespace pg_tviews::pg {

template <typename Fn>
void with_locks_released(Fn&& fn) {
    MemoryContext context = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    BackendState& b = backend();
    auto roll_back = [&] {
        pg_call([&] {
            RollbackAndReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(context);
            CurrentResourceOwner = owner;
        });
        b.quiet_subxact--;
    };
    b.quiet_subxact++;
    pg_call([&] {
        BeginInternalSubTransaction(nullptr);
        MemoryContextSwitchTo(context);
    });
    try {
        fn();
    } catch (...) {
        roll_back();
        throw;
    }
    roll_back();
}

}  // namespace pg_tviews::pg
