// Who may do what with a TVIEW (docs/security.md). Every check runs before
// the caller's request takes a lock on, or touches, anything of the TVIEW.
#pragma once

#include <string>

#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

// The current user owns `relid`: is its owner, a member of the owner role,
// or a superuser (PostgreSQL's own rule for ALTER and DROP).
bool owns_relation(Oid relid);

// Raises 42501 unless the current user owns TVIEW table `table_oid`.
// `action` completes "must be owner of TVIEW ... to <action>".
void require_tview_owner(Oid table_oid, const std::string& table, const char* action);

// Raises 42501 unless the current user may create in schema `nsp`.
void require_create_in(Oid nsp, const std::string& schema);

// Raises 42501 unless the current user may read every relation the
// (rewritten) query reads, with the rights the executor would check
// (a helper view's relations with its owner's).
void require_select_rights(Query* rewritten);

// Raises 42501 (naming the first offending object) unless every piece of
// code that maintaining the definition runs as `owner` is trusted: owned by
// `owner` or by a superuser. Checks functions, operators, aggregates,
// sort and group operators, helper views, domains, and row-level security
// policies of the relations read. (C style: runs inside pg_call.)
// `code`, when given, collects the syscache hash values (PROCOID, TYPEOID)
// of the functions and types checked, up to and including one that fails:
// a change to any of them is what can change the verdict.
// (Lists of hash values stored as Oids: palloc'd, so that collecting never
// throws through the server's tree walkers.)
struct CodeUsed {
    List* functions = NIL;
    List* types = NIL;
};
void check_trusted_code(Query* rewritten, Oid owner, const char* tview, CodeUsed* code = nullptr);

}  // namespace pg_tviews::pg
