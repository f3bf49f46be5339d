// How a TVIEW's table follows a new definition with other columns: which
// columns it keeps, retypes, drops and adds, in place (the table is not
// rebuilt, the TVIEWs built on it stay). Pure C++: names and type names in,
// a plan or a TviewError out.
#pragma once

#include <string>
#include <vector>

namespace pg_tviews {

struct ColumnSpec {
    std::string name;
    std::string type;  // as format_type_with_typemod prints it: "bigint", "character varying(20)"
    bool operator==(const ColumnSpec& o) const { return name == o.name && type == o.type; }
};

struct ColumnChange {
    std::vector<std::string> dropped;  // in the table's order
    std::vector<ColumnSpec> retyped;   // kept, with their new type
    std::vector<ColumnSpec> added;     // appended, in the view's order
    bool same() const { return dropped.empty() && retyped.empty() && added.empty(); }
    // Only columns appended at the end: CREATE OR REPLACE VIEW can do it.
    bool appends_only() const { return dropped.empty() && retyped.empty(); }
};

// The plan from the table's columns to the new view's. The table's column
// order must stay the view's: the columns it keeps come first, in their
// present order, then the new ones. The key column stays, with its type.
// Throws TviewError 0A000 (with a HINT naming the order to use) otherwise,
// 42701 for a duplicate column name. `tview` is the TVIEW as messages name
// it (its SQL name).
ColumnChange plan_column_change(const std::vector<ColumnSpec>& table, const std::vector<ColumnSpec>& view,
                                const std::string& key_column, const std::string& tview);

}  // namespace pg_tviews
