// The extension's metadata tables, and the only code that names them:
// pg_tviews_registry (one row per TVIEW; in a 0.1.0 schema waiting for
// ALTER EXTENSION UPDATE, its table pg_tview_meta), pg_tviews_settings and
// pg_tviews_metrics. Every statement is built in core/sql_text and runs in
// the caller's SPI connection as the extension's owner (nobody else reads
// or writes the metadata directly: PUBLIC reads the pg_tview_meta view).
// No state: nothing to do at the end of a transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg_tviews/pg/border/spi.hpp"

namespace pg_tviews::pg {

// The registry table in schema `nsp`; InvalidOid when absent.
Oid registry_table(Oid nsp);
// Whether the extension is installed with its registry in this database.
bool registry_present();

struct RegistryRow {
    Oid table_oid = InvalidOid;
    Oid view_oid = InvalidOid;
    std::string entity;
    std::vector<Oid> dependencies;  // the relations it reads
};

// Every row, by table oid (read-only: in the caller's snapshot).
std::vector<RegistryRow> registry_rows(Spi& spi, bool read_only = false);
// The rows of `entity` whose table no longer exists.
std::vector<RegistryRow> registry_orphans(Spi& spi, const std::string& entity);
// The view registered for a table, if the table is registered (sees this
// transaction's changes).
std::optional<Oid> registered_view(Spi& spi, Oid table_oid);
// The relations a registered table reads (nullopt when not registered).
std::optional<std::vector<Oid>> registered_dependencies(Spi& spi, Oid table_oid);
// Whether any TVIEW reads `relation`.
bool any_tview_reads(Spi& spi, Oid relation);

void registry_insert(Spi& spi, const std::string& entity, Oid table_oid, Oid view_oid, const std::string& definition,
                     const std::vector<Oid>& dependencies, const std::string& fk_columns,
                     const std::string& uuid_fk_columns);
void registry_delete(Spi& spi, Oid table_oid);
// The table reads `dependencies` now (and, with `own_definition`, its
// definition is its view's as stored). Returns whether anything changed.
bool registry_update_reads(Spi& spi, Oid table_oid, const std::vector<Oid>& dependencies, bool own_definition);
// The table's view is `view_oid` now (a redefinition that rebuilt it).
void registry_update_view(Spi& spi, Oid table_oid, Oid view_oid, const std::string& fk_columns,
                          const std::string& uuid_fk_columns);
// Waits for sessions writing the registry (a parallel restore's COPY).
void lock_registry(Spi& spi);

// The definition PostgreSQL stores for a view, as the registry records it.
std::string stored_definition(Spi& spi, Oid view_oid);

// pg_tviews_settings: a stored setting, or nullopt (its default).
std::optional<std::string> stored_setting(Spi& spi, const std::string& name);
void store_setting(Spi& spi, const std::string& name, const std::optional<std::string>& value);

// pg_tviews_metrics: the qualified name, "" when the table is absent.
std::string metrics_table_name();

// What an error's HINT tells a user to run to list the TVIEWs.
// Names of the tables, for texts shown to users (GUC descriptions).
inline constexpr const char* kSettingsTableName = "pg_tviews_settings";
inline constexpr const char* kMetricsTableName = "pg_tviews_metrics";

inline constexpr const char* kListTviewsHint = "SELECT entity, table_oid FROM pg_tview_meta lists the TVIEWs.";

}  // namespace pg_tviews::pg
