// The triggers pg_tviews installs: capture triggers on the relations TVIEWs
// read, guard triggers on TVIEW tables (capture_triggers.cpp owns their
// names and every statement that creates, switches or drops them).
// All functions run in the caller's SPI connection, as the extension.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "pg_tviews/pg/border/spi.hpp"

namespace pg_tviews::pg {

// Creates the capture triggers `relid` (and, statement-level, each of its
// partitions) lacks for the level, ENABLE ALWAYS where logical replication
// needs them.
void install_capture_triggers(Spi& spi, Oid relid, const std::string& ext_schema, bool statement_level);
// Replaces the relation's capture triggers by those of the level.
void switch_capture_triggers(Spi& spi, Oid relid, const std::string& ext_schema, bool statement_level);
// Partitions of a partitioned base table that lack capture triggers get them.
void capture_new_partitions(Spi& spi, const std::string& ext_schema, Oid parent);
// Drops every capture trigger of one relation.
void drop_capture_triggers(Spi& spi, Oid rel);
// Drops the capture triggers of those `relations` that no TVIEW in the
// registry reads (nor, for a partitioned table, its partitions).
void release_capture_triggers(Spi& spi, const std::set<Oid>& relations);
// Whether a trigger of ours must fire in every session_replication_role.
bool capture_trigger_fires_always(const std::string& name);

// Every trigger pg_tviews installs (what pg_tviews_own_triggers() shows and
// the health check compares pg_trigger with).
struct OwnTrigger {
    const char* name;
    const char* function;  // in the extension's schema, no arguments
    const char* used_for;  // "statement capture", "row capture", "statement and row capture" or "guard"
};
const std::vector<OwnTrigger>& own_triggers();
// Names starting with tview_ belong to pg_tviews.
bool is_reserved_trigger_name(const char* name);
// The guard trigger a restore recreates first on a TVIEW's table.
bool is_guard_dml_trigger(const char* name);
// Whether `function` names one of pg_tviews' trigger functions.
bool is_own_trigger_function(const char* function);

// Creates the guard triggers a TVIEW table lacks (both on a new table).
void install_guard_triggers(Spi& spi, Oid table_oid, const std::string& table, const std::string& ext_schema);
// Whether a guard trigger of the table is disabled (or fires in replica mode only).
bool guard_trigger_disabled(Spi& spi, Oid table);

}  // namespace pg_tviews::pg
