// Creating and dropping TVIEWs (the SQL functions and the DDL forms share
// these).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

// Where a TVIEW named by the user lives: schema and names.
struct TviewLocation {
    Oid namespace_oid = InvalidOid;
    std::string schema;
    TviewNames names;
};

// Parses a TVIEW name given by the user ("tv_post", "post", "s.tv_post"),
// refusing empty and over-long names before PostgreSQL would truncate them.
RangeVar* tview_rangevar(const std::string& tview_name);

// A TVIEW named by the user, resolved: its RangeVar (relname the table's
// name, tv_<entity>), its names, and the table's OID (InvalidOid when there
// is no such table; whether it is a TVIEW is the catalog's to say).
struct TviewLookup {
    RangeVar* rv;
    TviewNames names;
    Oid table_oid;
};
TviewLookup lookup_tview(const std::string& tview_name);

// Resolves "tv_post", "post" or "schema.tv_post" for creation (the schema
// named, else the first schema of search_path).
TviewLocation locate_for_create(const std::string& tview_name);
TviewLocation locate_for_create(RangeVar* rv);

// Prepares every key query of `sources` (KeySourceC, view_analysis.hpp)
// over empty change sets; one that does not prepare raises 0A000 naming its
// relation (creation refuses it, pg_tviews_analyze_select reports it).
void verify_key_queries(List* sources);

// Checks a definition before anything is created (errors leave nothing).
void precheck_definition(const TviewLocation& where, const std::string& select_sql);

// Creates view, table (unless `existing_table`), key, indexes, metadata and
// triggers, and populates the table.
void create_tview(const TviewLocation& where, const std::string& select_sql, Oid existing_table);

// Writes the registry row of a TVIEW (what it reads, from the analysis
// `shape` of its view) and records that table and view depend on the
// extension (DROP EXTENSION needs CASCADE, which drops them).
struct ViewShapeC;
class Spi;
void register_tview(Spi& spi, const std::string& entity, Oid table_oid, Oid view_oid, const std::string& definition,
                    const ViewShapeC* shape);
// Records (once) that relation `relid` depends on the extension.
void record_extension_dependency(Oid relid);
// The registry's fk_columns and uuid_fk_columns (text[] literals) for the
// columns of `shape`: the FraiseQL conventions fk_* and uuid *_id.
struct ConventionColumns {
    std::string fk_columns;
    std::string uuid_fk_columns;
};
ConventionColumns convention_columns(const ViewShapeC* shape);
// Document storage for a TVIEW table's variable-length columns (TOAST
// target, lz4 where the server has it); run again after columns are added.
void use_document_storage(Spi& spi, const std::string& table, Oid table_oid);

// After a restore recreated the guard trigger of tv_<e> (the dump's
// post-data): registers a TVIEW the registry does not list (a dump of one
// schema carries no registry rows) from its view v_<e>, and records the
// extension dependencies a dump does not carry. Builds nothing.
void adopt_restored_tview(Oid table_oid);

// pg_tviews_create_or_replace() of an existing TVIEW with another
// definition: the view is replaced and the table's columns follow it in
// place (kept, retyped, dropped, appended: column_change.hpp), refused when
// a TVIEW built on it reads a column that goes; the documents are rebuilt
// at commit. The caller must own the TVIEW.
struct TviewDef;
void replace_definition(const TviewDef& d, const std::string& select_sql);

// Owner changes and redefinitions: every TVIEW in `tviews` must still be
// able to read what its view reads, as its owner (42501 naming `changed`).
void require_readable_by_owners(const std::vector<std::shared_ptr<TviewDef>>& tviews, const std::string& changed);
// The TVIEW's view belongs to the table's owner (maintenance reads it so).
void follow_owner(const TviewDef& t);

// Raises 42804 unless table `table` has exactly the columns and types of `view`.
void check_same_columns(Oid table, Oid view, const std::string& table_name);

// Whether `select_sql` (parsed with the current search_path) is the
// definition the view `view_oid` already has.
bool same_definition(Oid view_oid, const std::string& select_sql);

// Puts back the TVIEW's guard and capture triggers that are missing or
// disabled (pg_tviews_create() of an existing TVIEW with its definition).
struct TviewDef;
void repair_triggers(const TviewDef& d);

// After CREATE OR REPLACE VIEW of what TVIEW `d` reads (its own view when
// `own_view`, else a helper view): the registry gets the relations it reads
// now (and, for its own view, the new definition), they get capture
// triggers, and relations no TVIEW reads any more lose theirs. `d` is the
// definition reloaded after the change. Returns whether the registry row
// changed.
bool sync_redefinition(const TviewDef& d, bool own_view);

// Drops TVIEWs (dependents first); returns the qualified names dropped.
std::vector<std::string> drop_tview(const std::string& tview_name, bool if_exists);

// Before DROP TABLE / DROP VIEW removes TVIEWs: takes every lock the drop
// and its cleanup need that flushes also take, all at once (drop_locks.cpp).
void lock_for_drop(const DropStmt* stmt);
void lock_for_drop_owned(const DropOwnedStmt* stmt);

// Cleanup after DROP of a TVIEW's table or view (sql_drop event trigger).
void cleanup_dropped();

}  // namespace pg_tviews::pg
