// The prepared plans of this backend (plan_cache.hpp): which statement
// text and parameter types each kind of plan is prepared from, and their
// lifetime, tied to the catalog entry they were made for.
#include "pg_tviews/pg/catalog/plan_cache.hpp"

#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/sql_api/shared_stats.hpp"

namespace pg_tviews::pg {

namespace {

// What a plan of `kind` is prepared from: its text and its parameters'
// types (InvalidOid: no such parameter).
struct Statement {
    std::string sql;
    Oid param = InvalidOid;
    Oid param2 = InvalidOid;
    Oid param3 = InvalidOid;
};

Statement statement_of(const TviewDef& d, PlanKind kind, std::size_t variant) {
    auto detail = static_cast<FeedDetail>(variant);
    switch (kind) {
        case PlanKind::kUpsert: return {upsert_changed_sql(refresh_target_of(d)), d.key.array_type};
        case PlanKind::kUpsertOne: return {upsert_one_sql(refresh_target_of(d)), d.key.param_type};
        case PlanKind::kFeedUpsert: return {upsert_changed_sql(refresh_target_of(d), detail), d.key.array_type};
        case PlanKind::kFeedUpsertOne: return {upsert_one_sql(refresh_target_of(d), detail), d.key.param_type};
        case PlanKind::kAllKeys: return {all_keys_sql(refresh_target_of(d))};
        case PlanKind::kNullKey: return {null_key_sql(refresh_target_of(d))};
        case PlanKind::kProbe: return {probe_rows_sql(refresh_target_of(d)), d.key.array_type};
        case PlanKind::kProbeAll: return {probe_rows_all_sql(refresh_target_of(d))};
        case PlanKind::kKeyOld: return {d.sources.at(variant).sql_old};
        case PlanKind::kKeyNew: return {d.sources.at(variant).sql_new};
        case PlanKind::kPatch: {
            const PatchPlan& p = d.patches.at(variant);
            return {p.sql, d.key.array_type, p.identity_array_type, p.identity_array_type};
        }
    }
    return {};
}

// The hit/miss figures a lookup of `kind` counts in (pg_tviews_cache_stats).
bool counted(PlanKind kind, CacheKind* cache) {
    if (kind == PlanKind::kUpsert) *cache = CacheKind::kTable;
    else if (kind == PlanKind::kKeyOld || kind == PlanKind::kKeyNew) *cache = CacheKind::kPlans;
    else return false;
    return true;
}

}  // namespace

PlanCache& plan_cache() {
    static PlanCache* cache = new PlanCache();
    return *cache;
}

SPIPlanPtr PlanCache::get(const TviewDef& d, PlanKind kind, std::size_t variant) {
    Slot slot{&d, kind, variant};
    auto it = plans_.find(slot);
    CacheKind cache{};
    bool count = counted(kind, &cache);
    if (it != plans_.end()) {
        if (count) count_cache(cache, true);
        return it->second;
    }
    Statement s = statement_of(d, kind, variant);
    Oid types[3] = {s.param, s.param2, s.param3};
    int nparams = s.param == InvalidOid ? 0 : s.param2 == InvalidOid ? 1 : s.param3 == InvalidOid ? 2 : 3;
    SPIPlanPtr plan = prepare_kept(s.sql, nparams, types);
    plans_.emplace(slot, plan);
    if (count) count_cache(cache, false);
    return plan;
}

const ReadColumns& PlanCache::key_columns(const TviewDef& d, std::size_t source) {
    auto key = std::make_pair(&d, source);
    auto it = key_columns_.find(key);
    if (it == key_columns_.end()) it = key_columns_.emplace(key, read_columns(get(d, PlanKind::kKeyOld, source))).first;
    return it->second;
}

void PlanCache::release(const TviewDef* d) noexcept {
    auto from = plans_.lower_bound(Slot{d, PlanKind::kUpsert, 0});
    auto to = from;
    while (to != plans_.end() && std::get<0>(to->first) == d) {
        SPI_freeplan(to->second);
        ++to;
    }
    plans_.erase(from, to);
    auto columns = key_columns_.lower_bound({d, 0});
    auto columns_end = columns;
    while (columns_end != key_columns_.end() && columns_end->first.first == d) ++columns_end;
    key_columns_.erase(columns, columns_end);
}

PlanCache::Counts PlanCache::counts() const noexcept {
    Counts c;
    for (const auto& [slot, plan] : plans_) {
        PlanKind kind = std::get<1>(slot);
        if (kind == PlanKind::kKeyOld || kind == PlanKind::kKeyNew) c.key++;
        else if (kind != PlanKind::kPatch) c.refresh++;
    }
    return c;
}

}  // namespace pg_tviews::pg
