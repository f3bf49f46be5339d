// The SQL side of the server-wide figures (shared_stats.hpp): the functions
// behind pg_tviews_queue_realtime, pg_tviews_cache_stats and pg_tviews_stats,
// and the list of pg_tviews' own triggers the health check reads.
// Each row says whether it is server-wide or, without preload, this
// backend's alone.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/graph_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/fn_args.hpp"
#include "pg_tviews/pg/capture/capture_triggers.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/acl.h"
}

using namespace pg_tviews;
using namespace pg_tviews::pg;

namespace {

const char* scope() {
    return shared_stats_available() ? "server" : "this backend (pg_tviews is not in shared_preload_libraries)";
}

// Whose sessions the caller may see in detail: as in pg_stat_activity,
// those of roles whose privileges it has, and with pg_read_all_stats all.
class SessionVisibility {
public:
    SessionVisibility()
        : me_(pg_call([] { return GetUserId(); })),
          all_(pg_call([&] { return has_privs_of_role(me_, ROLE_PG_READ_ALL_STATS); })) {}
    bool sees(Oid role) const { return all_ || pg_call([&] { return has_privs_of_role(me_, role); }); }

private:
    Oid me_;
    bool all_;
};

Datum text_datum(const char* s) {
    return pg_call([&] { return PointerGetDatum(cstring_to_text(s)); });
}


// One row of N columns per backend that published figures (the last column
// is the scope): `fill(b, visible, values, nulls)` fills the rest, given
// whether the caller may see that session's details, and returns false to
// leave the backend out.
template <std::size_t N, typename Fill>
Datum backend_rows(FunctionCallInfo fcinfo, Fill&& fill) {
    std::vector<BackendFigures> backends = backend_figures();
    SessionVisibility visibility;
    ReturnSetInfo* rs = begin_rows(fcinfo);
    Datum scope_text = text_datum(scope());
    for (const auto& b : backends) {
        Datum v[N] = {};
        bool n[N] = {};
        if (!fill(b, visibility.sees(b.role), v, n)) continue;
        v[N - 1] = scope_text;
        put_row(rs, v, n);
    }
    return PointerGetDatum(nullptr);
}

}  // namespace

// One row per backend that published anything: its queue and its flush.
// Like pg_stat_activity, the application name and transaction of other
// roles' sessions are shown to members of pg_read_all_stats only.
PGTV_FUNCTION(pg_tviews_backend_queues) {
    return backend_rows<10>(fcinfo, [](const BackendFigures& b, bool visible, Datum* v, bool* n) {
        v[0] = Int32GetDatum(b.pid);
        v[1] = ObjectIdGetDatum(b.database);
        v[2] = ObjectIdGetDatum(b.role);
        if (visible) v[3] = text_datum(b.application_name.c_str());
        n[3] = !visible;
        v[4] = TransactionIdGetDatum(b.xid);
        n[4] = !visible || b.xid == InvalidTransactionId;
        v[5] = Int64GetDatum(static_cast<int64>(b.keys_pending));
        v[6] = Int32GetDatum(static_cast<int32>(b.tviews_pending));
        v[7] = TimestampTzGetDatum(b.last_enqueued);
        n[7] = b.last_enqueued == 0;
        v[8] = TimestampTzGetDatum(b.flushing_since);
        n[8] = b.flushing_since == 0;
        return true;
    });
}

// Long steps under way in every backend (this one alone without preload).
// As in pg_stat_progress_*, other roles' rows show only session and
// database, unless the caller has the privileges of pg_read_all_stats.
PGTV_FUNCTION(pg_tviews_progress_figures) {
    return backend_rows<8>(fcinfo, [](const BackendFigures& b, bool visible, Datum* v, bool* n) {
        if (b.progress_tview == InvalidOid) return false;
        v[0] = Int32GetDatum(b.pid);
        v[1] = ObjectIdGetDatum(b.database);
        if (visible) {
            v[2] = ObjectIdGetDatum(b.progress_tview);
            v[3] = text_datum(b.progress_phase.c_str());
            v[4] = Int64GetDatum(static_cast<int64>(b.progress_done));
            v[5] = Int64GetDatum(static_cast<int64>(b.progress_total));
            n[4] = n[5] = b.progress_total == 0;  // not counted (a population)
            v[6] = TimestampTzGetDatum(b.progress_started);
        } else {
            n[2] = n[3] = n[4] = n[5] = n[6] = true;
        }
        return true;
    });
}

// The triggers pg_tviews installs, with the function each must run: what
// the health check compares pg_trigger with.
PGTV_FUNCTION(pg_tviews_own_triggers) {
    std::string schema = namespace_name(extension_namespace());
    ReturnSetInfo* rs = begin_rows(fcinfo);
    for (const auto& t : own_triggers()) {
        Oid function = pg_call([&] {
            List* name = list_make2(makeString(pstrdup(schema.c_str())), makeString(pstrdup(t.function)));
            return LookupFuncName(name, 0, nullptr, true);
        });
        Datum v[3] = {pg_call([&] { return DirectFunctionCall1(namein, CStringGetDatum(t.name)); }),
                      ObjectIdGetDatum(function), text_datum(t.used_for)};
        bool n[3] = {false, function == InvalidOid, false};
        put_row(rs, v, n);
    }
    return PointerGetDatum(nullptr);
}

// Hits and misses per cache (server-wide with preload) and the entries the
// live backends hold.
PGTV_FUNCTION(pg_tviews_cache_figures) {
    std::vector<BackendFigures> rows = backend_figures();
    std::uint64_t entries[3] = {};
    for (const auto& b : rows) {
        entries[0] += b.graph_entries;
        entries[1] += b.refresh_plans;
        entries[2] += b.key_plans;
    }
    const char* names[3] = {"graph_cache", "table_cache", "prepared_statements"};
    CacheKind kinds[3] = {CacheKind::kGraph, CacheKind::kTable, CacheKind::kPlans};
    ReturnSetInfo* rs = begin_rows(fcinfo);
    Datum scope_text = text_datum(scope());
    for (int i = 0; i < 3; i++) {
        CacheFigures c = cache_figures(kinds[i]);
        Datum v[5] = {text_datum(names[i]), Int64GetDatum(static_cast<int64>(entries[i])),
                      Int64GetDatum(static_cast<int64>(c.hits)), Int64GetDatum(static_cast<int64>(c.misses)),
                      scope_text};
        bool n[5] = {};
        put_row(rs, v, n);
    }
    return PointerGetDatum(nullptr);
}

// Cumulative figures per TVIEW of this database.
PGTV_FUNCTION(pg_tviews_tview_figures) {
    std::vector<TviewFigures> rows = tview_figures();
    ReturnSetInfo* rs = begin_rows(fcinfo);
    Datum scope_text = text_datum(scope());
    for (const auto& t : rows) {
        Datum v[12] = {ObjectIdGetDatum(t.table_oid),
                       Int64GetDatum(static_cast<int64>(t.refreshes)),
                       Int64GetDatum(static_cast<int64>(t.keys)),
                       Int64GetDatum(static_cast<int64>(t.inserted)),
                       Int64GetDatum(static_cast<int64>(t.updated)),
                       Int64GetDatum(static_cast<int64>(t.deleted)),
                       Int64GetDatum(static_cast<int64>(t.unchanged)),
                       Int64GetDatum(static_cast<int64>(t.full_refreshes)),
                       Float8GetDatum(t.total_ms),
                       Float8GetDatum(t.max_ms),
                       TimestampTzGetDatum(t.last_refresh),
                       scope_text};
        bool n[12] = {};
        n[10] = t.last_refresh == 0;
        put_row(rs, v, n);
    }
    return PointerGetDatum(nullptr);
}

// Forgets the figures of one TVIEW, or of every TVIEW of this database.
PGTV_FUNCTION(pg_tviews_stats_reset) {
    Oid relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
    if (relid != InvalidOid) {
        Catalog& cat = catalog();
        cat.ensure_loaded();
        if (!cat.is_tview(relid))
            throw TviewError(sqlstate::kUndefinedTable, "relation is not a TVIEW", "",
                             kListTviewsHint);
    }
    reset_tview_figures(relid);
    PG_RETURN_VOID();
}

// The helper views each TVIEW of this database reads through (pg_tview_helpers).
PGTV_FUNCTION(pg_tviews_helper_views) {
    Catalog& cat = catalog();
    cat.ensure_loaded();
    std::vector<std::pair<Oid, Oid>> rows;
    for (const auto& t : cat.all())
        for (Oid v : t->helper_views) rows.emplace_back(t->table_oid, v);
    ReturnSetInfo* rs = begin_rows(fcinfo);
    for (const auto& [table, view] : rows) {
        Datum v[2] = {ObjectIdGetDatum(table), ObjectIdGetDatum(view)};
        bool n[2] = {};
        put_row(rs, v, n);
    }
    return PointerGetDatum(nullptr);
}

// The read model as a Mermaid or DOT graph: base tables, helper views and
// TVIEWs, and how each edge finds keys.
PGTV_FUNCTION(pg_tviews_graph) {
    std::string format_name = PG_ARGISNULL(0) ? std::string("mermaid") : text_arg(fcinfo, 0);
    GraphFormat format = graph_format(format_name);
    Catalog& cat = catalog();
    cat.ensure_loaded();
    GraphModel model;
    std::set<Oid> seen;
    auto add_node = [&](Oid relid, GraphNode::Kind kind) {
        if (!seen.insert(relid).second) return;
        Oid nsp = pg_call([&] { return get_rel_namespace(relid); });
        const char* rel = pg_call([&] { return static_cast<const char*>(get_rel_name(relid)); });
        model.nodes.push_back({relid, namespace_name(nsp) + "." + (rel ? rel : "?"), kind});
    };
    auto mode_name = [](int mode) {
        return mode == kKeyDirect ? "direct" : mode == kKeyQuery ? "key query" : "full refresh";
    };
    for (const auto& t : cat.all()) add_node(t->table_oid, GraphNode::kTview);
    std::set<std::tuple<Oid, Oid, std::string>> edges;
    for (const auto& t : cat.all()) {
        for (Oid r : t->relations) add_node(r, cat.is_tview(r) ? GraphNode::kTview : GraphNode::kTable);
        for (const auto& s : t->sources) edges.insert({s.relid, t->table_oid, mode_name(s.mode)});
        for (Oid v : t->helper_views) {
            add_node(v, GraphNode::kHelperView);
            edges.insert({v, t->table_oid, "through"});
        }
    }
    // Numbered in the order of their names, so that the text does not
    // depend on OIDs.
    std::sort(model.nodes.begin(), model.nodes.end(),
              [](const GraphNode& a, const GraphNode& b) { return a.name < b.name; });
    std::map<Oid, std::uint32_t> number;
    for (std::size_t i = 0; i < model.nodes.size(); i++) {
        number[model.nodes[i].id] = static_cast<std::uint32_t>(i + 1);
        model.nodes[i].id = static_cast<std::uint32_t>(i + 1);
    }
    for (const auto& [from, to, label] : edges) model.edges.push_back({number[from], number[to], label});
    std::sort(model.edges.begin(), model.edges.end(), [](const GraphEdge& a, const GraphEdge& b) {
        return std::tie(a.to, a.from, a.label) < std::tie(b.to, b.from, b.label);
    });
    std::string text = render_graph(model, format);
    return text_datum(text.c_str());
}
