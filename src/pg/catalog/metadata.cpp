// The extension's metadata tables (see metadata.hpp).
#include "pg_tviews/pg/catalog/metadata.hpp"

#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/border/run_as.hpp"

namespace pg_tviews::pg {

namespace {

// The extension's own tables (in its schema): the TVIEW registry (read by
// users through the view pg_tview_meta), the installation's settings and
// the per-transaction metrics.
constexpr const char* kRegistryTable = "pg_tviews_registry";
constexpr const char* kRegistry010 = "pg_tview_meta";  // the 0.1.0 schema's registry table
constexpr const char* kSettingsTable = kSettingsTableName;
constexpr const char* kMetricsTable = kMetricsTableName;

// "schema"."registry", or "" when there is none.
std::string registry_name() {
    Oid nsp = extension_namespace();
    Oid rel = registry_table(nsp);
    if (rel == InvalidOid) return "";
    const char* name = pg_call([&] { return static_cast<const char*>(get_rel_name(rel)); });
    return qualify(namespace_name(nsp), name ? name : "");
}

std::string settings_name() {
    std::string schema = extension_schema_name();
    return schema.empty() ? "" : qualify(schema, kSettingsTable);
}

std::string oid_array_text(const std::vector<Oid>& oids) {
    std::string out = "{";
    for (std::size_t i = 0; i < oids.size(); i++) out += (i ? "," : "") + std::to_string(oids[i]);
    return out + "}";
}

Oid oid_of(const std::optional<std::string>& text) {
    return text ? static_cast<Oid>(std::stoul(*text)) : InvalidOid;
}

std::vector<Oid> oids_of(const std::optional<std::string>& text) {
    std::vector<Oid> out;
    if (!text) return out;
    std::string item;
    for (char c : *text) {
        if (c >= '0' && c <= '9') {
            item += c;
        } else if (!item.empty()) {
            out.push_back(static_cast<Oid>(std::stoul(item)));
            item.clear();
        }
    }
    if (!item.empty()) out.push_back(static_cast<Oid>(std::stoul(item)));
    return out;
}

}  // namespace

Oid registry_table(Oid nsp) {
    if (nsp == InvalidOid) return InvalidOid;
    Oid rel = pg_call([&] { return get_relname_relid(kRegistryTable, nsp); });
    if (rel != InvalidOid) return rel;
    rel = pg_call([&] { return get_relname_relid(kRegistry010, nsp); });
    if (rel != InvalidOid && pg_call([&] { return get_rel_relkind(rel); }) == RELKIND_RELATION) return rel;
    return InvalidOid;
}

bool registry_present() { return registry_table(extension_namespace()) != InvalidOid; }

std::vector<RegistryRow> registry_rows(Spi& spi, bool read_only) {
    std::string registry = registry_name();
    if (registry.empty()) return {};
    RunAsExtension as_extension;
    std::vector<RegistryRow> out;
    for (const auto& r : spi.query(registry_sql(RegistrySql::kList, registry), read_only))
        out.push_back({oid_of(r[0]), oid_of(r[1]), r[2].value_or(""), oids_of(r[3])});
    return out;
}

std::vector<RegistryRow> registry_orphans(Spi& spi, const std::string& entity) {
    std::string registry = registry_name();
    if (registry.empty()) return {};
    RunAsExtension as_extension;
    std::vector<RegistryRow> out;
    for (const auto& r : spi.query(registry_sql(RegistrySql::kOrphans, registry), {arg_text(entity)}))
        out.push_back({oid_of(r[0]), oid_of(r[1]), r[2].value_or(""), oids_of(r[3])});
    return out;
}

namespace {

// The one column `statement` reads from table_oid's row; nullopt when the
// table is not registered.
std::optional<std::optional<std::string>> registered_value(Spi& spi, Oid table_oid,
                                                           RegistrySql statement) {
    std::string registry = registry_name();
    if (registry.empty()) return std::nullopt;
    RunAsExtension as_extension;
    auto rows = spi.query(registry_sql(statement, registry), {arg_oid(table_oid)});
    if (rows.empty()) return std::nullopt;
    return rows[0][0];
}

}  // namespace

std::optional<Oid> registered_view(Spi& spi, Oid table_oid) {
    auto value = registered_value(spi, table_oid, RegistrySql::kView);
    if (!value) return std::nullopt;
    return oid_of(*value);
}

std::optional<std::vector<Oid>> registered_dependencies(Spi& spi, Oid table_oid) {
    auto value = registered_value(spi, table_oid, RegistrySql::kDependencies);
    if (!value) return std::nullopt;
    return oids_of(*value);
}

bool any_tview_reads(Spi& spi, Oid relation) {
    std::string registry = registry_name();
    if (registry.empty()) return false;
    RunAsExtension as_extension;
    return !spi.query(registry_sql(RegistrySql::kReads, registry), {arg_oid(relation)}).empty();
}

void registry_insert(Spi& spi, const std::string& entity, Oid table_oid, Oid view_oid, const std::string& definition,
                     const std::vector<Oid>& dependencies, const std::string& fk_columns,
                     const std::string& uuid_fk_columns) {
    std::string registry = registry_name();
    RunAsExtension as_extension;
    spi.exec(registry_sql(RegistrySql::kInsert, registry),
             {arg_text(entity), arg_oid(table_oid), arg_oid(view_oid), arg_text(definition),
              arg_text(oid_array_text(dependencies)), arg_text(fk_columns), arg_text(uuid_fk_columns)});
}

void registry_delete(Spi& spi, Oid table_oid) {
    std::string registry = registry_name();
    if (registry.empty()) return;
    RunAsExtension as_extension;
    spi.exec(registry_sql(RegistrySql::kDelete, registry), {arg_oid(table_oid)});
}

bool registry_update_reads(Spi& spi, Oid table_oid, const std::vector<Oid>& dependencies, bool own_definition) {
    std::string registry = registry_name();
    if (registry.empty()) return false;
    RunAsExtension as_extension;
    auto rows = spi.query(registry_update_reads_sql(registry, own_definition),
                          {arg_oid(table_oid), arg_text(oid_array_text(dependencies))});
    return rows.empty() || !rows[0][0] || *rows[0][0] != "true";
}

void registry_update_view(Spi& spi, Oid table_oid, Oid view_oid, const std::string& fk_columns,
                          const std::string& uuid_fk_columns) {
    std::string registry = registry_name();
    RunAsExtension as_extension;
    spi.exec(registry_sql(RegistrySql::kUpdateView, registry),
             {arg_oid(table_oid), arg_oid(view_oid), arg_text(fk_columns), arg_text(uuid_fk_columns)});
}

void lock_registry(Spi& spi) {
    std::string registry = registry_name();
    if (registry.empty()) return;
    RunAsExtension as_extension;
    spi.exec(lock_table_sql(registry, LockMode::kShareRowExclusive));
}

std::string stored_definition(Spi& spi, Oid view_oid) {
    auto rows = spi.query(stored_definition_sql(), {arg_oid(view_oid)}, true);
    return rows.empty() || !rows[0][0] ? std::string() : *rows[0][0];
}

std::optional<std::string> stored_setting(Spi& spi, const std::string& name) {
    std::string settings = settings_name();
    if (settings.empty()) return std::nullopt;
    RunAsExtension as_extension;
    auto rows = spi.query(setting_get_sql(settings), {arg_text(name)}, true);
    if (rows.empty() || !rows[0][0]) return std::nullopt;
    return *rows[0][0];
}

void store_setting(Spi& spi, const std::string& name, const std::optional<std::string>& value) {
    std::string settings = settings_name();
    RunAsExtension as_extension;
    // Only what differs from the default is stored.
    if (value)
        spi.exec(setting_put_sql(settings), {arg_text(name), arg_text(*value)});
    else
        spi.exec(setting_delete_sql(settings), {arg_text(name)});
}

std::string metrics_table_name() {
    Oid nsp = extension_namespace();
    if (nsp == InvalidOid) return "";
    if (pg_call([&] { return get_relname_relid(kMetricsTable, nsp); }) == InvalidOid) return "";
    return qualify(namespace_name(nsp), kMetricsTable);
}

}  // namespace pg_tviews::pg
