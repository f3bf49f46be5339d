// SQL-callable functions (see docs/sql-reference.md).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/fn_args.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/flush/flush.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/analysis/privileges.hpp"
#include "pg_tviews/pg/catalog/state.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

using namespace pg_tviews;
using namespace pg_tviews::pg;

#ifndef PG_TVIEWS_VERSION
#error "PG_TVIEWS_VERSION comes from pg_tviews.control (see the Makefile)"
#endif

namespace {

Datum text_result(const std::string& s) {
    const char* c = s.c_str();
    return pg_call([&] { return PointerGetDatum(cstring_to_text(c)); });
}

Datum jsonb_result(const nlohmann::json& j) {
    std::string text = j.dump();
    const char* c = text.c_str();
    return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(c)); });
}

TviewPtr find_tview(const std::string& name) {
    Oid oid = lookup_tview(name).table_oid;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    TviewPtr def = oid == InvalidOid ? nullptr : cat.find(oid);
    if (!def)
        throw TviewError(sqlstate::kUndefinedTable, fmt::format("TVIEW \"{}\" does not exist", name), "",
                         kListTviewsHint);
    return def;
}

}  // namespace

PGTV_FUNCTION(pg_tviews_version) { return text_result(PG_TVIEWS_VERSION); }

namespace {

// pg_tviews_create(), and pg_tviews_create_or_replace() (`replace`): an
// existing TVIEW given another definition is redefined instead of refused.
Datum create_tview_named(const std::string& name, const std::string& sql, bool replace) {
    TviewLocation where = locate_for_create(name);
    // The guides' "recreate" of an existing TVIEW: with its own definition
    // it repairs the triggers; another definition is refused.
    Oid nsp = where.namespace_oid;
    const char* table = where.names.table.c_str();
    Oid existing = pg_call([&] { return get_relname_relid(table, nsp); });
    Catalog& cat = catalog();
    cat.ensure_loaded();
    if (existing != InvalidOid && cat.is_tview(existing)) {
        TviewPtr def = cat.find(existing);
        std::string qualified = fmt::format("{}.{}", where.schema, where.names.table);
        // A definition that is no single SELECT gets the usual refusal.
        const char* text = sql.c_str();
        pg_call([&] { (void)parse_tview_select(text, table); });
        bool same = same_definition(def->view_oid, sql);
        if (!same && replace) {
            replace_definition(*def, sql);
            return text_result(qualified);
        }
        if (!same)
            throw TviewError(sqlstate::kDuplicateTable, fmt::format("TVIEW \"{}\" already exists with another definition", qualified),
                             "", fmt::format("To change its documents, CREATE OR REPLACE VIEW {}.{} (same columns) or "
                                             "drop the TVIEW and create it again.",
                                             where.schema, where.names.view));
        require_tview_owner(existing, def->table, "repair it");
        // The registry is brought up to what the view reads too (it lags
        // when the view was replaced while event triggers did not fire).
        // If it lagged, the documents may too: they are rebuilt at commit.
        if (sync_redefinition(*def, true)) backend().queue.mark_full(def->table_oid);
        pg_call([&] {
            ereport(NOTICE, (errmsg("TVIEW \"%s\" already exists with this definition: its triggers were checked",
                                    qualified.c_str())));
        });
        return text_result(qualified);
    }
    precheck_definition(where, sql);
    create_tview(where, sql, InvalidOid);
    return text_result(fmt::format("{}.{}", where.schema, where.names.table));
}

}  // namespace

PGTV_FUNCTION(pg_tviews_create) { return create_tview_named(text_arg(fcinfo, 0), text_arg(fcinfo, 1), false); }

PGTV_FUNCTION(pg_tviews_create_or_replace) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        throw TviewError(sqlstate::kNullValueNotAllowed, "pg_tviews_create_or_replace: arguments must not be null",
                         "", "Pass the TVIEW's name and its SELECT.");
    return create_tview_named(text_arg(fcinfo, 0), text_arg(fcinfo, 1), true);
}

PGTV_FUNCTION(pg_tviews_drop) {
    std::string name = text_arg(fcinfo, 0);
    bool if_exists = PG_GETARG_BOOL(1);
    auto dropped = drop_tview(name, if_exists);
    std::string out;
    for (const auto& d : dropped) out += (out.empty() ? "" : ", ") + d;
    return text_result(out);
}

PGTV_FUNCTION(pg_tviews_refresh) {
    TviewPtr def = find_tview(text_arg(fcinfo, 0));
    // Before the refresh locks the table (EXCLUSIVE, to the end of the
    // transaction): only the owner may.
    require_tview_owner(def->table_oid, def->table, "refresh it");
    PG_RETURN_INT64(refresh_full(def));
}

PGTV_FUNCTION(pg_tviews_flush) {
    (void)fcinfo;
    PG_RETURN_INT64(flush_queue());
}

PGTV_FUNCTION(pg_tviews_queue_stats) {
    (void)fcinfo;
    BackendState& b = backend();
    const Stats& s = b.stats;
    // No lookup yet: no rate (NULL), not 0.0 (which would read as "always missing").
    auto rate = [](std::uint64_t hits, std::uint64_t misses) -> nlohmann::json {
        if (hits + misses == 0) return nullptr;
        return static_cast<double>(hits) / static_cast<double>(hits + misses);
    };
    nlohmann::json j = {
        {"queue_size", b.queue.size()},
        {"pending_tviews", b.queue.pending().size()},
        {"total_refreshes", s.total_refreshes},
        {"rows_written", s.rows_written},
        {"total_flushes", s.flushes},
        {"total_iterations", s.total_iterations},
        {"max_iterations", s.max_iterations},
        {"total_timing_ms", s.total_timing_ms},
        {"graph_cache_hits", s.graph_cache_hits},
        {"graph_cache_misses", s.graph_cache_misses},
        {"graph_cache_hit_rate", rate(s.graph_cache_hits, s.graph_cache_misses)},
        {"table_cache_hits", s.table_cache_hits},
        {"table_cache_misses", s.table_cache_misses},
        {"table_cache_hit_rate", rate(s.table_cache_hits, s.table_cache_misses)},
        {"definitions_analyzed", s.definitions_analyzed},
    };
    return jsonb_result(j);
}

PGTV_FUNCTION(pg_tviews_debug_queue) {
    (void)fcinfo;
    BackendState& b = backend();
    Catalog& cat = catalog();
    cat.ensure_loaded();
    nlohmann::json out = nlohmann::json::array();
    for (Oid oid : b.queue.pending()) {
        TviewPtr def = cat.find(oid);
        std::string entity = def ? def->entity : std::to_string(oid);
        if (b.queue.is_full(oid)) out.push_back({{"entity", entity}, {"pk", nullptr}, {"full", true}});
        for (Key key : b.queue.peek(oid)) {
            // An integer key is a JSON number; a key of another type its text.
            if (def && !def->key.integer)
                out.push_back({{"entity", entity}, {"pk", key_text(def->key, b.queue.dictionary(), key)}});
            else
                out.push_back({{"entity", entity}, {"pk", key}});
        }
    }
    return jsonb_result(out);
}

PGTV_FUNCTION(pg_tviews_preloaded) { PG_RETURN_BOOL(library_preloaded()); }

// TVIEWs this backend will not maintain, and why (pg_tviews_health_check()).
PGTV_FUNCTION(pg_tviews_problems) {
    Catalog& cat = catalog();
    cat.ensure_loaded();
    std::vector<std::pair<Oid, std::string>> rows;
    for (const auto& t : cat.all())
        if (!t->broken.empty()) rows.emplace_back(t->table_oid, t->broken);
    pg_call([&] {
        InitMaterializedSRF(fcinfo, 0);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        for (const auto& [oid, problem] : rows) {
            Datum values[2] = {ObjectIdGetDatum(oid), CStringGetTextDatum(problem.c_str())};
            bool nulls[2] = {false, false};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        }
    });
    return PointerGetDatum(nullptr);
}
