#include "pg_tviews/core/column_change.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

namespace {

std::string name_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

ColumnChange plan_column_change(const std::vector<ColumnSpec>& table, const std::vector<ColumnSpec>& view,
                                const std::string& key_column, const std::string& tview) {
    std::map<std::string, std::size_t> in_table;
    for (std::size_t i = 0; i < table.size(); i++) in_table[table[i].name] = i;
    std::set<std::string> seen;
    for (const auto& c : view)
        if (!seen.insert(c.name).second)
            throw TviewError(sqlstate::kDuplicateColumn,
                             fmt::format("the new definition of TVIEW {} has two columns named \"{}\"", tview,
                                         c.name),
                             "", "Give every column of the SELECT its own name (AS ...).");

    ColumnChange change;
    std::size_t next_kept_from = 0;  // the kept columns keep their order
    bool adding = false;             // ... and come before the new ones
    bool in_order = true;
    for (const auto& c : view) {
        auto it = in_table.find(c.name);
        if (it == in_table.end()) {
            change.added.push_back(c);
            adding = true;
            continue;
        }
        if (adding || it->second < next_kept_from) in_order = false;
        next_kept_from = it->second + 1;
        const ColumnSpec& old = table[it->second];
        if (old.type != c.type) {
            if (c.name == key_column)
                throw TviewError(sqlstate::kFeatureNotSupported,
                                 fmt::format("the new definition of TVIEW {} changes the type of its key column "
                                             "\"{}\" from {} to {}",
                                             tview, c.name, old.type, c.type),
                                 "", fmt::format("Keep {} of type {} (cast it in the SELECT), or drop the TVIEW and "
                                                 "create it again.",
                                                 c.name, old.type));
            change.retyped.push_back(c);
        }
    }
    if (!seen.count(key_column))
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("the new definition of TVIEW {} has no key column \"{}\"", tview, key_column),
                         "", fmt::format("Select {} as before: documents are found by their key.", key_column));
    for (const auto& c : table)
        if (!seen.count(c.name)) change.dropped.push_back(c.name);
    if (!in_order) {
        std::vector<std::string> order;
        for (const auto& c : table)
            if (seen.count(c.name)) order.push_back(c.name);
        for (const auto& c : change.added) order.push_back(c.name);
        throw TviewError(sqlstate::kFeatureNotSupported,
                         fmt::format("the new definition of TVIEW {} reorders its columns", tview),
                         "The table's columns stay in place (the TVIEWs built on it read them); new ones are "
                         "added at the end.",
                         fmt::format("Select the columns in this order: {}.", name_list(order)));
    }
    return change;
}

}  // namespace pg_tviews
