// Ownership and privilege checks (see privileges.hpp and docs/security.md).
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/compat.hpp"

#include <array>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "catalog/pg_aggregate.h"
#include "catalog/pg_proc.h"
#include "utils/acl.h"
#include "utils/rls.h"
}

namespace pg_tviews::pg {

namespace {

// Hands the syscache row of `oid` to `read` (which copies what it needs)
// and releases it; false when there is no such row.
template <typename Form, typename Read>
bool read_catalog_row(SysCacheIdentifier cache, Oid oid, Read&& read) {
    HeapTuple tup = SearchSysCache1(cache, ObjectIdGetDatum(oid));
    if (!HeapTupleIsValid(tup)) return false;
    read(*reinterpret_cast<const Form*>(GETSTRUCT(tup)));
    ReleaseSysCache(tup);
    return true;
}

std::string role_name(Oid role) {
    const char* name = pg_call([&] { return static_cast<const char*>(GetUserNameFromId(role, true)); });
    return name ? name : std::to_string(role);
}

}  // namespace

bool owns_relation(Oid relid) {
    return pg_call([&] { return owns_object(RelationRelationId, relid, GetUserId()); });
}

void require_tview_owner(Oid table_oid, const std::string& table, const char* action) {
    if (owns_relation(table_oid)) return;
    Oid owner = pg_call([&] {
        Oid o = InvalidOid;
        read_catalog_row<FormData_pg_class>(RELOID, table_oid, [&](const FormData_pg_class& c) { o = c.relowner; });
        return o;
    });
    throw TviewError(sqlstate::kInsufficientPrivilege,
                     fmt::format("must be owner of TVIEW {} to {}", table, action),
                     fmt::format("TVIEW {} is owned by role \"{}\".", table, role_name(owner)),
                     "Run it as the owner (or a member of the owner role), or ask a superuser.");
}

void require_create_in(Oid nsp, const std::string& schema) {
    AclResult r = pg_call([&] {
#if PG_VERSION_NUM >= 160000
        return object_aclcheck(NamespaceRelationId, nsp, GetUserId(), ACL_CREATE);
#else
        return pg_namespace_aclcheck(nsp, GetUserId(), ACL_CREATE);
#endif
    });
    if (r != ACLCHECK_OK)
        throw TviewError(sqlstate::kInsufficientPrivilege, fmt::format("permission denied for schema {}", schema),
                         "Creating a TVIEW creates a table and a view in that schema.",
                         fmt::format("GRANT CREATE ON SCHEMA {} TO the role, or create the TVIEW in a schema it "
                                     "may create in.",
                                     schema));
}

// ---- the C-style walkers (run inside pg_call) ------------------------------

namespace {

bool select_walker(Node* node, void* raw);

bool select_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    if (IsA(node, Query)) {
        auto* q = reinterpret_cast<Query*>(node);
#if PG_VERSION_NUM >= 160000
        (void)ExecCheckPermissions(q->rtable, q->rteperminfos, true);
#else
        ListCell* lc;
        foreach (lc, q->rtable) {
            auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
            if (rte->rtekind == RTE_RELATION && rte->requiredPerms != 0)
                (void)ExecCheckRTPerms(list_make1(rte), true);
        }
#endif
        return query_tree_walker(q, PGTV_WALKER(select_walker), raw, 0);
    }
    return expression_tree_walker(node, PGTV_WALKER(select_walker), raw);
}

struct TrustContext {
    Oid owner;
    const char* tview;
    CodeUsed* code;  // nullptr: not collected
};

bool trusted_role(Oid role, const TrustContext* ctx) { return role == ctx->owner || superuser_arg(role); }

[[noreturn]] void untrusted(const TrustContext* ctx, const char* what, Oid role) {
    const char* owner = GetUserNameFromId(ctx->owner, true);
    const char* other = GetUserNameFromId(role, true);
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("TVIEW \"%s\" cannot use %s: it is owned by role \"%s\"", ctx->tview, what,
                           other ? other : "?"),
                    errdetail("Maintenance runs the definition with the rights of the TVIEW's owner \"%s\" "
                              "whenever any writer commits; the owner of that object could change it to run "
                              "anything with those rights.",
                              owner ? owner : "?"),
                    errhint("Have role \"%s\" (or a superuser) own it, or create the TVIEW as role \"%s\".",
                            owner ? owner : "?", other ? other : "?")));
    pg_unreachable();
}

void check_function(Oid funcid, const TrustContext* ctx) {
    if (ctx->code) ctx->code->functions = lappend_oid(ctx->code->functions, GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(funcid)));
    Oid owner = InvalidOid;
    char kind = 0;
    if (!read_catalog_row<FormData_pg_proc>(PROCOID, funcid, [&](const FormData_pg_proc& p) {
            owner = p.proowner;
            kind = p.prokind;
        }))
        return;
    if (!trusted_role(owner, ctx)) untrusted(ctx, psprintf("function %s", format_procedure(funcid)), owner);
    if (kind != PROKIND_AGGREGATE) return;
    // An aggregate's support functions run too.
    std::array<Oid, 8> support{};
    read_catalog_row<FormData_pg_aggregate>(AGGFNOID, funcid, [&](const FormData_pg_aggregate& a) {
        support = {a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                   a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn};
    });
    for (Oid f : support)
        if (OidIsValid(f)) check_function(f, ctx);
}

bool check_function_cb(Oid funcid, void* raw) {
    check_function(funcid, static_cast<const TrustContext*>(raw));
    return false;
}

void check_operator(Oid opno, const TrustContext* ctx) {
    if (!OidIsValid(opno)) return;
    RegProcedure fn = get_opcode(opno);
    if (OidIsValid(fn)) check_function(fn, ctx);
}

void check_type(Oid type, const TrustContext* ctx) {
    // A domain's CHECK constraints run whenever a value is coerced to it.
    if (ctx->code) ctx->code->types = lappend_oid(ctx->code->types, GetSysCacheHashValue1(TYPEOID, ObjectIdGetDatum(type)));
    char typtype = 0;
    Oid owner = InvalidOid;
    Oid base = InvalidOid;
    read_catalog_row<FormData_pg_type>(TYPEOID, type, [&](const FormData_pg_type& t) {
        typtype = t.typtype;
        owner = t.typowner;
        base = t.typbasetype;
    });
    if (typtype != TYPTYPE_DOMAIN) return;
    if (!trusted_role(owner, ctx)) untrusted(ctx, psprintf("domain %s", format_type_be(type)), owner);
    check_type(base, ctx);
}

void check_sort_clause(const SortGroupClause* sgc, const TrustContext* ctx) {
    check_operator(sgc->eqop, ctx);
    check_operator(sgc->sortop, ctx);
}

void check_sort_clauses(List* clauses, const TrustContext* ctx) {
    ListCell* lc;
    foreach (lc, clauses) check_sort_clause(static_cast<SortGroupClause*>(lfirst(lc)), ctx);
}

void check_relation(const Query* q, RangeTblEntry* rte, const TrustContext* ctx) {
    char relkind = 0;
    Oid owner = InvalidOid;
    bool rls = false;
    if (!read_catalog_row<FormData_pg_class>(RELOID, rte->relid, [&](const FormData_pg_class& c) {
            relkind = c.relkind;
            owner = c.relowner;
            rls = c.relrowsecurity;
        }))
        return;
    const char* name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(rte->relid)),
                                                  get_rel_name(rte->relid));
    // A helper view's expressions run with the rights of whoever reads it.
    if (relkind == RELKIND_VIEW) {
        if (!trusted_role(owner, ctx)) untrusted(ctx, psprintf("view %s", name), owner);
        return;
    }
    if (!rls) return;
    // Row-level security policies would filter the documents by the
    // reading role, and their expressions run with its rights.
    Oid as_user = rte_check_as_user(q, rte);
    Oid reader = OidIsValid(as_user) ? as_user : ctx->owner;
    if (check_enable_rls(rte->relid, reader, true) == RLS_ENABLED)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("TVIEW \"%s\" cannot read table %s: row-level security applies to role \"%s\"",
                               ctx->tview, name, GetUserNameFromId(reader, true)),
                        errdetail("A TVIEW's documents are computed from whole tables; policies would filter them "
                                  "by the maintaining role and run their expressions with its rights."),
                        errhint("Create the TVIEW as the table's owner, or give the owner role BYPASSRLS, or "
                                "disable row-level security on the table.")));
}

bool trust_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* ctx = static_cast<TrustContext*>(raw);
    if (IsA(node, Query)) {
        auto* q = reinterpret_cast<Query*>(node);
        ListCell* lc;
        foreach (lc, q->rtable) {
            auto* rte = static_cast<RangeTblEntry*>(lfirst(lc));
            if (rte->rtekind == RTE_RELATION) check_relation(q, rte, ctx);
        }
        foreach (lc, q->targetList) {
            auto* tle = static_cast<TargetEntry*>(lfirst(lc));
            if (!tle->resjunk) check_type(exprType(reinterpret_cast<Node*>(tle->expr)), ctx);
        }
        check_sort_clauses(q->sortClause, ctx);
        check_sort_clauses(q->groupClause, ctx);
        check_sort_clauses(q->distinctClause, ctx);
        return query_tree_walker(q, PGTV_WALKER(trust_walker), raw, 0);
    }
    (void)check_functions_in_node(node, check_function_cb, raw);
    if (IsA(node, CoerceToDomain)) check_type(reinterpret_cast<CoerceToDomain*>(node)->resulttype, ctx);
    if (IsA(node, SortGroupClause)) check_sort_clause(reinterpret_cast<SortGroupClause*>(node), ctx);
    return expression_tree_walker(node, PGTV_WALKER(trust_walker), raw);
}

}  // namespace

void require_select_rights(Query* rewritten) {
    pg_call([&] { (void)select_walker(reinterpret_cast<Node*>(rewritten), nullptr); });
}

void check_trusted_code(Query* rewritten, Oid owner, const char* tview, CodeUsed* code) {
    TrustContext ctx{owner, tview, code};
    (void)trust_walker(reinterpret_cast<Node*>(rewritten), &ctx);
}

}  // namespace pg_tviews::pg
