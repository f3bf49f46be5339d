// Trigger functions.
//
// pg_tviews_capture: AFTER INSERT / UPDATE / DELETE ... FOR EACH STATEMENT
// with transition tables, and AFTER TRUNCATE, on every relation a TVIEW
// reads. Computes the affected keys of every TVIEW reading the relation,
// from the OLD and NEW rows, when the statement ends, and queues them.
//
// pg_tviews_guard: BEFORE ... FOR EACH STATEMENT on tv_ tables; refuses
// writes that do not come from the engine.
#include <vector>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/patched_rows.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/plan_cache.hpp"
#include "pg_tviews/pg/flush/change_feed.hpp"
#include "pg_tviews/pg/flush/flush.hpp"
#include "pg_tviews/pg/flush/key_locks.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/capture/transition_rows.hpp"
#include "pg_tviews/pg/border/statement_snapshots.hpp"
#include "pg_tviews/pg/capture/capture.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

using namespace pg_tviews;
using namespace pg_tviews::pg;

namespace {

// Reads the key column straight from a transition table; true when a key was NULL.
bool read_direct(const KeyCodec& codec, Tuplestorestate* rows, TupleDesc desc, AttrNumber attno,
                 std::vector<Key>& out) {
    bool saw_null = false;
    if (rows == nullptr) return saw_null;
    Oid type = pg_call([&] { return getBaseType(TupleDescAttr(desc, attno - 1)->atttypid); });
    KeyDictionary& dict = backend().queue.dictionary();
    for_each_value(rows, desc, attno, [&](Datum value, bool isnull) {
        if (!isnull)
            out.push_back(encode_key(codec, dict, value, type));
        else
            saw_null = true;
    });
    return saw_null;
}


// An UPDATE that left every column the key query reads as it was: the
// query over the OLD rows would find what the one over the NEW rows finds.
bool old_rows_find_nothing_new(const TviewDef& tview, std::size_t source, const ChangeSet& changes, TupleDesc desc) {
    if (changes.old_rows == nullptr || changes.new_rows == nullptr) return false;
    return same_rows_in(changes.old_rows, changes.new_rows, desc, plan_cache().key_columns(tview, source));
}

// An UPDATE that left every column key source `source` (one occurrence of
// the relation in the view) reads anywhere in the query as it was: the view
// sees the same rows through that occurrence, so no document changes
// through it and it finds no keys (moving a user to another company changes
// the posts they wrote, not those they commented on, which show only their
// name). Each OLD row is compared with its NEW row over those columns (the
// first pair that differs ends the comparison). Not for a relation under
// row-level security: its policies read columns the view's own record does
// not list.
bool occurrence_unchanged(const KeySource& src, const ChangeSet& changes, TupleDesc desc) {
    if (!src.reads_known || changes.old_rows == nullptr || changes.new_rows == nullptr) return false;
    if (changes.relation->rd_rel->relrowsecurity) return false;
    return same_rows_pairwise(changes.old_rows, changes.new_rows, desc, src.reads);
}

// The patch plan that handles this change of `relid` for `tview`, or
// nullptr: patching on, an UPDATE, and the columns the TVIEW reads other
// than its leaves the same before and after (as multisets).
const PatchPlan* patch_applies(const TviewDef& tview, Oid relid, const ChangeSet& changes, TupleDesc desc) {
    if (!settings().patching || changes.old_rows == nullptr || changes.new_rows == nullptr) return nullptr;
    // The feed reports what refresh statements write: with it on, recompute
    // (the flush would otherwise merge the patches back into the keys).
    if (change_feed_detail() != FeedMode::kOff) return nullptr;
    const PatchPlan* plan = tview.patch_for(relid);
    if (plan == nullptr) return nullptr;
    // Comparing the rows costs memory in proportion to them: a statement
    // changing more rows recomputes (its documents are many anyway).
    constexpr int64 kMostPatchedRows = 10000;
    if (pg_call([&] { return tuplestore_tuple_count(changes.new_rows); }) > kMostPatchedRows) return nullptr;
    if (!plan->others.attnos.empty() && !same_rows_in(changes.old_rows, changes.new_rows, desc, plan->others))
        return nullptr;
    return plan;
}

// Runs key query `source` of `tview` over the registered changed rows (old
// or new); true when a key came out NULL.
bool read_query(const TviewDef& tview, std::size_t source, bool old_rows, std::vector<Key>& out) {
    const KeyCodec& codec = tview.key;
    SPIPlanPtr plan = plan_cache().get(tview, old_rows ? PlanKind::kKeyOld : PlanKind::kKeyNew, source);
    KeyDictionary& dict = backend().queue.dictionary();
    // Not read-only: the key query sees the other tables as they are now,
    // including changes earlier in this statement (cascaded actions).
    bool saw_null = false;
    Snapshot before = old_rows ? statement_snapshot() : nullptr;
    // Every query is joined with the other tables as they are now: the
    // documents showing the rows now, including what concurrent writers
    // linked since this statement began (the link locks waited for them).
    // For OLD rows this matters even when NEW rows exist: a condition on
    // the changed rows may keep the NEW rows out (a post unpublished), and
    // the document showing the OLD row is then found by the OLD row alone
    // (update_update_moved).
    uint64 n = execute_plan(plan, nullptr, nullptr, false);
    saw_null = read_keys(codec, dict, n, out) || saw_null;
    // OLD rows are also joined with the other tables as they were before
    // the statement (see statement_snapshots.hpp): a foreign-key cascade
    // deletes both sides of a link within one statement (a tag and its
    // post_tag rows), and the current state no longer connects the deleted
    // rows to any document.
    if (old_rows) {
        if (before) {
            // read_only: exactly that snapshot (its command id not advanced).
            int rc = pg_call(
                [&] { return SPI_execute_snapshot(plan, nullptr, nullptr, before, InvalidSnapshot, true, false, 0); });
            if (rc >= 0) saw_null = read_keys(codec, dict, SPI_processed, out) || saw_null;
        }
    }
    // REPEATABLE READ / SERIALIZABLE: the transaction snapshot cannot see a
    // concurrent writer that the link locks just waited for. Its keys are
    // found with the latest snapshot too; the flush then fails with 40001
    // rather than write those documents from the old snapshot.
    if (pg_call([] { return IsolationUsesXactSnapshot(); })) {
        Snapshot latest = pg_call([] { return GetLatestSnapshot(); });
        int rc = pg_call([&] { return SPI_execute_snapshot(plan, nullptr, nullptr, latest, InvalidSnapshot, false, false, 0); });
        if (rc >= 0) saw_null = read_keys(codec, dict, SPI_processed, out) || saw_null;
    }
    return saw_null;
}

// Registers the changed rows as the ephemeral relations the key queries
// read (pg_tviews_old, pg_tviews_new), in the current SPI connection.
void register_one(const char* name, Tuplestorestate* rows, Relation relation) {
    if (rows == nullptr) return;
    pg_call([&] {
        auto* enr = static_cast<EphemeralNamedRelation>(palloc0(sizeof(EphemeralNamedRelationData)));
        enr->md.name = pstrdup(name);
        enr->md.reliddesc = RelationGetRelid(relation);
        enr->md.tupdesc = nullptr;
        enr->md.enrtype = ENR_NAMED_TUPLESTORE;
        enr->md.enrtuples = tuplestore_tuple_count(rows);
        enr->reldata = rows;
        if (SPI_register_relation(enr) != SPI_OK_REL_REGISTER)
            elog(ERROR, "pg_tviews: could not register changed rows as %s", name);
    });
}

void register_rows(const pg_tviews::pg::ChangeSet& changes) {
    register_one("pg_tviews_old", changes.old_rows, changes.relation);
    register_one("pg_tviews_new", changes.new_rows, changes.relation);
}

}  // namespace

namespace pg_tviews::pg {

namespace {

// Rows of a partition in the layout of an ancestor (columns matched by name).
Tuplestorestate* convert_rows(Tuplestorestate* rows, TupleDesc from, TupleDesc to) {
    if (rows == nullptr) return nullptr;
    TupleConversionMap* map = pg_call([&] { return convert_tuples_by_name(from, to); });
    Tuplestorestate* out = pg_call([&] { return tuplestore_begin_heap(false, false, work_mem); });
    for_each_row(rows, from, [&](TupleTableSlot* slot) {
        pg_call([&] {
            bool should_free = false;
            HeapTuple tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
            HeapTuple converted = map ? execute_attr_map_tuple(tuple, map) : tuple;
            tuplestore_puttuple(out, converted);
            if (should_free) heap_freetuple(tuple);
        });
    });
    return out;
}

// A write straight into a partition (or a row trigger cloned to one) is a
// change of the partitioned table a TVIEW reads: the rows, converted to
// that table's columns. Returns the ancestor opened (closed by the caller),
// or nullptr when `changes` stays as it is.
Relation as_partitioned_table_change(Catalog& cat, ChangeSet& changes) {
    if (!changes.relation->rd_rel->relispartition || !cat.readers_of(RelationGetRelid(changes.relation)).empty())
        return nullptr;
    Oid partition = RelationGetRelid(changes.relation);
    List* ancestors = pg_call([&] { return get_partition_ancestors(partition); });
    ListCell* lc;
    foreach (lc, ancestors) {
        Oid a = lfirst_oid(lc);
        if (cat.readers_of(a).empty()) continue;
        Relation ancestor = pg_call([&] { return table_open(a, AccessShareLock); });
        TupleDesc from = RelationGetDescr(changes.relation);
        TupleDesc to = RelationGetDescr(ancestor);
        changes.old_rows = convert_rows(changes.old_rows, from, to);
        changes.new_rows = convert_rows(changes.new_rows, from, to);
        changes.relation = ancestor;
        return ancestor;
    }
    return nullptr;
}

// The TVIEWs reading `relid`. A capture trigger exists, so some TVIEW reads
// the relation: when none is known, the cache predates it (created in
// another session) and is reloaded once.
std::vector<Catalog::Reader> readers_reloading_once(Catalog& cat, Oid relid) {
    auto readers = cat.readers_of(relid);
    if (!readers.empty()) return readers;
    cat.invalidate();
    cat.ensure_loaded();
    return cat.readers_of(relid);
}

// The SPI connection key queries run in, opened (with the changed rows
// registered as pg_tviews_old / pg_tviews_new) by the first that needs it.
class KeyQueryConnection {
public:
    explicit KeyQueryConnection(const ChangeSet& changes) : changes_(changes) {}
    void open() {
        if (spi_) return;
        spi_ = std::make_unique<Spi>();
        register_rows(changes_);
    }
    void finish() {
        if (spi_) spi_->finish();
    }

private:
    const ChangeSet& changes_;
    std::unique_ptr<Spi> spi_;
};

// The keys of one TVIEW that the changed rows reach, by each of its key
// sources for the relation: a full refresh, the key columns of the rows
// themselves, or key queries (run as the TVIEW's owner). A NULL key marks
// the TVIEW for the flush's check of the view.
void find_keys(const Catalog::Reader& r, const ChangeSet& changes, TupleDesc desc, const PatchPlan* patch,
               KeyQueryConnection& connection, std::vector<Key>& keys) {
    BackendState& b = backend();
    const TviewDef& tview = *r.tview;
    for (std::size_t i : r.sources) {
        const KeySource& src = tview.sources[i];
        if (occurrence_unchanged(src, changes, desc)) continue;
        if (src.mode == kKeyFull) {
            b.queue.mark_full(tview.table_oid);
        } else if (src.mode == kKeyDirect) {
            if (!patch) read_direct(tview.key, changes.old_rows, desc, src.attno, keys);
            if (read_direct(tview.key, changes.new_rows, desc, src.attno, keys)) b.null_key_check.insert(tview.table_oid);
        } else {
            connection.open();
            RunAs as_owner(tview.owner);
            if (changes.old_rows && !patch && !old_rows_find_nothing_new(tview, i, changes, desc))
                read_query(tview, i, true, keys);
            // A NULL key from the new rows may be a view row the table
            // cannot hold (key queries can also return rows the view
            // filters out): the flush checks the view itself.
            if (changes.new_rows && read_query(tview, i, false, keys)) b.null_key_check.insert(tview.table_oid);
        }
    }
}

// Queues what find_keys found: keys to patch (under the definition that
// decided so) or to recompute.
void queue_keys(const Catalog::Reader& r, Oid relid, const PatchPlan* patch, const ChangeSet& changes, TupleDesc desc,
                const std::vector<Key>& keys) {
    BackendState& b = backend();
    Oid table = r.tview->table_oid;
    if (patch) {
        auto [at, fresh] = b.patched_under.emplace(table, r.tview.get());
        if (!fresh && at->second != r.tview.get()) at->second = nullptr;
        b.queue.add_patch(table, relid, keys);
        if (patch->identity != 0 && !keys.empty())
            patched_rows_add(table, relid, changes.new_rows, desc, patch->identity, patch->identity_type);
    } else if (!keys.empty()) {
        b.queue.add_all(table, keys);
    }
    if (b.null_key_check.count(table)) b.queue.touch(table);
}

// Exact figures for the monitoring views (an upper bound beyond 4,096
// keys per TVIEW, where compacting at every statement would cost).
void publish_queue() {
    BackendState& b = backend();
    if (slot_tracking()) b.queue.compact_small(4096);
    slot_publish_queue(b.queue.queued_count(), b.queue.pending_tview_count());
}

}  // namespace

// The steps of docs/change-flow.md's capture: find the TVIEWs reading the
// changed relation, wait for concurrent changes linked to the rows, find
// the keys each TVIEW must refresh (or patch), queue them.
void capture_changes(const ChangeSet& given) {
    CaptureScope capturing;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    ChangeSet changes = given;
    Relation ancestor = as_partitioned_table_change(cat, changes);
    Oid relid = RelationGetRelid(changes.relation);
    auto readers = readers_reloading_once(cat, relid);
    if (changes.truncate) {
        for (auto& r : readers) backend().queue.mark_full(r.tview->table_oid);
        return;
    }
    // Before the keys are computed: wait for concurrent changes linked to
    // these rows (then the key queries below see them, READ COMMITTED).
    TupleDesc desc = RelationGetDescr(changes.relation);
    lock_links(desc, changes.old_rows, changes.new_rows, cat.link_locks_of(relid));
    for (auto& r : readers) require_maintainable(*r.tview);
    KeyQueryConnection connection(changes);
    for (auto& r : readers) {
        // An UPDATE that changed only columns reaching the documents as
        // leaves: their keys are queued to be patched (found through the
        // NEW rows alone: the rows build the same documents as before).
        const PatchPlan* patch = patch_applies(*r.tview, relid, changes, desc);
        std::vector<Key> keys;
        find_keys(r, changes, desc, patch, connection, keys);
        queue_keys(r, relid, patch, changes, desc, keys);
    }
    connection.finish();
    if (ancestor) pg_call([&] { table_close(ancestor, NoLock); });
    publish_queue();
}

Tuplestorestate* one_row_store(HeapTuple tuple) {
    return pg_call([&] {
        Tuplestorestate* store = tuplestore_begin_heap(false, false, work_mem);
        tuplestore_puttuple(store, tuple);
        return store;
    });
}

void maintain_now_if_immediate() {
    // Immediate mode: maintain at the end of every statement (but never from
    // inside the engine's own writes: the running flush picks those up).
    BackendState& b = backend();
    if (settings().refresh_mode == static_cast<int>(RefreshMode::kImmediate) && b.maintenance_depth == 0 &&
        b.capture_depth == 0)
        flush_queue();
}

}  // namespace pg_tviews::pg

namespace {

const char* event_name(TriggerEvent event) {
    if (TRIGGER_FIRED_BY_INSERT(event)) return "INSERT into";
    if (TRIGGER_FIRED_BY_UPDATE(event)) return "UPDATE";
    if (TRIGGER_FIRED_BY_DELETE(event)) return "DELETE from";
    return "TRUNCATE";
}

// The trigger call's data; `function` is refused when called otherwise.
TriggerData* trigger_data(FunctionCallInfo fcinfo, const char* function) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        throw TviewError(sqlstate::kFeatureNotSupported, fmt::format("{}() must be called as a trigger", function));
    return reinterpret_cast<TriggerData*>(fcinfo->context);
}

}  // namespace

PGTV_FUNCTION(pg_tviews_capture) {
    TriggerData* td = trigger_data(fcinfo, "pg_tviews_capture");
    ChangeSet changes{td->tg_relation, td->tg_oldtable, td->tg_newtable,
                      TRIGGER_FIRED_BY_TRUNCATE(td->tg_event)};
    capture_changes(changes);
    maintain_now_if_immediate();
    return PointerGetDatum(nullptr);
}

// Row-level capture (pg_tviews_uninstall_stmt_triggers()): the same work for
// one row; also what logical replication apply workers fire.
PGTV_FUNCTION(pg_tviews_capture_row) {
    TriggerData* td = trigger_data(fcinfo, "pg_tviews_capture_row");
    if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
        throw TviewError(sqlstate::kFeatureNotSupported, "pg_tviews_capture_row() must be a FOR EACH ROW trigger");
    // INSERT has only a new row, DELETE only an old one, UPDATE both.
    bool inserted = TRIGGER_FIRED_BY_INSERT(td->tg_event);
    bool deleted = TRIGGER_FIRED_BY_DELETE(td->tg_event);
    ChangeSet changes{td->tg_relation, inserted ? nullptr : one_row_store(td->tg_trigtuple),
                      deleted ? nullptr : one_row_store(inserted ? td->tg_trigtuple : td->tg_newtuple), false};
    capture_changes(changes);
    maintain_now_if_immediate();
    return PointerGetDatum(nullptr);
}

// Statement trigger on the registry: any change to it (a restore's COPY
// included, which sends no invalidation of its own) makes every backend
// reload the definitions.
PGTV_FUNCTION(pg_tviews_registry_changed) {
    TriggerData* td = trigger_data(fcinfo, "pg_tviews_registry_changed");
    Oid registry = RelationGetRelid(td->tg_relation);
    pg_call([&] { CacheInvalidateRelcacheByRelid(registry); });
    return PointerGetDatum(nullptr);
}

PGTV_FUNCTION(pg_tviews_guard) {
    TriggerData* td = trigger_data(fcinfo, "pg_tviews_guard");
    const BackendState& b = backend();
    if (b.maintenance_depth > 0 && b.maintained_table == RelationGetRelid(td->tg_relation))
        return PointerGetDatum(nullptr);
    std::string table = RelationGetRelationName(td->tg_relation);
    if (settings().allow_direct_writes) {
        // The documented repair switch: for the owner only.
        if (owns_relation(RelationGetRelid(td->tg_relation))) return PointerGetDatum(nullptr);
        throw TviewError(sqlstate::kInsufficientPrivilege,
                         fmt::format("must be owner of TVIEW \"{}\" to write it directly", table),
                         "pg_tviews.allow_direct_writes lets the owner (or a superuser) repair documents by hand.",
                         "Ask the owner, or write to the base tables.");
    }
    throw TviewError(sqlstate::kWrongObjectType,
                     fmt::format("cannot {} TVIEW \"{}\" directly", event_name(td->tg_event), table),
                     fmt::format("\"{}\" is maintained by pg_tviews from the tables its view reads.", table),
                     fmt::format("Write to those tables instead; SELECT pg_tviews_refresh('{}') rebuilds it.", table));
}
