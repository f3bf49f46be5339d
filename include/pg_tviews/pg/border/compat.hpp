// The server APIs that changed between PostgreSQL 15 and 17, behind one
// name each (include after postgres.hpp).
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

#if PG_VERSION_NUM >= 160000
extern "C" {
#include "catalog/pg_database.h"
#include "catalog/pg_namespace.h"
#include "parser/parse_relation.h"
#include "utils/acl.h"
}
#endif

namespace pg_tviews::pg {

inline bool owns_database(Oid db, Oid role) {
#if PG_VERSION_NUM >= 160000
    return object_ownercheck(DatabaseRelationId, db, role);
#else
    return pg_database_ownercheck(db, role);
#endif
}

inline bool owns_namespace(Oid nsp, Oid role) {
#if PG_VERSION_NUM >= 160000
    return object_ownercheck(NamespaceRelationId, nsp, role);
#else
    return pg_namespace_ownercheck(nsp, role);
#endif
}

// "schema.name" as a name list (errors are raised, not returned).
inline List* qualified_name_list(const char* text) {
#if PG_VERSION_NUM >= 160000
    return stringToQualifiedNameList(text, nullptr);
#else
    return stringToQualifiedNameList(text);
#endif
}

// The role a relation of query `q` is read as (InvalidOid: the current one).
inline Oid rte_check_as_user(const Query* q, const RangeTblEntry* rte) {
#if PG_VERSION_NUM >= 160000
    if (rte->perminfoindex == 0) return InvalidOid;
    return getRTEPermissionInfo(q->rteperminfos, const_cast<RangeTblEntry*>(rte))->checkAsUser;
#else
    (void)q;
    return rte->checkAsUser;
#endif
}

// This backend's 0-based index among MaxBackends slots, or -1.
inline int my_backend_index() {
#if PG_VERSION_NUM >= 170000
    return MyProcNumber == INVALID_PROC_NUMBER ? -1 : static_cast<int>(MyProcNumber);
#else
    return MyBackendId == InvalidBackendId ? -1 : static_cast<int>(MyBackendId) - 1;
#endif
}

}  // namespace pg_tviews::pg
