// Arguments of SQL-callable functions, read on the C++ side of the border.
#pragma once

#include <string>

#include "pg_tviews/pg/border.hpp"

namespace pg_tviews::pg {

// Argument `n` (not null) as text.
inline std::string text_arg(FunctionCallInfo fcinfo, int n) {
    text* t = PG_GETARG_TEXT_PP(n);
    return pg_call([&] { return static_cast<const char*>(text_to_cstring(t)); });
}

}  // namespace pg_tviews::pg
