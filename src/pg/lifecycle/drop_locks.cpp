// Locks for DROP TABLE / DROP VIEW / DROP SCHEMA ... CASCADE / DROP OWNED of
// TVIEW objects, taken before the DROP locks anything (ddl_command_start).
//
// A DROP of tv_user takes AccessExclusiveLock on tv_user, then on v_user,
// then (in the sql_drop cleanup) on every relation whose capture triggers
// go, tv_post for example. A flush takes RowExclusiveLock on tv_post, then
// on tv_user. Taken one by one, in either order, the two can deadlock.
// So every relation the DROP will lock that a flush also locks is taken
// here first, all at once: never waiting for one of them while holding
// another (wait for the busy one alone, then try the rest again).
#include <algorithm>
#include <functional>
#include <set>

#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/compat.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"

namespace pg_tviews::pg {

namespace {

Oid resolve(List* name) {
    return pg_call([&] { return RangeVarGetRelid(makeRangeVarFromNameList(name), NoLock, true); });
}

// TVIEWs the DROP removes: the named ones and, with CASCADE, those reading
// a named relation and everything built on them.
std::set<Oid> dropped_tviews(const Catalog& cat, const std::vector<Oid>& named, bool cascade) {
    std::set<Oid> out;
    for (Oid rel : named) {
        if (cat.is_tview(rel)) {
            out.insert(rel);
        } else if (cascade) {
            for (const auto& t : cat.all()) {
                bool reads = std::find(t->relations.begin(), t->relations.end(), rel) != t->relations.end() ||
                             std::find(t->helper_views.begin(), t->helper_views.end(), rel) != t->helper_views.end();
                if (reads) out.insert(t->table_oid);
            }
        }
    }
    if (!cascade) return out;
    std::set<Oid> closure = out;
    for (Oid t : out)
        for (Oid d : cat.graph().dependents_closure(t)) closure.insert(d);
    return closure;
}

// In the order flushes meet them: relations that are not TVIEWs, then
// TVIEW tables by level, then the views.
std::vector<Oid> relations_to_lock(const Catalog& cat, const std::set<Oid>& dropped, const std::vector<Oid>& named) {
    std::set<Oid> sources;
    for (Oid t : dropped)
        for (Oid rel : cat.find(t)->relations) {
            if (dropped.count(rel)) continue;
            bool kept = false;  // another TVIEW still reads it: its triggers stay
            for (const auto& r : cat.readers_of(rel)) kept = kept || dropped.count(r.tview->table_oid) == 0;
            if (!kept) sources.insert(rel);
        }
    std::vector<Oid> plain;
    std::vector<TviewPtr> tables;
    for (Oid rel : named)
        if (!cat.is_tview(rel)) plain.push_back(rel);
    for (Oid rel : sources) {
        if (cat.is_tview(rel))
            tables.push_back(cat.find(rel));
        else {
            plain.push_back(rel);
            for (Oid part : partitions_of(rel)) plain.push_back(part);
        }
    }
    for (Oid t : dropped) tables.push_back(cat.find(t));
    std::sort(tables.begin(), tables.end(), [](const TviewPtr& a, const TviewPtr& b) {
        return a->level != b->level ? a->level < b->level : a->table_oid < b->table_oid;
    });
    std::vector<Oid> out = plain;
    for (const auto& t : tables) out.push_back(t->table_oid);
    for (Oid t : dropped) out.push_back(cat.find(t)->view_oid);
    return out;
}

// All of `rels` in AccessExclusiveLock, never waiting while holding one.
void lock_all(const std::vector<Oid>& rels) {
    auto try_lock = [](Oid rel) { return pg_call([&] { return ConditionalLockRelationOid(rel, AccessExclusiveLock); }); };
    auto unlock = [](Oid rel) { pg_call([&] { UnlockRelationOid(rel, AccessExclusiveLock); }); };
    Oid waited = InvalidOid;  // held after waiting for it alone
    for (;;) {
        std::vector<Oid> got;
        Oid busy = InvalidOid;
        for (Oid rel : rels) {
            if (rel == waited) continue;
            if (!try_lock(rel)) {
                busy = rel;
                break;
            }
            got.push_back(rel);
        }
        if (busy == InvalidOid) return;
        for (Oid rel : got) unlock(rel);
        if (waited != InvalidOid) unlock(waited);
        pg_call([&] {
            CHECK_FOR_INTERRUPTS();
            LockRelationOid(busy, AccessExclusiveLock);
        });
        waited = busy;
    }
}

}  // namespace

namespace {

// The relations of TVIEWs (tables, views, what they read) that `pick` selects.
std::vector<Oid> tview_relations_where(const Catalog& cat, const std::function<bool(Oid)>& pick) {
    std::set<Oid> seen;
    std::vector<Oid> out;
    for (const auto& t : cat.all()) {
        std::vector<Oid> rels = {t->table_oid, t->view_oid};
        rels.insert(rels.end(), t->relations.begin(), t->relations.end());
        rels.insert(rels.end(), t->helper_views.begin(), t->helper_views.end());
        for (Oid r : rels)
            if (seen.insert(r).second && pick(r)) out.push_back(r);
    }
    return out;
}

void lock_dropped(const Catalog& cat, const std::vector<Oid>& named, bool cascade) {
    std::set<Oid> dropped = dropped_tviews(cat, named, cascade);
    if (dropped.empty()) return;
    std::vector<Oid> rels = relations_to_lock(cat, dropped, named);
    std::vector<Oid> unique;  // a relation met twice is locked once
    for (Oid rel : rels)
        if (std::find(unique.begin(), unique.end(), rel) == unique.end()) unique.push_back(rel);
    lock_all(unique);
}

// DROP SCHEMA ... CASCADE: every TVIEW relation in the schemas is named.
void lock_for_drop_schema(const DropStmt* stmt) {
    if (stmt->behavior != DROP_CASCADE) return;  // RESTRICT fails on a non-empty schema
    std::set<Oid> schemas;
    ListCell* lc;
    foreach (lc, stmt->objects) {
        const char* name = strVal(lfirst(lc));
        Oid nsp = pg_call([&] { return get_namespace_oid(name, true); });
        if (nsp == InvalidOid) continue;
        // PostgreSQL checks the schema's ownership first: no lock of ours
        // queues for a caller it will refuse.
        if (!pg_call([&] { return owns_object(NamespaceRelationId, nsp, GetUserId()); })) return;
        schemas.insert(nsp);
    }
    if (schemas.empty()) return;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    std::vector<Oid> named = tview_relations_where(
        cat, [&](Oid rel) { return schemas.count(pg_call([&] { return get_rel_namespace(rel); })) != 0; });
    if (!named.empty()) lock_dropped(cat, named, true);
}

}  // namespace

void lock_for_drop_owned(const DropOwnedStmt* stmt) {
    std::set<Oid> roles;
    ListCell* lc;
    foreach (lc, stmt->roles) {
        RoleSpec* spec = static_cast<RoleSpec*>(lfirst(lc));
        Oid role = pg_call([&] { return get_rolespec_oid(spec, true); });
        if (role == InvalidOid) continue;
        if (!pg_call([&] { return has_privs_of_role(GetUserId(), role); })) return;  // refused by PostgreSQL
        roles.insert(role);
    }
    if (roles.empty()) return;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    std::vector<Oid> named =
        tview_relations_where(cat, [&](Oid rel) { return roles.count(relation_owner(rel)) != 0; });
    if (!named.empty()) lock_dropped(cat, named, stmt->behavior == DROP_CASCADE);
}

void lock_for_drop(const DropStmt* stmt) {
    if (stmt->removeType == OBJECT_SCHEMA) {
        lock_for_drop_schema(stmt);
        return;
    }
    if (stmt->removeType != OBJECT_TABLE && stmt->removeType != OBJECT_VIEW) return;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    if (cat.all().empty()) return;
    std::vector<Oid> named;
    ListCell* lc;
    foreach (lc, stmt->objects) {
        Oid rel = resolve(static_cast<List*>(lfirst(lc)));
        if (rel != InvalidOid) named.push_back(rel);
    }
    // PostgreSQL checks ownership of what is named before it locks it; a
    // caller who does not own it gets that error at once, and no lock of
    // ours queues in front of other sessions' readers.
    for (Oid rel : named)
        if (!owns_relation(rel)) return;
    lock_dropped(cat, named, stmt->behavior == DROP_CASCADE);
}

}  // namespace pg_tviews::pg
