// The border between C++ and PostgreSQL's longjmp-based error handling.
//
// Two rules keep them apart:
//  * pg_call(fn): every server call that can ereport while C++ objects are
//    alive runs inside pg_call. An ereport is caught (PG_TRY), copied into a
//    PgException carrying the full ErrorData (SQLSTATE included), the
//    server's error state is flushed and the memory context restored, and
//    the C++ exception unwinds the C++ frames normally.
//  * pg_entry(fn): every extern "C" entry point (SQL function, trigger,
//    callback) runs its body inside pg_entry, which catches every C++
//    exception and only after all C++ objects are destroyed re-raises it
//    with ereport (PgException re-raised unchanged with ReThrowError).
// Code passed to pg_call must not create C++ objects with destructors.
//
// Catching a PgException. When one unwinds, destructors on the way (Spi,
// RunAs, snapshots) do not undo server state: they leave that to the abort
// of the (sub)transaction the error belongs to. So a PgException may be
// caught only to
//   (a) throw again, the same or a TviewError that says it better (the
//       transaction aborts as it would have);
//   (b) report it, inside a subtransaction that is then rolled back before
//       any other database work (pg_tviews_analyze_select does this);
//   (c) continue after a check in server C style that reads only system
//       caches and releases them before it raises (check_trusted_code), so
//       that nothing is left for an abort to clean up.
// Anything else: let it reach pg_entry.
#pragma once

#include <exception>
#include <type_traits>

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

class PgException : public std::exception {
public:
    explicit PgException(ErrorData* edata) : edata_(edata) {}
    ErrorData* edata() const noexcept { return edata_; }
    int sqlerrcode() const noexcept { return edata_ ? edata_->sqlerrcode : 0; }
    const char* what() const noexcept override {
        return edata_ && edata_->message ? edata_->message : "PostgreSQL error";
    }

private:
    ErrorData* edata_;  // palloc'd in the caller's memory context
};

// Copies the current error into the caller's context and clears it.
ErrorData* capture_current_error(MemoryContext caller_context);

// A C++ exception thrown by `fn` (say, a nested pg_call) must not unwind
// through PG_TRY: the server's PG_exception_stack would keep pointing at
// this dead frame and the next ereport would longjmp into it. It is caught
// inside the block and rethrown after PG_END_TRY has restored the stack.
// `fn` returns a value here; pg_call below also takes bodies returning void.
template <typename Fn>
auto pg_call_value(Fn&& fn) -> decltype(fn()) {
    using Result = decltype(fn());
    static_assert(std::is_trivially_copyable_v<Result>, "pg_call bodies return plain values only");
    MemoryContext caller = CurrentMemoryContext;
    ErrorData* volatile caught = nullptr;
    std::exception_ptr cpp_error;  // set only on the path that did not longjmp
    Result volatile result{};
    PG_TRY();
    {
        try {
            result = fn();
        } catch (...) {
            cpp_error = std::current_exception();
        }
    }
    PG_CATCH();
    { caught = capture_current_error(caller); }
    PG_END_TRY();
    if (caught) throw PgException(caught);
    if (cpp_error) std::rethrow_exception(cpp_error);
    return result;
}

// Runs server code `fn` (returning a plain value or nothing) and turns a
// PostgreSQL error into a PgException once the server's state is restored.
template <typename Fn>
auto pg_call(Fn&& fn) -> decltype(fn()) {
    if constexpr (std::is_void_v<decltype(fn())>) {
        pg_call_value([&] {
            fn();
            return true;
        });
    } else {
        return pg_call_value(fn);
    }
}

// Raises whatever `error` holds as a PostgreSQL error, after releasing it
// (so no C++ object is alive when the ereport longjmps). Never returns.
[[noreturn]] void raise_caught(std::exception_ptr& error);

// On the way out of an entry point, PostgreSQL's error stack must be the one
// it came in with. Every pg_call restores it; one that did not (a longjmp
// out of a PG_TRY block that C++ unwinding skipped) would leave
// PG_exception_stack pointing into a dead frame, and the next ereport
// anywhere in the backend would jump there. This is checked on every exit
// (as pg_duckdb's function guard does) and reported as an internal error
// rather than left to crash later.
// `raise`: report it (the success path); else only restore it (an error
// is about to be raised anyway, and no C++ object may be alive then).
void check_exception_stack(sigjmp_buf* at_entry, bool raise);

template <typename Fn>
Datum pg_entry(Fn&& fn) noexcept {
    sigjmp_buf* at_entry = PG_exception_stack;
    std::exception_ptr error;
    Datum result = 0;
    try {
        result = fn();
    } catch (...) {
        error = std::current_exception();
    }
    check_exception_stack(at_entry, !error);
    if (error) raise_caught(error);
    return result;
}

template <typename Fn>
void pg_entry_void(Fn&& fn) noexcept {
    sigjmp_buf* at_entry = PG_exception_stack;
    std::exception_ptr error;
    try {
        fn();
    } catch (...) {
        error = std::current_exception();
    }
    check_exception_stack(at_entry, !error);
    if (error) raise_caught(error);
}

}  // namespace pg_tviews::pg

// Defines a SQL-callable function whose body is C++ run inside pg_entry.
#define PGTV_FUNCTION(name)                                                      \
    extern "C" {                                                                 \
    PG_FUNCTION_INFO_V1(name);                                                   \
    }                                                                            \
    static Datum name##_body(FunctionCallInfo);                                    \
    extern "C" Datum name(PG_FUNCTION_ARGS) {                                    \
        return pg_tviews::pg::pg_entry([&]() -> Datum { return name##_body(fcinfo); }); \
    }                                                                            \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
