// SPI from C++: every call goes through pg_call. Results are copied into
// C++ values before the next call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/run_as.hpp"

namespace pg_tviews::pg {

using SpiRow = std::vector<std::optional<std::string>>;

// A parameter of a generated statement ($n): its type and value. Text values
// are copied into the current memory context when the argument is made.
struct SpiArg {
    Oid type;
    Datum value;
    bool null;
};
SpiArg arg_oid(Oid value);
SpiArg arg_text(const std::string& value);
SpiArg arg_bool(bool value);
SpiArg arg_int8(int64 value);

// A connection's statements run with search_path pinned to pg_catalog
// (the engine's generated SQL) unless it is opened for the caller's own SQL
// text (the definition of a TVIEW, parsed with the caller's search_path).
class Spi {
public:
    enum class Path { kPinned, kCaller };
    explicit Spi(Path path = Path::kPinned);
    ~Spi();
    Spi(const Spi&) = delete;
    Spi& operator=(const Spi&) = delete;

    // Runs `sql` (no parameters); returns the rows as text.
    std::vector<SpiRow> query(const std::string& sql, bool read_only = false);
    // Runs `sql` for its effect; returns SPI_processed.
    uint64 exec(const std::string& sql);
    // Runs `sql` with parameters $1..$n; returns the rows as text.
    std::vector<SpiRow> query(const std::string& sql, const std::vector<SpiArg>& args, bool read_only = false);
    // Runs `sql` with parameters $1..$n for its effect; returns SPI_processed.
    uint64 exec(const std::string& sql, const std::vector<SpiArg>& args);
    // Runs `sql` with parameters; returns SPI_processed. `nulls` as in SPI.
    uint64 exec_params(const std::string& sql, int nargs, Oid* types, Datum* values,
                       const char* nulls, bool read_only = false);
    void finish();

private:
    bool connected_ = false;
    std::unique_ptr<PinnedSearchPath> path_;
};

// Prepares and keeps a plan (it survives SPI_finish; free with SPI_freeplan).
SPIPlanPtr prepare_kept(const std::string& sql, int nargs, Oid* types);
// Executes a kept plan; returns SPI_processed.
uint64 execute_plan(SPIPlanPtr plan, Datum* values, const char* nulls, bool read_only);

}  // namespace pg_tviews::pg
