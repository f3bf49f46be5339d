// Creating a TVIEW: pg_tviews_create() and CREATE TABLE tv_<e> AS SELECT.
//
// The definition is parsed, analyzed, rewritten and checked first; then the
// backing view v_<e>, the table tv_<e> with exactly the view's columns, its
// population, primary key, FraiseQL indexes, the registry row, guard
// triggers on the table and capture triggers on every relation read. Any
// error aborts the transaction, so nothing is left behind.
#include <map>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/capture_modes.hpp"
#include "pg_tviews/pg/capture/capture_triggers.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/border/subxact.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

namespace pg_tviews::pg {

void record_extension_dependency(Oid relid) {
    Oid ext_oid = pg_call([] { return get_extension_oid("pg_tviews", false); });
    {
        // Once only (a restored TVIEW is adopted again at each guard trigger).
        Spi spi;
        auto have = spi.query(extension_dependency_sql(), {arg_oid(relid), arg_oid(ext_oid)}, true);
        spi.finish();
        if (!have.empty()) return;
    }
    pg_call([&] {
        ObjectAddress rel, ext;
        ObjectAddressSet(rel, RelationRelationId, relid);
        ObjectAddressSet(ext, ExtensionRelationId, ext_oid);
        recordDependencyOn(&rel, &ext, DEPENDENCY_NORMAL);
    });
}

// The table must have exactly the view's columns and types.
void check_same_columns(Oid table, Oid view, const std::string& table_name) {
    const char* mismatch = pg_call([&]() -> const char* {
        Relation t = relation_open(table, AccessShareLock);
        Relation v = relation_open(view, AccessShareLock);
        TupleDesc td = RelationGetDescr(t);
        TupleDesc vd = RelationGetDescr(v);
        const char* problem = nullptr;
        int ti = 0;
        for (int vi = 0; vi < vd->natts && !problem; vi++) {
            Form_pg_attribute va = TupleDescAttr(vd, vi);
            if (va->attisdropped) continue;
            while (ti < td->natts && TupleDescAttr(td, ti)->attisdropped) ti++;
            if (ti >= td->natts) {
                problem = psprintf("the table lacks column \"%s\"", NameStr(va->attname));
                break;
            }
            Form_pg_attribute ta = TupleDescAttr(td, ti++);
            if (strcmp(NameStr(ta->attname), NameStr(va->attname)) != 0 || ta->atttypid != va->atttypid ||
                ta->atttypmod != va->atttypmod)
                problem = psprintf("column \"%s\" %s differs from the view's \"%s\" %s", NameStr(ta->attname),
                                   format_type_with_typemod(ta->atttypid, ta->atttypmod), NameStr(va->attname),
                                   format_type_with_typemod(va->atttypid, va->atttypmod));
        }
        while (!problem && ti < td->natts) {
            Form_pg_attribute ta = TupleDescAttr(td, ti++);
            if (!ta->attisdropped) problem = psprintf("the view lacks column \"%s\"", NameStr(ta->attname));
        }
        relation_close(v, NoLock);
        relation_close(t, NoLock);
        return problem;
    });
    if (mismatch)
        throw TviewError(sqlstate::kDatatypeMismatch,
                         fmt::format("table \"{}\" does not match its view", table_name), mismatch,
                         "Let pg_tviews create the table: drop it and use pg_tviews_create() or CREATE TABLE ... AS.");
}

RangeVar* tview_rangevar(const std::string& tview_name) {
    if (tview_name.empty()) names_for(tview_name);  // throws the "must not be empty" error
    // Split here, not by PostgreSQL: it would truncate a long quoted name silently.
    std::vector<std::string> parts = split_qualified_name(tview_name, true);
    names_for(parts.back());  // the table name tv_<entity> must fit too
    std::string relname = parts.back();
    std::string schema = parts.size() >= 2 ? parts[parts.size() - 2] : std::string();
    std::string database = parts.size() == 3 ? parts[0] : std::string();
    return pg_call([&] {
        RangeVar* rv = makeRangeVar(schema.empty() ? nullptr : pstrdup(schema.c_str()), pstrdup(relname.c_str()), -1);
        if (!database.empty()) rv->catalogname = pstrdup(database.c_str());
        return rv;
    });
}

TviewLookup lookup_tview(const std::string& tview_name) {
    RangeVar* rv = tview_rangevar(tview_name);
    TviewNames n = names_for(rv->relname);
    const char* table = n.table.c_str();
    Oid oid = pg_call([&] {
        rv->relname = pstrdup(table);
        return RangeVarGetRelid(rv, NoLock, true);
    });
    return {rv, n, oid};
}

TviewLocation locate_for_create(const std::string& tview_name) { return locate_for_create(tview_rangevar(tview_name)); }

TviewLocation locate_for_create(RangeVar* given) {
    RangeVar* rv = pg_call([&] { return static_cast<RangeVar*>(copyObject(given)); });
    std::string display = rv->schemaname ? fmt::format("{}.{}", rv->schemaname, rv->relname) : rv->relname;
    TviewLocation where;
    where.names = names_for(rv->relname);
    if (rv->relpersistence == RELPERSISTENCE_TEMP || (rv->schemaname && strcmp(rv->schemaname, "pg_temp") == 0))
        throw TviewError(sqlstate::kFeatureNotSupported, fmt::format("TVIEW \"{}\" cannot be temporary", display),
                         "", "Create it in a permanent schema.");
    rv->relname = pstrdup(where.names.table.c_str());
    where.namespace_oid = pg_call([&] { return RangeVarGetCreationNamespace(rv); });
    if (where.namespace_oid == PG_CATALOG_NAMESPACE || isAnyTempNamespace(where.namespace_oid))
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("TVIEW \"{}\" cannot be created in a system or temporary schema", display), "",
                         "Name an ordinary schema, for example public.tv_post.");
    Oid nsp = where.namespace_oid;
    where.schema = namespace_name(nsp);
    require_create_in(nsp, where.schema);
    return where;
}

namespace {

// Limits on key queries per definition (docs/limits.md).
constexpr int kWarnKeyQueries = 16;
constexpr int kMaxKeyQueries = 64;
}  // namespace

// Every key query of the definition must prepare: one that does not would
// make every write to its relation fail. They are prepared once, over empty
// change sets, in a subtransaction rolled back at once.
void verify_key_queries(List* sources) {
    const char* failed_sql = nullptr;
    Oid failed_rel = InvalidOid;
    try {
        with_locks_released([&] {
            pg_call([&] {
                if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pg_tviews: SPI_connect failed");
                ListCell* lc;
                foreach (lc, sources) {
                    auto* ks = static_cast<KeySourceC*>(lfirst(lc));
                    if (ks->mode != kKeyQuery) continue;
                    const char* names[2] = {"pg_tviews_old", "pg_tviews_new"};
                    for (const char* name : names) {
                        (void)SPI_unregister_relation(name);  // the previous relation's, if any
                        auto* enr = static_cast<EphemeralNamedRelation>(palloc0(sizeof(EphemeralNamedRelationData)));
                        enr->md.name = pstrdup(name);
                        enr->md.reliddesc = ks->relid;
                        enr->md.enrtype = ENR_NAMED_TUPLESTORE;
                        enr->md.enrtuples = 0;
                        enr->reldata = tuplestore_begin_heap(false, false, work_mem);
                        SPI_register_relation(enr);
                    }
                    const char* texts[2] = {ks->sql_old, ks->sql_new};
                    for (const char* sql : texts) {
                        if (sql == nullptr) continue;
                        failed_sql = sql;
                        failed_rel = ks->relid;
                        SPIPlanPtr plan = SPI_prepare(sql, 0, nullptr);
                        if (plan == nullptr)
                            elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
                        SPI_freeplan(plan);
                    }
                }
                failed_sql = nullptr;
                SPI_finish();
            });
        });
    } catch (const PgException& e) {
        if (failed_sql == nullptr) throw;
        std::string rel = relation_sql_name(failed_rel);
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("changes to {} cannot be turned into keys of this TVIEW", rel),
                         fmt::format("Its key query does not prepare: {} (query: {})", e.what(), failed_sql),
                         "Simplify the part of the definition that reads that relation, or report the definition "
                         "as a bug.");
    }
}

// Every refusal creation makes before it writes anything, in the order
// docs/sql-reference.md lists them (long: one refusal after another, each
// with its message; no branch depends on another).
void precheck_definition(const TviewLocation& where, const std::string& select_sql) {
    Oid nsp = where.namespace_oid;
    const char* table_name = where.names.table.c_str();
    const char* view_name = where.names.view.c_str();
    Oid existing_table = pg_call([&] { return get_relname_relid(table_name, nsp); });
    if (existing_table != InvalidOid) {
        catalog().ensure_loaded();
        bool is_tview = catalog().is_tview(existing_table);
        throw TviewError(sqlstate::kDuplicateTable,
                         fmt::format("{} \"{}.{}\" already exists", is_tview ? "TVIEW" : "relation", where.schema,
                                     where.names.table),
                         "", is_tview ? "Drop it first (DROP TABLE or pg_tviews_drop()), or choose another entity name."
                                      : "Drop or rename that relation, or choose another entity name.");
    }
    if (pg_call([&] { return get_relname_relid(view_name, nsp); }) != InvalidOid)
        throw TviewError(sqlstate::kDuplicateTable,
                         fmt::format("relation \"{}.{}\" already exists", where.schema, where.names.view), "",
                         fmt::format("The backing view of TVIEW {} is named {}: drop or rename that relation, or "
                                     "choose another entity name.",
                                     where.names.table, where.names.view));
    const char* sql = select_sql.c_str();
    const char* table = where.names.table.c_str();
    const char* key = where.names.key_column.c_str();
    List* key_sources = NIL;
    pg_call([&] {
        Query* q = parse_tview_select(sql, table);
        check_tview_query(q, table);
        ViewShapeC* shape = describe_tview_query(q, table, key, InvalidOid);
        // The creator owns the TVIEW: it must be able to read what the
        // definition reads, and maintenance must run nobody else's code as it.
        require_select_rights(q);
        check_trusted_code(q, GetUserId(), table);
        // A relation whose changes cannot be turned into a key query is
        // still maintained, by refreshing every key: say so now.
        ListCell* lc;
        List* sources = build_key_sources(q, shape);
        key_sources = sources;
        // Every occurrence of a base relation that needs a key query runs
        // one (over the OLD and the NEW rows) for every statement writing
        // it; each is a query over the rest of the definition.
        int key_queries = 0;
        foreach (lc, sources)
            if (static_cast<KeySourceC*>(lfirst(lc))->mode == kKeyQuery) key_queries++;
        if (key_queries > kMaxKeyQueries)
            ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                            errmsg("TVIEW \"%s\" would need %d key queries", table, key_queries),
                            errdetail("A definition may read base relations at most %d times through joins or "
                                      "subqueries that need a key query; each write to one of them runs its "
                                      "key queries.",
                                      kMaxKeyQueries),
                            errhint("Read each table once (aggregate in one subquery), or split the read model "
                                    "into TVIEWs built on each other.")));
        if (key_queries > kWarnKeyQueries)
            ereport(WARNING, (errmsg("TVIEW \"%s\" needs %d key queries", table, key_queries),
                              errdetail("Each write to a base relation runs the key queries of every place the "
                                        "definition reads it."),
                              errhint("SELECT pg_tviews_analyze_select(...) lists them.")));
        foreach (lc, sources) {
            auto* ks = static_cast<KeySourceC*>(lfirst(lc));
            if (ks->mode != kKeyFull) continue;
            ereport(WARNING, (errmsg("changes to \"%s\" will refresh every row of TVIEW \"%s\"",
                                     get_rel_name(ks->relid), table),
                              errdetail("No key query can be built for it: %s.", ks->reason),
                              errhint("SELECT pg_tviews_analyze_select(...) shows how each relation finds keys.")));
        }
    });
    verify_key_queries(key_sources);
}


// Documents are rewritten whole on every refresh and read whole. Their
// compressible columns use lz4, which compresses and decompresses several
// times faster than the default pglz, and a row is kept in the table as long
// as it fits in a page once compressed (toast_tuple_target 8160 instead of
// ~2 kB), so writing or reading a document of a few tens of kB needs no
// TOAST table rows. Pages keep 10 % free (fillfactor 90): a rewritten
// document then finds room on its page and the rewrite is a HOT update,
// with no new index entries (measured in docs/benchmarks.md: 3-7 % of
// single-row rewrites were HOT at 100, 50-100 % at 90). ALTER TABLE
// changes any of them back.
void use_document_storage(Spi& spi, const std::string& table, Oid table_oid) {
    spi.exec(document_storage_sql(table));
#ifdef USE_LZ4
    std::vector<std::string> columns;
    for (const auto& r : spi.query(compressible_columns_sql(), {arg_oid(table_oid)}))
        if (r[0]) columns.push_back(*r[0]);
    if (!columns.empty()) spi.exec(compress_columns_sql(table, columns));
#else
    (void)table_oid;
#endif
}


ConventionColumns convention_columns(const ViewShapeC* shape) {
    std::vector<std::string> fk_columns;
    std::vector<std::string> uuid_fk_columns;
    ListCell* lc;
    int i = 0;
    foreach (lc, shape->column_names) {
        std::string c = strVal(lfirst(lc));
        if (is_fk_column(c)) fk_columns.push_back(c);
        Oid type = list_nth_oid(shape->column_types, i++);
        if (type == UUIDOID && is_id_suffixed_column(c)) uuid_fk_columns.push_back(c);
    }
    return {text_array_literal(fk_columns), text_array_literal(uuid_fk_columns)};
}

void register_tview(Spi& spi, const std::string& entity, Oid table_oid, Oid view_oid, const std::string& definition,
                    const ViewShapeC* shape) {
    std::vector<Oid> relations;
    ListCell* lc;
    foreach (lc, shape->relations) relations.push_back(static_cast<RelationReadC*>(lfirst(lc))->relid);
    ConventionColumns conventions = convention_columns(shape);
    registry_insert(spi, entity, table_oid, view_oid, definition, relations, conventions.fk_columns,
                    conventions.uuid_fk_columns);
    record_extension_dependency(table_oid);
    record_extension_dependency(view_oid);
}

namespace {

// The steps of create_tview, in order (docs/change-flow.md, section 1).

struct Created {
    Oid view_oid;
    Oid table_oid;
};

// The backing view v_<e> from the caller's SELECT. The definition is the
// caller's SQL: its names resolve with the caller's search_path, once, when
// the view is created (so before any connection pins the path).
void create_backing_view(const std::string& view, const std::string& select_sql) {
    Spi caller_sql(Spi::Path::kCaller);
    caller_sql.exec(create_view_sql(view, select_sql, false));
    caller_sql.finish();
}

// The table tv_<e> with exactly the view's columns (or the caller's table,
// checked), and its storage.
Created create_table(Spi& spi, const TviewLocation& where, const std::string& table, const std::string& view,
                     Oid existing_table) {
    const TviewNames& n = where.names;
    Oid nsp = where.namespace_oid;
    Oid view_oid = pg_call([&] { return get_relname_relid(n.view.c_str(), nsp); });
    if (existing_table == InvalidOid) spi.exec(create_table_like_sql(table, view));
    Oid table_oid = pg_call([&] { return get_relname_relid(n.table.c_str(), nsp); });
    check_same_columns(table_oid, view_oid, n.table);
    use_document_storage(spi, table, table_oid);
    return {view_oid, table_oid};
}

// The view's own analysis: columns, relations; a TVIEW cannot read itself.
ViewShapeC* analyze_new_tview(const TviewNames& n, const Created& c, std::vector<Oid>* relations,
                              std::vector<std::string>* columns) {
    const char* tname = n.table.c_str();
    const char* key = n.key_column.c_str();
    Oid view_oid = c.view_oid;
    ViewShapeC* shape = pg_call([&] { return analyze_tview_view(view_oid, tname, key); });
    ListCell* lc;
    foreach (lc, shape->relations) relations->push_back(static_cast<RelationReadC*>(lfirst(lc))->relid);
    foreach (lc, shape->column_names) columns->push_back(strVal(lfirst(lc)));
    for (Oid r : *relations)
        if (r == c.table_oid)
            throw TviewError(sqlstate::kInvalidRecursion, fmt::format("TVIEW \"{}\" cannot read itself", n.table), "",
                             "Read the base tables instead.");
    return shape;
}

// Writers of the base tables must not slip between the population and the
// capture triggers: block them (and wait for those in flight) first. Under
// READ COMMITTED the population then sees their changes. (LOCK TABLE in
// that mode would ask the creator for more than SELECT.)
void block_writers(const std::vector<Oid>& relations) {
    for (Oid r : relations) pg_call([&] { LockRelationOid(r, ShareRowExclusiveLock); });
}

void populate(Spi& spi, const std::string& table, const std::string& view, Oid table_oid) {
    MaintenanceScope writing(table_oid);
    struct Populating {  // pg_tviews_progress: phase only, the rows are not counted
        explicit Populating(Oid t) { slot_progress_begin(t, "populating", 0); }
        ~Populating() { slot_progress_end(); }
    } populating(table_oid);
    spi.exec(insert_all_sql(table, view));
}

// The primary key on pk_<e>, with errors that name the TVIEW and say what
// to change in the SELECT.
void add_key(Spi& spi, const std::string& table, const TviewNames& n) {
    auto nulls = spi.query(null_count_sql(table, n.key_column));
    if (nulls.at(0).at(0).value_or("0") != "0")
        throw TviewError(sqlstate::kNotNullViolation,
                         fmt::format("key column \"{}\" of TVIEW \"{}\" is null in {} row(s)", n.key_column, n.table,
                                     *nulls[0][0]),
                         "", fmt::format("Every row needs a key: filter out rows without {0} or COALESCE it.",
                                         n.key_column));
    try {
        spi.exec(add_primary_key_sql(table, n.key_column));
    } catch (const PgException& e) {
        if (e.sqlerrcode() != ERRCODE_UNIQUE_VIOLATION) throw;
        std::string detail = e.edata()->detail ? e.edata()->detail : "";
        throw TviewError(sqlstate::kUniqueViolation,
                         fmt::format("key column \"{}\" of TVIEW \"{}\" is not unique", n.key_column, n.table), detail,
                         fmt::format("The SELECT must return one row per {0}: group by {0}, or aggregate the rows "
                                     "that the joins multiply.",
                                     n.key_column));
    }
}

void add_convention_indexes(Spi& spi, const std::string& table, const TviewNames& n,
                            const std::vector<std::string>& columns) {
    for (const auto& c : columns)
        if (wants_index(c, n.key_column)) spi.exec(create_index_sql(index_name(n.table, c), table, c));
}

// Every backend's cache must learn about the new TVIEW.
void announce(const Created& c, const std::vector<Oid>& relations) {
    pg_call([&] {
        CacheInvalidateRelcacheByRelid(c.table_oid);
        CacheInvalidateRelcacheByRelid(c.view_oid);
        for (Oid r : relations) CacheInvalidateRelcacheByRelid(r);
    });
    catalog().invalidate();
}

}  // namespace

void create_tview(const TviewLocation& where, const std::string& select_sql, Oid existing_table) {
    const TviewNames& n = where.names;
    std::string table = qualify(where.schema, n.table);
    std::string view = qualify(where.schema, n.view);
    std::string ext_schema = extension_schema_name();
    InternalDdlScope internal_ddl;
    create_backing_view(view, select_sql);
    Spi spi;
    Created c = create_table(spi, where, table, view, existing_table);
    std::vector<Oid> relations;
    std::vector<std::string> columns;
    ViewShapeC* shape = analyze_new_tview(n, c, &relations, &columns);
    block_writers(relations);
    populate(spi, table, view, c.table_oid);
    add_key(spi, table, n);
    add_convention_indexes(spi, table, n, columns);
    register_tview(spi, n.entity, c.table_oid, c.view_oid, select_sql, shape);
    install_guard_triggers(spi, c.table_oid, table, ext_schema);
    bool statement_level = capture_mode() != "row";
    for (Oid r : relations) install_capture_triggers(spi, r, ext_schema, statement_level);
    spi.finish();
    announce(c, relations);
}

bool same_definition(Oid view_oid, const std::string& select_sql) {
    const char* text = select_sql.c_str();
    return pg_call([&] {
        // Both texts are analyzed the same way (same search_path) and
        // deparsed again: the view's stored query cannot be deparsed
        // directly, since in PostgreSQL 15 it carries the rule's OLD and NEW
        // range table entries and so prints every column qualified, which a
        // single-table SELECT analyzed afresh does not.
        auto canonical = [](const char* sql) -> char* {
            List* raw = raw_parser(sql, RAW_PARSE_DEFAULT);
            if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt)) return nullptr;
            Query* q = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql, nullptr, 0, nullptr);
            return pg_get_querydef(q, false);
        };
        char* given = canonical(text);
        if (given == nullptr) return false;
        Relation rel = relation_open(view_oid, AccessShareLock);
        auto* stored = static_cast<Query*>(copyObject(get_view_query(rel)));
        relation_close(rel, NoLock);
        char* view_text = canonical(pg_get_querydef(stored, false));
        return view_text != nullptr && strcmp(given, view_text) == 0;
    });
}

void repair_triggers(const TviewDef& d) {
    std::string ext_schema = extension_schema_name();
    bool statement_level = capture_mode() != "row";
    InternalDdlScope internal_ddl;
    Spi spi;
    install_guard_triggers(spi, d.table_oid, relation_sql_name(d.table_oid), ext_schema);
    for (Oid r : d.relations) install_capture_triggers(spi, r, ext_schema, statement_level);
    {
        // Triggers of ours that were disabled are enabled again.
        RunAsExtension as_extension;
        std::vector<Oid> rels = d.relations;
        rels.push_back(d.table_oid);
        for (Oid r : rels) {
            for (const auto& t : spi.query(triggers_prefixed_sql("tview_"), {arg_oid(r)})) {
                if (!t[0] || !t[1]) continue;
                bool always = capture_trigger_fires_always(*t[0]);
                bool disabled = *t[1] == "D" || (always && *t[1] != "A");
                if (disabled) spi.exec(enable_trigger_sql(relation_sql_name(r), *t[0], always));
            }
        }
    }
    spi.finish();
    for (Oid r : d.relations) pg_call([&] { CacheInvalidateRelcacheByRelid(r); });
    catalog().invalidate();
}

}  // namespace pg_tviews::pg
