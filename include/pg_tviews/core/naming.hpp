// Naming rules of TVIEWs: the table is tv_<entity>, its backing view
// v_<entity>, its key column pk_<entity>. Everything else (id, fk_*, *_id)
// is convention the engine uses when present and never requires.
#pragma once

#include <string>
#include <vector>

namespace pg_tviews {

// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes.
inline constexpr std::size_t kMaxIdentifierLength = 63;

struct TviewNames {
    std::string entity;      // "post"
    std::string table;       // "tv_post"
    std::string view;        // "v_post"
    std::string key_column;  // "pk_post"
};

// Accepts "tv_post" or the bare entity "post" (the form the original's
// operator guides pass around, e.g. pg_tviews_drop(entity, true)).
// Throws TviewError (42602) for names that cannot name a TVIEW.
TviewNames names_for(const std::string& table_or_entity);

// The names of entity `entity` exactly (even one that starts with tv_).
TviewNames names_for_entity(const std::string& entity);

// The entity of a key column pk_<entity>; "" when `column` is not one.
std::string entity_of_key_column(const std::string& column);

// Convention columns: fk_<x> (an integer link), <x>_id (a uuid link when
// of type uuid).
bool is_fk_column(const std::string& column);
bool is_id_suffixed_column(const std::string& column);

// True when `table` is a name of the form tv_<entity> with a non-empty entity.
bool is_tview_table_name(const std::string& table);

// Splits a possibly qualified SQL name ("s.tv_post", "\"My Schema\".tv_x")
// into its parts the way PostgreSQL reads identifiers (unquoted parts fold
// to lower case, "" inside quotes is a quote) but without truncating: a
// part longer than kMaxIdentifierLength bytes throws 42622, a malformed
// name 42602.
// With tview_name, the last part is checked by names_for() instead (its
// message names the TVIEW).
std::vector<std::string> split_qualified_name(const std::string& name, bool tview_name = false);

// Columns that get a btree index on the TVIEW table because FraiseQL-style
// queries filter on them: "id", "fk_*", "*_id". The key column is excluded
// (it has the primary key index).
bool wants_index(const std::string& column, const std::string& key_column);

// Index name for a column of a TVIEW table, kept within the identifier limit
// and distinct for distinct columns of the same table.
std::string index_name(const std::string& table, const std::string& column);

}  // namespace pg_tviews
