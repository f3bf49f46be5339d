// Converting between C++ exceptions and PostgreSQL errors (see border.hpp).
#include "pg_tviews/pg/border/border.hpp"

#include <cstring>
#include <new>

#include "pg_tviews/core/error.hpp"

namespace pg_tviews::pg {

ErrorData* capture_current_error(MemoryContext caller_context) {
    MemoryContextSwitchTo(caller_context);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    return edata;
}

namespace {

// Fixed buffers: copying a C++ error must not allocate, since an allocation
// failure here would ereport from inside a catch block.
struct PlainError {
    int sqlerrcode = ERRCODE_INTERNAL_ERROR;
    char message[1024] = {};
    char detail[1024] = {};
    char hint[512] = {};
};

void copy_text(char* dst, std::size_t size, const char* src) {
    if (!src) return;
    std::strncpy(dst, src, size - 1);
    dst[size - 1] = '\0';
}

int sqlstate_code(const std::string& state) {
    if (state.size() != 5) return ERRCODE_INTERNAL_ERROR;
    return MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
}

}  // namespace

void check_exception_stack(sigjmp_buf* at_entry, bool raise) {
    if (PG_exception_stack == at_entry) return;
    PG_exception_stack = at_entry;  // the caller's frame is alive: restore it first
    if (raise) elog(ERROR, "pg_tviews: internal error: the PostgreSQL error stack was left changed by a call");
}

void raise_caught(std::exception_ptr& error) {
    static PlainError plain;
    ErrorData* pg_error = nullptr;
    plain = PlainError{};
    try {
        std::rethrow_exception(error);
    } catch (const PgException& e) {
        pg_error = e.edata();
    } catch (const TviewError& e) {
        plain.sqlerrcode = sqlstate_code(e.sqlstate);
        copy_text(plain.message, sizeof plain.message, e.what());
        copy_text(plain.detail, sizeof plain.detail, e.detail.c_str());
        copy_text(plain.hint, sizeof plain.hint, e.hint.c_str());
    } catch (const std::bad_alloc&) {
        plain.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
        copy_text(plain.message, sizeof plain.message, "pg_tviews: out of memory");
    } catch (const std::exception& e) {
        copy_text(plain.message, sizeof plain.message, "pg_tviews: internal error: ");
        std::strncat(plain.message, e.what(), sizeof plain.message - std::strlen(plain.message) - 1);
    } catch (...) {
        copy_text(plain.message, sizeof plain.message, "pg_tviews: unknown internal error");
    }
    error = nullptr;  // destroys the exception object: no C++ object left alive

    if (pg_error) ReThrowError(pg_error);
    ereport(ERROR, (errcode(plain.sqlerrcode), errmsg("%s", plain.message),
                    plain.detail[0] ? errdetail("%s", plain.detail) : 0,
                    plain.hint[0] ? errhint("%s", plain.hint) : 0));
    pg_unreachable();
}

}  // namespace pg_tviews::pg
