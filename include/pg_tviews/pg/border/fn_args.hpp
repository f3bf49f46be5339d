// Arguments and set results of SQL-callable functions, on the C++ side of
// the border.
#pragma once

#include <string>

#include "pg_tviews/pg/border/border.hpp"

namespace pg_tviews::pg {

// Argument `n` (not null) as text.
inline std::string text_arg(FunctionCallInfo fcinfo, int n) {
    // Detoasting can ereport (out of memory, a corrupt value): inside the guard.
    return pg_call([&] { return static_cast<const char*>(text_to_cstring(PG_GETARG_TEXT_PP(n))); });
}

// Starts a materialized result set; rows are added with put_row.
inline ReturnSetInfo* begin_rows(FunctionCallInfo fcinfo) {
    return pg_call([&] {
        InitMaterializedSRF(fcinfo, 0);
        return reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    });
}

inline void put_row(ReturnSetInfo* rs, Datum* values, bool* nulls) {
    pg_call([&] { tuplestore_putvalues(rs->setResult, rs->setDesc, values, nulls); });
}

}  // namespace pg_tviews::pg
