#include "pg_tviews/core/naming.hpp"

#include <functional>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

namespace {
constexpr const char* kPrefix = "tv_";

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}
bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

bool is_tview_table_name(const std::string& table) {
    return starts_with(table, kPrefix) && table.size() > 3;
}

TviewNames names_for_entity(const std::string& entity) { return names_for(std::string(kPrefix) + entity); }

std::string entity_of_key_column(const std::string& column) {
    return column.size() > 3 && column.compare(0, 3, "pk_") == 0 ? column.substr(3) : std::string();
}

bool is_fk_column(const std::string& column) { return column.rfind("fk_", 0) == 0; }

bool is_id_suffixed_column(const std::string& column) {
    return column.size() > 3 && column.compare(column.size() - 3, 3, "_id") == 0;
}

TviewNames names_for(const std::string& table_or_entity) {
    if (table_or_entity.empty())
        throw TviewError(sqlstate::kInvalidName, "TVIEW name must not be empty",
                         {}, "Name the TVIEW tv_<entity>, for example tv_post.");
    std::string entity = is_tview_table_name(table_or_entity)
                             ? table_or_entity.substr(3)
                             : table_or_entity;
    if (table_or_entity == kPrefix)
        throw TviewError(sqlstate::kInvalidName,
                         fmt::format("\"{}\" is not a valid TVIEW name", table_or_entity),
                         "The entity part after tv_ is empty.",
                         "Name the TVIEW tv_<entity>, for example tv_post.");
    TviewNames n;
    n.entity = entity;
    n.table = std::string(kPrefix) + entity;
    n.view = "v_" + entity;
    n.key_column = "pk_" + entity;
    if (n.table.size() > kMaxIdentifierLength)
        throw TviewError(sqlstate::kNameTooLong,
                         fmt::format("TVIEW name \"{}\" is too long", n.table),
                         fmt::format("Identifiers are limited to {} bytes.",
                                     kMaxIdentifierLength),
                         "Choose a shorter entity name.");
    return n;
}

std::vector<std::string> split_qualified_name(const std::string& name, bool tview_name) {
    std::vector<std::string> parts;
    auto bad = [&](const char* why) {
        return TviewError(sqlstate::kInvalidName, fmt::format("invalid name syntax: \"{}\"", name), why,
                          "Write a name such as tv_post, public.tv_post or \"My Schema\".tv_post.");
    };
    std::size_t i = 0;
    const std::size_t n = name.size();
    for (;;) {
        while (i < n && (name[i] == ' ' || name[i] == '\t')) i++;
        std::string part;
        if (i < n && name[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) throw bad("A quoted identifier is not closed.");
                if (name[i] == '"') {
                    if (i + 1 < n && name[i + 1] == '"') {
                        part += '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                part += name[i++];
            }
            if (part.empty()) throw bad("A quoted identifier is empty.");
        } else {
            while (i < n && name[i] != '.' && name[i] != ' ' && name[i] != '\t' && name[i] != '"') {
                char c = name[i++];
                part += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            }
            if (part.empty()) throw bad("A part of the name is empty.");
        }
        while (i < n && (name[i] == ' ' || name[i] == '\t')) i++;
        bool last = i >= n;
        if (last && tview_name) names_for(part);
        if (part.size() > kMaxIdentifierLength)
            throw TviewError(sqlstate::kNameTooLong, fmt::format("name \"{}\" is too long", part),
                             fmt::format("Identifiers are limited to {} bytes.", kMaxIdentifierLength),
                             "Choose a shorter name.");
        parts.push_back(part);
        if (last) break;
        if (name[i] != '.') throw bad("Parts of a name are separated by dots.");
        i++;
    }
    if (parts.size() > 3) throw bad("A name has at most three parts (database.schema.name).");
    return parts;
}

bool wants_index(const std::string& column, const std::string& key_column) {
    if (column == key_column) return false;
    return column == "id" || (starts_with(column, "fk_") && column.size() > 3) ||
           (ends_with(column, "_id") && column.size() > 3);
}

std::string index_name(const std::string& table, const std::string& column) {
    std::string name = fmt::format("{}_{}_idx", table, column);
    if (name.size() <= kMaxIdentifierLength) return name;
    // Keep it unique per column: a short hash of the full name as suffix.
    std::size_t h = std::hash<std::string>{}(table + "." + column);
    std::string suffix = fmt::format("_{:08x}", static_cast<unsigned>(h & 0xffffffffu));
    std::size_t cut = kMaxIdentifierLength - suffix.size();
    // Never cut a UTF-8 character in half: back off over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    return name.substr(0, cut) + suffix;
}

}  // namespace pg_tviews
