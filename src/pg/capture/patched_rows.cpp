// The identities of the rows behind the queued patches (patched_rows.hpp).
#include "pg_tviews/pg/capture/patched_rows.hpp"

#include <map>
#include <utility>

#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/transition_rows.hpp"

extern "C" {
#include "utils/array.h"
}

namespace pg_tviews::pg {

namespace {

// Beyond this the patch is told "unknown" (flush.cpp passes the values
// to arrays placed by position only up to 64 of them: there `= ANY ($2)`
// compares each row with every value, PostgreSQL hashing only constant
// arrays; keyed arrays look the values up through the relation's index).
// As many as a statement may patch (capture.cpp kMostPatchedRows).
constexpr int kMostPatchedRowsKept = 10000;

struct Kept {
    ArrayBuildState* values = nullptr;  // in TopTransactionContext
    int count = 0;
    bool unknown = false;
};

std::map<std::pair<Oid, Oid>, Kept>& kept() {
    static auto* m = new std::map<std::pair<Oid, Oid>, Kept>();
    return *m;
}

}  // namespace

void patched_rows_add(Oid table, Oid relid, Tuplestorestate* rows, TupleDesc desc, AttrNumber attno, Oid type) {
    Kept& k = kept()[{table, relid}];
    if (k.unknown) return;
    int64 n = pg_call([&] { return tuplestore_tuple_count(rows); });
    if (k.count + n > kMostPatchedRowsKept) {
        k.unknown = true;
        k.values = nullptr;
        return;
    }
    for_each_value(rows, desc, attno, [&](Datum v, bool isnull) {
        if (isnull) return;  // an identity is never NULL: no element to look for
        k.values = pg_call([&] { return accumArrayResult(k.values, v, false, type, TopTransactionContext); });
        k.count++;
    });
}

Datum patched_rows_take(Oid table, Oid relid, bool* isnull, int* count) {
    auto it = kept().find({table, relid});
    *isnull = true;
    *count = 0;
    if (it == kept().end()) return Datum(0);
    Kept k = it->second;
    kept().erase(it);
    if (k.unknown || k.values == nullptr) return Datum(0);
    *isnull = false;
    *count = k.count;
    return pg_call([&] { return makeArrayResult(k.values, CurrentMemoryContext); });
}

void patched_rows_at_eoxact() noexcept { kept().clear(); }

}  // namespace pg_tviews::pg
