// The server APIs that changed between PostgreSQL 15 and 17, behind one
// name each (include after postgres.hpp).
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "catalog/pg_namespace.h"
#include "utils/acl.h"
}

#if PG_VERSION_NUM >= 160000
extern "C" {
#include "parser/parse_relation.h"
}
#endif

namespace pg_tviews::pg {

// Does `role` own the relation, database or schema `object` (class_id,
// RelationRelationId, DatabaseRelationId or NamespaceRelationId, says which)?
inline bool owns_object(Oid class_id, Oid object, Oid role) {
#if PG_VERSION_NUM >= 160000
    return object_ownercheck(class_id, object, role);
#else
    if (class_id == RelationRelationId) return pg_class_ownercheck(object, role);
    if (class_id == DatabaseRelationId) return pg_database_ownercheck(object, role);
    return pg_namespace_ownercheck(object, role);
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
