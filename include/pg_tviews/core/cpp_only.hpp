// The guard of the pure C++ core: every src/core file includes this header
// last. A PostgreSQL server header that came in before (directly, or
// through another header) stops the build here, so that no core file can
// come to depend on the server's macros, memory contexts or longjmp-based
// errors. (No include guard: it must be checked in every file.)
#if defined(POSTGRES_H) || defined(C_H) || defined(PG_CONFIG_H)
#error "pg_tviews core files are pure C++: no PostgreSQL server header may be included (move the code to src/pg)"
#endif
