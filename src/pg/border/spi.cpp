// SPI from C++ (spi.hpp): connections, statements with typed parameters,
// rows copied into C++ values. A connection left open by an error is closed
// by the (sub)transaction's abort (AtEOXact_SPI).
#include "pg_tviews/pg/border/spi.hpp"

#include <exception>
#include <stdexcept>

namespace pg_tviews::pg {

Spi::Spi(Path path) {
    pg_call([] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pg_tviews: SPI_connect failed");
    });
    connected_ = true;
    if (path == Path::kPinned) path_ = std::make_unique<PinnedSearchPath>();
}

Spi::~Spi() {
    // While unwinding after an error, the transaction's abort cleans up SPI.
    if (connected_ && std::uncaught_exceptions() == 0) {
        try {
            finish();
        } catch (...) {
        }
    }
}

void Spi::finish() {
    if (!connected_) return;
    connected_ = false;
    pg_call([] { SPI_finish(); });
    path_.reset();
}

namespace {

std::vector<SpiRow> copy_rows() {
    std::vector<SpiRow> rows;
    uint64 n = SPI_processed;
    if (SPI_tuptable == nullptr) return rows;
    TupleDesc desc = SPI_tuptable->tupdesc;
    rows.reserve(n);
    for (uint64 r = 0; r < n; r++) {
        SpiRow row;
        for (int c = 1; c <= desc->natts; c++) {
            HeapTuple tuple = SPI_tuptable->vals[r];
            char* text = pg_call([&] { return SPI_getvalue(tuple, desc, c); });
            if (text)
                row.emplace_back(std::string(text));
            else
                row.emplace_back(std::nullopt);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::vector<SpiRow> Spi::query(const std::string& sql, bool read_only) {
    const char* text = sql.c_str();
    int rc = pg_call([&] { return SPI_execute(text, read_only, 0); });
    if (rc < 0) throw std::runtime_error("SPI_execute failed: " + sql);
    return copy_rows();
}

SpiArg arg_oid(Oid value) { return {OIDOID, ObjectIdGetDatum(value), false}; }
SpiArg arg_bool(bool value) { return {BOOLOID, BoolGetDatum(value), false}; }
SpiArg arg_int8(int64 value) { return {INT8OID, Int64GetDatum(value), false}; }
SpiArg arg_text(const std::string& value) {
    const char* text = value.c_str();
    return {TEXTOID, pg_call([&] { return PointerGetDatum(cstring_to_text(text)); }), false};
}

namespace {

int execute_with_args(const std::string& sql, const std::vector<SpiArg>& args, bool read_only) {
    std::vector<Oid> types;
    std::vector<Datum> values;
    std::string nulls;
    for (const SpiArg& a : args) {
        types.push_back(a.type);
        values.push_back(a.value);
        nulls.push_back(a.null ? 'n' : ' ');
    }
    const char* text = sql.c_str();
    int nargs = static_cast<int>(args.size());
    int rc = pg_call([&] {
        return SPI_execute_with_args(text, nargs, types.data(), values.data(), nulls.c_str(), read_only, 0);
    });
    if (rc < 0) throw std::runtime_error("SPI_execute_with_args failed: " + sql);
    return rc;
}

}  // namespace

std::vector<SpiRow> Spi::query(const std::string& sql, const std::vector<SpiArg>& args, bool read_only) {
    execute_with_args(sql, args, read_only);
    return copy_rows();
}

uint64 Spi::exec(const std::string& sql, const std::vector<SpiArg>& args) {
    execute_with_args(sql, args, false);
    return SPI_processed;
}

uint64 Spi::exec(const std::string& sql) {
    const char* text = sql.c_str();
    int rc = pg_call([&] { return SPI_execute(text, false, 0); });
    if (rc < 0) throw std::runtime_error("SPI_execute failed: " + sql);
    return SPI_processed;
}

uint64 Spi::exec_params(const std::string& sql, int nargs, Oid* types, Datum* values,
                        const char* nulls, bool read_only) {
    const char* text = sql.c_str();
    int rc = pg_call([&] { return SPI_execute_with_args(text, nargs, types, values, nulls, read_only, 0); });
    if (rc < 0) throw std::runtime_error("SPI_execute_with_args failed: " + sql);
    return SPI_processed;
}

SPIPlanPtr prepare_kept(const std::string& sql, int nargs, Oid* types) {
    const char* text = sql.c_str();
    return pg_call([&] {
        // A generic plan, planned once: the key array parameter does not
        // change the best plan, and re-planning the view every time would.
        SPIPlanPtr plan = SPI_prepare_cursor(text, nargs, types, CURSOR_OPT_GENERIC_PLAN);
        if (plan == nullptr)
            elog(ERROR, "pg_tviews: could not prepare \"%s\": %s", text,
                 SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
        return plan;
    });
}

uint64 execute_plan(SPIPlanPtr plan, Datum* values, const char* nulls, bool read_only) {
    int rc = pg_call([&] { return SPI_execute_plan(plan, values, nulls, read_only, 0); });
    if (rc < 0) throw std::runtime_error("SPI_execute_plan failed");
    return SPI_processed;
}

}  // namespace pg_tviews::pg
