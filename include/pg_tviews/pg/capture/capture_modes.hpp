// Capture triggers on base relations, statement-level (default) or
// row-level, as recorded in pg_tviews_settings.capture_mode.
#pragma once

#include <string>

#include "pg_tviews/pg/border/postgres.hpp"
#include "pg_tviews/pg/border/spi.hpp"

namespace pg_tviews::pg {

// "statement" or "row".
std::string capture_mode();

}  // namespace pg_tviews::pg
