// Capture triggers on the relations TVIEWs read (capture_triggers.cpp owns
// their names and every statement that creates, switches or drops them).
// All functions run in the caller's SPI connection, as the extension.
#pragma once

#include <set>
#include <string>

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

}  // namespace pg_tviews::pg
