// The triggers pg_tviews installs: the one owner of their names (the
// reserved tview_ prefix), of the capture triggers' installation on the
// relations TVIEWs read (and on partitions), the switch between
// statement-level and row-level capture and their removal when no TVIEW
// reads a relation any more, and of the guard triggers on TVIEW tables. Every trigger belongs to the extension: it is
// created and dropped as the extension's owner. No per-transaction state.
#include "pg_tviews/pg/capture/capture_triggers.hpp"

#include <cstring>
#include <map>

#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/capture/capture_modes.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

namespace pg_tviews::pg {

namespace {

constexpr const char* kRowTrigger = "tview_capture_row";
constexpr const char* kTruncateTrigger = "tview_capture_trunc";

const char* const kCaptureTriggers[][3] = {
    // name, event, referencing
    {"tview_capture_ins", "INSERT", "REFERENCING NEW TABLE AS pg_tviews_new"},
    {"tview_capture_upd", "UPDATE", "REFERENCING OLD TABLE AS pg_tviews_old NEW TABLE AS pg_tviews_new"},
    {"tview_capture_del", "DELETE", "REFERENCING OLD TABLE AS pg_tviews_old"},
    {kTruncateTrigger, "TRUNCATE", ""},
};

// The capture triggers a relation has: name -> tgenabled ('O', 'A', 'D', 'R').
std::map<std::string, char> capture_trigger_states(Spi& spi, Oid relid) {
    // Not read-only: it must see triggers this transaction just dropped or created.
    auto rows = spi.query(triggers_prefixed_sql("tview_capture_"), {arg_oid(relid)});
    std::map<std::string, char> out;
    for (const auto& r : rows)
        if (r[0] && r[1] && !r[1]->empty()) out[*r[0]] = (*r[1])[0];
    return out;
}

// Whether the capture triggers of the mode are all there, and those that
// must fire for logical replication's apply workers too are ENABLE ALWAYS.
bool capture_triggers_complete(const std::map<std::string, char>& have, bool statement_level) {
    for (const auto& t : kCaptureTriggers) {
        bool truncate = strcmp(t[0], kTruncateTrigger) == 0;
        if (!statement_level && !truncate) continue;
        auto it = have.find(t[0]);
        if (it == have.end() || (truncate && it->second != 'A')) return false;
    }
    if (statement_level) return true;
    auto row = have.find(kRowTrigger);
    return row != have.end() && row->second == 'A';
}

constexpr const char* kGuardDmlTrigger = "tview_guard_dml";
constexpr const char* kGuardTruncateTrigger = "tview_guard_truncate";
constexpr const char* kReservedPrefix = "tview_";

bool has_trigger(Spi& spi, Oid relid, const char* name) {
    // Not read-only: it must see triggers this transaction just dropped or created.
    auto rows = spi.query(triggers_named_sql(), {arg_oid(relid), arg_text(text_array_literal({name}))});
    return !rows.empty();
}

std::vector<std::string> all_names() {
    std::vector<std::string> names;
    for (const auto& t : kCaptureTriggers) names.emplace_back(t[0]);
    names.emplace_back(kRowTrigger);
    return names;
}

}  // namespace

bool capture_trigger_fires_always(const std::string& name) { return name == kRowTrigger || name == kTruncateTrigger; }

const std::vector<OwnTrigger>& own_triggers() {
    static const std::vector<OwnTrigger> all = [] {
        std::vector<OwnTrigger> out;
        for (const auto& t : kCaptureTriggers)
            out.push_back({t[0], "pg_tviews_capture",
                           strcmp(t[0], kTruncateTrigger) == 0 ? "statement and row capture" : "statement capture"});
        out.push_back({kRowTrigger, "pg_tviews_capture_row", "row capture"});
        out.push_back({kGuardDmlTrigger, "pg_tviews_guard", "guard"});
        out.push_back({kGuardTruncateTrigger, "pg_tviews_guard", "guard"});
        return out;
    }();
    return all;
}

bool is_reserved_trigger_name(const char* name) {
    return name != nullptr && strncmp(name, kReservedPrefix, strlen(kReservedPrefix)) == 0;
}

bool is_guard_dml_trigger(const char* name) { return name != nullptr && strcmp(name, kGuardDmlTrigger) == 0; }

bool is_own_trigger_function(const char* function) {
    if (function == nullptr) return false;
    for (const auto& t : own_triggers())
        if (strcmp(t.function, function) == 0) return true;
    return false;
}

void install_guard_triggers(Spi& spi, Oid table_oid, const std::string& table, const std::string& ext_schema) {
    RunAsExtension as_extension;
    if (!has_trigger(spi, table_oid, kGuardDmlTrigger))
        spi.exec(create_trigger_sql(kGuardDmlTrigger, true, "INSERT OR UPDATE OR DELETE", table, "", false,
                                    qualify(ext_schema, "pg_tviews_guard")));
    if (!has_trigger(spi, table_oid, kGuardTruncateTrigger))
        spi.exec(create_trigger_sql(kGuardTruncateTrigger, true, "TRUNCATE", table, "", false,
                                    qualify(ext_schema, "pg_tviews_guard")));
}

bool guard_trigger_disabled(Spi& spi, Oid table) {
    auto guards = spi.query(triggers_named_sql(),
                            {arg_oid(table), arg_text(text_array_literal({kGuardDmlTrigger, kGuardTruncateTrigger}))});
    for (const auto& g : guards)
        if (g[1] && (*g[1] == "D" || *g[1] == "R")) return true;
    return false;
}

void install_capture_triggers(Spi& spi, Oid relid, const std::string& ext_schema, bool statement_level) {
    // The extension's own work: whoever created the TVIEW, the triggers
    // belong to the extension (a TVIEW's creator needs only SELECT on it).
    RunAsExtension as_extension;
    // Statement triggers of a partitioned table do not fire for writes made
    // straight into a partition: each partition gets its own. (Row triggers
    // are cloned to partitions by PostgreSQL.)
    if (statement_level)
        for (Oid part : partitions_of(relid)) install_capture_triggers(spi, part, ext_schema, true);
    std::string rel = relation_sql_name(relid);
    // Nothing to add (a redefinition, a repair): the relation is locked
    // only against a concurrent DROP TRIGGER, not against its writers, whose
    // flushes may wait for locks the caller holds.
    if (capture_triggers_complete(capture_trigger_states(spi, relid), statement_level)) {
        spi.exec(lock_table_sql(rel, LockMode::kAccessShare));
        if (capture_triggers_complete(capture_trigger_states(spi, relid), statement_level)) return;
    }
    spi.exec(lock_table_sql(rel, LockMode::kShareRowExclusive));
    std::map<std::string, char> have = capture_trigger_states(spi, relid);
    for (const auto& t : kCaptureTriggers) {
        bool truncate = strcmp(t[0], kTruncateTrigger) == 0;
        if (!statement_level && !truncate) continue;
        auto it = have.find(t[0]);
        if (it == have.end())
            spi.exec(create_trigger_sql(t[0], false, t[1], rel, t[2], false, qualify(ext_schema, "pg_tviews_capture")));
        if (truncate && (it == have.end() || it->second != 'A')) spi.exec(enable_trigger_sql(rel, t[0], true));
    }
    if (!statement_level) {
        auto row = have.find(kRowTrigger);
        if (row == have.end())
            spi.exec(create_trigger_sql(kRowTrigger, false, "INSERT OR UPDATE OR DELETE", rel, "", true,
                                        qualify(ext_schema, "pg_tviews_capture_row")));
        // Logical replication applies changes with session_replication_role
        // = replica and fires row triggers only (and TRUNCATE's): these two
        // fire there too, so a subscriber's TVIEWs follow what it applies.
        if (row == have.end() || row->second != 'A')
            spi.exec(enable_trigger_sql(rel, kRowTrigger, true));
    }
}


void switch_capture_triggers(Spi& spi, Oid relid, const std::string& ext_schema, bool statement_level) {
    RunAsExtension as_extension;
    std::string rel = relation_sql_name(relid);
    spi.exec(lock_table_sql(rel, LockMode::kShareRowExclusive));
    // TRUNCATE's trigger serves both levels.
    for (const auto& t : spi.query(triggers_prefixed_sql("tview_capture_"), {arg_oid(relid)}, true))
        if (t[0] && *t[0] != kTruncateTrigger) spi.exec(drop_trigger_sql(*t[0], rel));
    install_capture_triggers(spi, relid, ext_schema, statement_level);
}

// Partitions of the partitioned base table `parent` without capture triggers get them.
void capture_new_partitions(Spi& spi, const std::string& schema, Oid parent) {
    if (capture_mode() != "statement") return;  // row triggers are cloned to partitions
    auto missing = spi.query(partitions_without_trigger_sql(), {arg_oid(parent), arg_text(kCaptureTriggers[0][0])});
    InternalDdlScope internal;
    for (const auto& m : missing) install_capture_triggers(spi, static_cast<Oid>(std::stoul(*m[0])), schema, true);
}

void release_capture_triggers(Spi& spi, const std::set<Oid>& relations) {
    if (!registry_present()) return;
    RunAsExtension as_extension;
    // Capture triggers stay while any remaining TVIEW reads the relation.
    for (Oid rel : relations) {
        if (!relation_exists(rel)) continue;
        if (any_tview_reads(spi, rel)) continue;
        // The relation and, for a partitioned table, its partitions.
        drop_capture_triggers(spi, rel);
        for (Oid part : partitions_of(rel)) drop_capture_triggers(spi, part);
        pg_call([&] { CacheInvalidateRelcacheByRelid(rel); });
    }
}

void drop_capture_triggers(Spi& spi, Oid rel) {
    std::string name = relation_sql_name(rel);
    RunAsExtension as_extension;
    auto triggers = spi.query(triggers_named_sql(), {arg_oid(rel), arg_text(text_array_literal(all_names()))});
    for (const auto& t : triggers) spi.exec(drop_trigger_sql(*t[0], name));
}

}  // namespace pg_tviews::pg

