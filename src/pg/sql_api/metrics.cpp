// One pg_tviews_metrics row per committing transaction that refreshed
// TVIEWs (metrics.hpp), written at PRE_COMMIT in that transaction.
#include "pg_tviews/pg/sql_api/metrics.hpp"

#include <string>
#include <vector>

#include "pg_tviews/core/sql_text.hpp"
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/catalog/catalog.hpp"
#include "pg_tviews/pg/flush/flush.hpp"
#include "pg_tviews/pg/catalog/metadata.hpp"
#include "pg_tviews/pg/border/run_as.hpp"
#include "pg_tviews/pg/border/spi.hpp"
#include "pg_tviews/pg/catalog/state.hpp"

namespace pg_tviews::pg {


void record_transaction_metrics() {
    BackendState& b = backend();
    if (!settings().metrics_enabled || b.xact.tviews.empty()) return;
    std::string metrics = metrics_table_name();
    if (metrics.empty()) return;
    // At PRE_COMMIT no statement's snapshot is active any more, and
    // reloading the definitions (invalidated by this transaction's DDL)
    // runs SQL too.
    bool pushed = pg_call([] {
        if (ActiveSnapshotSet()) return false;
        PushActiveSnapshot(GetTransactionSnapshot());
        return true;
    });
    std::vector<std::string> entities;
    Catalog& cat = catalog();
    cat.ensure_loaded();
    for (Oid t : b.xact.tviews)
        if (TviewPtr d = cat.find(t)) entities.push_back(d->entity);
    std::string entity_list = text_array_literal(entities);
    const XactFigures& x = b.xact;
    Oid types[10] = {TEXTOID, XIDOID, TEXTOID, INT8OID, INT4OID, FLOAT8OID, BOOLOID, INT4OID, INT8OID, TEXTOID};
    Datum values[10];
    char nulls[11] = "          ";
    const char* app = application_name ? application_name : "";
    pg_call([&] {
        TransactionId xid = GetTopTransactionIdIfAny();
        values[0] = CStringGetTextDatum(app);
        values[1] = TransactionIdGetDatum(xid);
        values[2] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
        values[3] = Int64GetDatum(static_cast<int64>(x.keys));
        values[4] = Int32GetDatum(static_cast<int32>(x.tviews.size()));
        values[5] = Float8GetDatum(x.ms);
        values[6] = BoolGetDatum(x.graph_first == 1);
        values[7] = Int32GetDatum(static_cast<int32>(x.full_refreshes));
        values[8] = Int64GetDatum(static_cast<int64>(x.rows_written));
        values[9] = CStringGetTextDatum(entity_list.c_str());
        if (!TransactionIdIsValid(xid)) nulls[1] = 'n';
    });
    // The metrics table is the extension's: written as its owner.
    RunAsExtension as_extension;
    Spi spi;
    spi.exec_params(metrics_insert_sql(metrics), 10, types, values, nulls);
    spi.finish();
    if (pushed) pg_call([] { PopActiveSnapshot(); });
}

}  // namespace pg_tviews::pg
