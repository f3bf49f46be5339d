// Introspection functions: pg_tviews_analyze_select() shows what creating a
// TVIEW from a SELECT would do, without creating anything;
// pg_tviews_infer_types() reports the types of a table's columns.
#include <algorithm>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "pg_tviews/core/error.hpp"
#include "pg_tviews/core/naming.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/compat.hpp"
#include "pg_tviews/pg/border/fn_args.hpp"
#include "pg_tviews/pg/lifecycle/lifecycle.hpp"
#include "pg_tviews/pg/border/subxact.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

using namespace pg_tviews;
using namespace pg_tviews::pg;
using json = nlohmann::json;

namespace {

std::string relation_name(Oid relid) {
    const char* name = pg_call([&] {
        char* nsp = get_namespace_name(get_rel_namespace(relid));
        char* rel = get_rel_name(relid);
        return static_cast<const char*>(quote_qualified_identifier(nsp, rel));
    });
    return name ? name : std::to_string(relid);
}

std::string column_name(Oid relid, AttrNumber attno) {
    const char* name = pg_call([&] { return static_cast<const char*>(get_attname(relid, attno, true)); });
    return relation_name(relid) + "." + (name ? name : std::to_string(attno));
}

std::string type_name(Oid type, int32 typmod) {
    return pg_call([&] { return static_cast<const char*>(format_type_with_typemod(type, typmod)); });
}

json error_json(const ErrorData* e) {
    char state[6];
    pg_call([&] {
        const char* s = unpack_sql_state(e->sqlerrcode);
        strlcpy(state, s, sizeof state);
    });
    json j = {{"sqlstate", state}, {"message", e->message ? e->message : ""}};
    if (e->detail) j["detail"] = e->detail;
    if (e->hint) j["hint"] = e->hint;
    return j;
}

// The key column of a definition given without a TVIEW name: its first
// output column named pk_<entity>.
std::string find_key_column(Query* q) {
    ListCell* lc;
    foreach (lc, q->targetList) {
        auto* tle = static_cast<TargetEntry*>(lfirst(lc));
        if (!tle->resjunk && tle->resname && !entity_of_key_column(tle->resname).empty()) return tle->resname;
    }
    return "";
}

// How changes to `relid` find keys: per occurrence, from the rows' own key
// column, by a key query (both texts shown), or by a full refresh (a
// warning saying why).
json key_sources_json(Oid relid, List* sources, json& warnings) {
    json out = json::array();
    ListCell* sc;
    foreach (sc, sources) {
        auto* ks = static_cast<KeySourceC*>(lfirst(sc));
        if (ks->relid != relid) continue;
        json s = {{"occurrence", ks->occurrence}};
        if (ks->mode == kKeyDirect) {
            s["mode"] = "direct";
            s["key_column"] = column_name(ks->relid, ks->attno);
        } else if (ks->mode == kKeyQuery) {
            s["mode"] = "key query";
            s["key_query_old"] = ks->sql_old ? ks->sql_old : "";
            s["key_query_new"] = ks->sql_new ? ks->sql_new : "";
        } else {
            s["mode"] = "full refresh";
            s["reason"] = ks->reason ? ks->reason : "";
            warnings.push_back(fmt::format("changes to {} refresh every row: {}", relation_name(ks->relid),
                                           ks->reason ? ks->reason : ""));
        }
        out.push_back(s);
    }
    return out;
}

// What a change to each column of `relid` the definition reads does: patch
// the leaves it reaches, or recompute the documents (and why).
json column_uses_json(Oid relid, List* uses) {
    json out = json::array();
    ListCell* uc;
    foreach (uc, uses) {
        auto* u = static_cast<ColumnUseC*>(lfirst(uc));
        if (u->relid != relid) continue;
        json c = {{"column", u->attno > 0 ? column_name(u->relid, u->attno) : relation_name(u->relid)},
                  {"change", u->patch ? "patch" : "recompute"}};
        if (u->patch) {
            json paths = json::array();
            ListCell* pc;
            foreach (pc, u->paths) paths.push_back(strVal(lfirst(pc)));
            c["leaves"] = paths;
        } else {
            c["why"] = u->why ? u->why : "";
        }
        out.push_back(c);
    }
    return out;
}

json columns_json(const ViewShapeC* shape) {
    json columns = json::array();
    for (int i = 0; i < list_length(shape->column_names); i++)
        columns.push_back({{"name", strVal(list_nth(shape->column_names, i))},
                           {"type", type_name(list_nth_oid(shape->column_types, i),
                                              list_nth_int(shape->column_typmods, i))}});
    return columns;
}

void analyze(const std::string& sql, json& out) {
    const char* text = sql.c_str();
    Query* q = pg_call([&] { return parse_tview_select(text, "(definition)"); });
    std::string key = find_key_column(q);
    if (key.empty())
        throw TviewError(sqlstate::kUndefinedColumn, "the SELECT has no key column pk_<entity>", "",
                         "Select the entity's key as pk_<entity>, for example p.pk_post.");
    TviewNames names = names_for_entity(entity_of_key_column(key));
    out["entity"] = names.entity;
    out["table"] = names.table;
    out["view"] = names.view;
    out["key_column"] = key;
    const char* table = names.table.c_str();
    const char* key_c = key.c_str();
    pg_call([&] { check_tview_query(q, table); });
    ViewShapeC* shape = pg_call([&] { return describe_tview_query(q, table, key_c, InvalidOid); });
    List* links = pg_call([&] { return find_join_links(q); });
    List* sources = pg_call([&] { return build_key_sources(q, shape); });
    List* uses = NIL;
    (void)pg_call([&] { return build_patch_plans(q, shape, &uses); });
    // "supported" only if maintenance would work: every key query prepares.
    verify_key_queries(sources);
    out["columns"] = columns_json(shape);
    json relations = json::array();
    json warnings = json::array();
    ListCell* lc;
    foreach (lc, shape->relations) {
        auto* rel = static_cast<RelationReadC*>(lfirst(lc));
        relations.push_back({{"relation", relation_name(rel->relid)},
                             {"kind", rel->relkind == RELKIND_PARTITIONED_TABLE ? "partitioned table" : "table"},
                             {"key_sources", key_sources_json(rel->relid, sources, warnings)},
                             {"columns", column_uses_json(rel->relid, uses)}});
    }
    out["relations"] = relations;
    json helpers = json::array();
    foreach (lc, shape->helper_views) helpers.push_back(relation_name(lfirst_oid(lc)));
    out["helper_views"] = helpers;
    json links_json = json::array();
    foreach (lc, links) {
        auto* l = static_cast<JoinLinkC*>(lfirst(lc));
        links_json.push_back({column_name(l->rel_a, l->att_a), column_name(l->rel_b, l->att_b)});
    }
    out["links"] = links_json;
    out["warnings"] = warnings;
}

}  // namespace

PGTV_FUNCTION(pg_tviews_analyze_select) {
    std::string sql = text_arg(fcinfo, 0);
    json out = {{"supported", true}, {"refusals", json::array()}};
    // Everything runs in a subtransaction rolled back afterwards: nothing is
    // created, no lock is kept, and a refusal is reported, not raised.
    with_locks_released([&] {
        try {
            analyze(sql, out);
        } catch (const PgException& e) {
            out["supported"] = false;
            out["refusals"].push_back(error_json(e.edata()));
        } catch (const TviewError& e) {
            out["supported"] = false;
            json r = {{"sqlstate", e.sqlstate}, {"message", e.what()}};
            if (!e.detail.empty()) r["detail"] = e.detail;
            if (!e.hint.empty()) r["hint"] = e.hint;
            out["refusals"].push_back(r);
        }
    });
    std::string text = out.dump();
    const char* c = text.c_str();
    return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(c)); });
}

PGTV_FUNCTION(pg_tviews_infer_types) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    std::string table = text_arg(fcinfo, 0);
    ArrayType* columns = PG_ARGISNULL(1) ? nullptr : PG_GETARG_ARRAYTYPE_P(1);
    const char* table_c = table.c_str();
    Oid relid = pg_call([&] {
        return RangeVarGetRelid(makeRangeVarFromNameList(qualified_name_list(table_c)), AccessShareLock, false);
    });
    json out = json::object();
    std::vector<std::string> wanted;
    if (columns) {
        Datum* elems = nullptr;
        bool* nulls = nullptr;
        int n = 0;
        pg_call([&] { deconstruct_array(columns, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n); });
        for (int i = 0; i < n; i++)
            if (!nulls[i]) wanted.push_back(pg_call([&] { return static_cast<const char*>(TextDatumGetCString(elems[i])); }));
    }
    TupleDesc desc = pg_call([&] {
        Relation rel = relation_open(relid, AccessShareLock);
        TupleDesc d = CreateTupleDescCopy(RelationGetDescr(rel));
        relation_close(rel, AccessShareLock);
        return d;
    });
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (att->attisdropped) continue;
        std::string name = NameStr(att->attname);
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
        out[name] = type_name(att->atttypid, att->atttypmod);
    }
    for (const auto& w : wanted)
        if (!out.contains(w))
            throw TviewError(sqlstate::kUndefinedColumn,
                             fmt::format("column \"{}\" of relation \"{}\" does not exist", w, table), "",
                             "Pass column names of the table, or NULL for all of them.");
    std::string text = out.dump();
    const char* c = text.c_str();
    return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(c)); });
}
