// Manual repair and capture modes:
//   pg_tviews_cascade(table, pk) / pg_tviews_insert / pg_tviews_delete:
//     refresh everything that depends on one base row (after changes made
//     with triggers disabled, for example);
//   pg_tviews_install_stmt_triggers() / pg_tviews_uninstall_stmt_triggers():
//     switch every base relation between statement-level capture (transition
//     tables, the default) and row-level capture (also what logical
//     replication apply workers fire).
#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/capture.hpp"
#include "pg_tviews/pg/capture/capture_modes.hpp"
#include "pg_tviews/pg/capture/capture_triggers.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/settings.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/flush/flush.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "catalog/catalog.h"
#include "utils/acl.h"
}

using namespace pg_tviews;
using namespace pg_tviews::pg;

namespace pg_tviews::pg {

std::string capture_mode() {
    // pg_tviews.capture_mode, when set, decides for TVIEWs created in this
    // session (tests run the whole suite with row-level capture this way).
    int forced = settings().capture_mode;
    if (forced == static_cast<int>(CaptureModeSetting::kRow)) return "row";
    if (forced == static_cast<int>(CaptureModeSetting::kStatement)) return "statement";
    if (extension_namespace() == InvalidOid) return "statement";
    Spi spi;
    std::optional<std::string> stored = stored_setting(spi, "capture_mode");
    spi.finish();
    return stored.value_or("statement");
}

}  // namespace pg_tviews::pg

namespace {

// Every relation some TVIEW reads.
std::vector<Oid> base_relations() {
    Catalog& cat = catalog();
    cat.ensure_loaded();
    std::set<Oid> rels;
    for (const auto& t : cat.all())
        for (Oid r : t->relations) rels.insert(r);
    return {rels.begin(), rels.end()};
}

int switch_capture(bool statement_level) {
    Oid nsp = extension_namespace();
    if (nsp == InvalidOid)
        throw TviewError(sqlstate::kUndefinedObject, "extension \"pg_tviews\" is not installed in this database");
    std::string schema = namespace_name(nsp);
    // The mode is the database's: a superuser, or the owner of every TVIEW
    // (whose capture triggers change), may switch it. Checked before any lock.
    Catalog& cat = catalog();
    cat.ensure_loaded();
    if (!pg_call([] { return superuser(); }))
        for (const auto& t : cat.all())
            require_tview_owner(t->table_oid, t->table, "switch the capture mode of the TVIEWs it belongs to");
    std::vector<Oid> rels = base_relations();
    InternalDdlScope internal;
    RunAsExtension as_extension;
    Spi spi;
    for (Oid r : rels) {
        switch_capture_triggers(spi, r, schema, statement_level);
        pg_call([&] { CacheInvalidateRelcacheByRelid(r); });
    }
    // Only what differs from the default is stored (see the settings table).
    store_setting(spi, "capture_mode", statement_level ? std::nullopt : std::optional<std::string>("row"));
    spi.finish();
    catalog().invalidate();
    return static_cast<int>(rels.size());
}

// The one-column primary key of a base table.
struct PrimaryKey {
    AttrNumber attno = 0;
    Oid type = InvalidOid;  // a domain resolved to its base type
    std::string column;
    bool integer = false;   // smallint, integer or bigint
};

PrimaryKey primary_key_of(Relation rel) {
    constexpr const char* kHint = "pg_tviews_cascade() finds the row by a one-column primary key.";
    Oid index = pg_call([&] { return RelationGetPrimaryKeyIndex(rel); });
    std::string name = RelationGetRelationName(rel);
    if (index == InvalidOid)
        throw TviewError(sqlstate::kFeatureNotSupported, fmt::format("table \"{}\" has no primary key", name), "",
                         kHint);
    PrimaryKey pk;
    pk.attno = pg_call([&] {
        Relation idx = index_open(index, AccessShareLock);
        AttrNumber a = idx->rd_index->indnkeyatts == 1 ? idx->rd_index->indkey.values[0] : 0;
        index_close(idx, AccessShareLock);
        return a;
    });
    if (pk.attno <= 0)
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("the primary key of \"{}\" has several columns", name), "", kHint);
    Oid relid = RelationGetRelid(rel);
    pk.type = pg_call([&] { return getBaseType(get_atttype(relid, pk.attno)); });
    pk.integer = pk.type == INT2OID || pk.type == INT4OID || pk.type == INT8OID;
    pk.column = pg_call([&] { return static_cast<const char*>(get_attname(relid, pk.attno, false)); });
    return pk;
}

// The value the caller passed (bigint, uuid or text: the three overloads)
// as a datum of the primary key's type; int8 for an integer key.
Datum primary_key_value(FunctionCallInfo fcinfo, Relation rel, const PrimaryKey& pk) {
    Oid given = pg_call([&] { return get_fn_expr_argtype(fcinfo->flinfo, 1); });
    Datum arg = PG_GETARG_DATUM(1);
    if (pk.integer && given == INT8OID) return arg;
    if (!pk.integer && given == pk.type) return arg;
    if (given == INT8OID)
        throw TviewError(sqlstate::kDatatypeMismatch,
                         fmt::format("the primary key of \"{}\" is not an integer column", RelationGetRelationName(rel)),
                         "", "Pass the key as text (or uuid): pg_tviews_cascade('tb_x'::regclass, '...').");
    // Through its text: the key type's input function parses it (and
    // rejects what is no value of that type, naming the type).
    return pg_call([&] {
        char* printed = given == TEXTOID ? TextDatumGetCString(arg) : OidOutputFunctionCall(F_UUID_OUT, arg);
        Oid input = InvalidOid;
        Oid ioparam = InvalidOid;
        Oid type = pk.integer ? INT8OID : pk.type;
        getTypeInputInfo(type, &input, &ioparam);
        return OidInputFunctionCall(input, printed, ioparam, -1);
    });
}

// The rows of `rel` whose primary key is `value`, in a tuplestore with the
// relation's own row layout (the one transition tables have). Rows of a
// partitioned table are fetched from their partition and converted.
Tuplestorestate* rows_by_primary_key(Relation rel, const PrimaryKey& pk, Datum value) {
    Oid relid = RelationGetRelid(rel);
    std::string sql;
    Oid types[1] = {INT8OID};
    if (pk.integer) {
        sql = rows_by_key_sql(relation_sql_name(relid), pk.column, true, "");
    } else {
        KeyCodec codec = key_codec_for(pk.type, InvalidOid);
        types[0] = pk.type;
        sql = rows_by_key_sql(relation_sql_name(relid), pk.column, false, codec.eq_operator);
    }
    MemoryContext outer = CurrentMemoryContext;  // the rows must outlive the SPI connection
    Spi spi;
    Datum values[1] = {value};
    spi.exec_params(sql, 1, types, values, nullptr, true);
    Tuplestorestate* store = pg_call([&] {
        MemoryContext spi_context = MemoryContextSwitchTo(outer);
        Tuplestorestate* s = tuplestore_begin_heap(false, false, work_mem);
        TupleDesc to = RelationGetDescr(rel);
        for (uint64 i = 0; i < SPI_processed; i++) {
            bool oid_null = true;
            bool tid_null = true;
            Oid part = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &oid_null));
            Datum tid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &tid_null);
            if (oid_null || tid_null) continue;
            // A partitioned table has no storage: read the partition holding the row.
            Relation holder = part == relid ? rel : table_open(part, AccessShareLock);
            TupleTableSlot* slot = table_slot_create(holder, nullptr);
            if (table_tuple_fetch_row_version(holder, reinterpret_cast<ItemPointer>(DatumGetPointer(tid)),
                                              GetActiveSnapshot(), slot)) {
                bool should_free = false;
                HeapTuple tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
                TupleConversionMap* map =
                    holder == rel ? nullptr : convert_tuples_by_name(RelationGetDescr(holder), to);
                HeapTuple stored = map ? execute_attr_map_tuple(tuple, map) : tuple;
                tuplestore_puttuple(s, stored);
                if (should_free) heap_freetuple(tuple);
            }
            ExecDropSingleTupleTableSlot(slot);
            if (holder != rel) table_close(holder, NoLock);
        }
        MemoryContextSwitchTo(spi_context);
        return s;
    });
    spi.finish();
    return store;
}

// The TVIEWs that changes of `relid` refresh (a partition's changes are its
// partitioned table's).
std::vector<TviewPtr> tviews_reading(Catalog& cat, Oid relid) {
    std::vector<Oid> rels{relid};
    if (pg_call([&] { return get_rel_relispartition(relid); })) {
        List* ancestors = pg_call([&] { return get_partition_ancestors(relid); });
        ListCell* lc;
        foreach (lc, ancestors) rels.push_back(lfirst_oid(lc));
    }
    std::vector<TviewPtr> out;
    for (Oid r : rels)
        for (const auto& reader : cat.readers_of(r)) out.push_back(reader.tview);
    return out;
}

// Refreshes what depends on one base row: found by its primary key it is
// captured like a changed row; gone (deleted), its key is refreshed where the
// key is that primary key and every key elsewhere.
int64 cascade_row(Oid relid, FunctionCallInfo fcinfo, bool must_exist) {
    Relation rel = pg_call([&] { return table_open(relid, AccessShareLock); });
    PrimaryKey pk = primary_key_of(rel);
    Datum value = primary_key_value(fcinfo, rel, pk);
    AttrNumber pk_attno = pk.attno;
    Tuplestorestate* rows = rows_by_primary_key(rel, pk, value);
    bool found = pg_call([&] { return tuplestore_tuple_count(rows) > 0; });
    if (must_exist && !found) {
        std::string name = RelationGetRelationName(rel);
        Oid type = pk.integer ? INT8OID : pk.type;
        char* text = pg_call([&] {
            Oid output = InvalidOid;
            bool varlena = false;
            getTypeOutputInfo(type, &output, &varlena);
            return OidOutputFunctionCall(output, value);
        });
        throw TviewError(sqlstate::kNoDataFound,
                         fmt::format("no row of \"{}\" has primary key {}", name, text), "",
                         "pg_tviews_delete() refreshes what depended on a row that is gone.");
    }
    if (found) {
        capture_changes(ChangeSet{rel, nullptr, rows, false});
    } else {
        Catalog& cat = catalog();
        cat.ensure_loaded();
        BackendState& b = backend();
        for (auto& r : cat.readers_of(relid))
            for (std::size_t i : r.sources) {
                const KeySource& src = r.tview->sources[i];
                if (src.mode == kKeyDirect && src.attno == pk_attno)
                    b.queue.add(r.tview->table_oid, encode_key(r.tview->key, b.queue.dictionary(), value,
                                                               pk.integer ? INT8OID : pk.type));
                else
                    b.queue.mark_full(r.tview->table_oid);
            }
        // A partition's row is its partitioned table's (column numbers may differ).
        for (const auto& t : tviews_reading(cat, relid))
            if (!b.queue.is_full(t->table_oid) && b.queue.peek(t->table_oid).empty()) b.queue.mark_full(t->table_oid);
    }
    pg_call([&] { table_close(rel, NoLock); });
    return flush_queue();
}

// The table argument of pg_tviews_cascade/_insert/_delete, checked before
// anything is locked: an existing table or partitioned table (not a view,
// sequence, index, TOAST table or system catalog) the caller may read,
// whose TVIEWs the caller owns.
Oid oid_arg(FunctionCallInfo fcinfo) {
    Oid relid = PG_GETARG_OID(0);
    char relkind = pg_call([&] { return get_rel_relkind(relid); });
    if (relkind == '\0')
        throw TviewError(sqlstate::kUndefinedTable, fmt::format("relation with OID {} does not exist", relid), "",
                         "Pass the base table as 'tb_post'::regclass.");
    std::string name = relation_sql_name(relid);
    Oid nsp = pg_call([&] { return get_rel_namespace(relid); });
    bool system = pg_call([&] { return IsCatalogNamespace(nsp) || IsToastNamespace(nsp); });
    if (system || (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE))
        throw TviewError(sqlstate::kWrongObjectType, fmt::format("{} is not a base table of a TVIEW", name),
                         system ? "It is a system relation." : "It is not a table.",
                         "Pass a table or partitioned table that a TVIEW reads, as 'tb_post'::regclass.");
    AclResult acl = pg_call([&] { return pg_class_aclcheck(relid, GetUserId(), ACL_SELECT); });
    if (acl != ACLCHECK_OK)
        throw TviewError(sqlstate::kInsufficientPrivilege, fmt::format("permission denied for table {}", name), "",
                         "The caller must be able to read the row it names.");
    Catalog& cat = catalog();
    cat.ensure_loaded();
    for (const auto& t : tviews_reading(cat, relid)) require_tview_owner(t->table_oid, t->table, "repair it");
    return relid;
}

}  // namespace

PGTV_FUNCTION(pg_tviews_cascade) {
    cascade_row(oid_arg(fcinfo), fcinfo, false);
    PG_RETURN_VOID();
}

PGTV_FUNCTION(pg_tviews_insert) {
    cascade_row(oid_arg(fcinfo), fcinfo, true);
    PG_RETURN_VOID();
}

// 0.1.0's script binds pg_tviews_delete to this symbol; from 0.2.0 on the
// SQL function is bound to pg_tviews_cascade itself.
extern "C" {
PG_FUNCTION_INFO_V1(pg_tviews_delete);
Datum pg_tviews_delete(PG_FUNCTION_ARGS) { return pg_tviews_cascade(fcinfo); }
}

PGTV_FUNCTION(pg_tviews_install_stmt_triggers) { PG_RETURN_INT32(switch_capture(true)); }

PGTV_FUNCTION(pg_tviews_uninstall_stmt_triggers) { PG_RETURN_INT32(switch_capture(false)); }
