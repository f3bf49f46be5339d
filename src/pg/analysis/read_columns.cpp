// The columns of the changed rows each key query reads (from its prepared
// plan), and the multiset comparison of OLD and NEW rows over them
// (read_columns.hpp). Runs at capture time; no state.
#include "pg_tviews/pg/analysis/read_columns.hpp"

#include <algorithm>
#include <string>

#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/capture/transition_rows.hpp"
#include "pg_tviews/pg/analysis/view_analysis.hpp"

namespace pg_tviews::pg {

namespace {

// C style (runs inside pg_call): collects the attribute numbers of Vars
// that point at a named tuplestore (the transition table) from any level.
struct ColumnWalk {
    List* stack;  // Query*, outermost first
    Bitmapset* attnos;
    bool whole_row;
};

// A column (varno, attno) of query q: of the transition table, or of a join
// whose alias list leads to it (join alias lists are not walked themselves:
// they name every column of both sides, read or not).
void note_var(ColumnWalk* w, Query* q, int varno, AttrNumber attno, int depth) {
    if (varno < 1 || varno > list_length(q->rtable) || depth > 32) return;
    RangeTblEntry* rte = rt_fetch(varno, q->rtable);
    if (rte->rtekind == RTE_NAMEDTUPLESTORE) {
        if (attno <= 0)
            w->whole_row = true;
        else
            w->attnos = bms_add_member(w->attnos, attno);
    } else if (rte->rtekind == RTE_JOIN) {
        if (attno <= 0 || attno > list_length(rte->joinaliasvars)) {
            w->whole_row = true;  // the whole joined row: be safe
            return;
        }
        Node* alias = static_cast<Node*>(list_nth(rte->joinaliasvars, attno - 1));
        while (alias && IsA(alias, RelabelType)) alias = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(alias)->arg);
        if (alias && IsA(alias, Var) && reinterpret_cast<Var*>(alias)->varlevelsup == 0) {
            auto* v = reinterpret_cast<Var*>(alias);
            note_var(w, q, v->varno, v->varattno, depth + 1);
        } else if (alias) {
            w->whole_row = true;  // a merged USING column (COALESCE): be safe
        }
    }
}

bool column_walker(Node* node, void* raw) {
    if (node == nullptr) return false;
    auto* w = static_cast<ColumnWalk*>(raw);
    if (IsA(node, Query)) {
        w->stack = lappend(w->stack, node);
        bool r = query_tree_walker(reinterpret_cast<Query*>(node), PGTV_WALKER(column_walker), raw,
                                   QTW_IGNORE_JOINALIASES);
        w->stack = list_delete_last(w->stack);
        return r;
    }
    if (IsA(node, Var)) {
        auto* var = reinterpret_cast<Var*>(node);
        int level = list_length(w->stack) - 1 - static_cast<int>(var->varlevelsup);
        if (level >= 0) note_var(w, static_cast<Query*>(list_nth(w->stack, level)), var->varno, var->varattno, 0);
        return false;
    }
    return expression_tree_walker(node, PGTV_WALKER(column_walker), raw);
}

// The values of `cols` in the slot's row, as one byte string.
std::string image_of(TupleTableSlot* slot, TupleDesc desc, const std::vector<AttrNumber>& cols) {
    std::string out;
    for (AttrNumber attno : cols) {
        bool isnull = true;
        Datum value = pg_call([&] { return slot_getattr(slot, attno, &isnull); });
        if (isnull) {
            out += 'N';
            continue;
        }
        Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
        out += 'V';
        if (att->attbyval) {
            out.append(reinterpret_cast<const char*>(&value), sizeof value);
        } else if (att->attlen == -1) {
            struct varlena* v = pg_call([&] { return PG_DETOAST_DATUM_PACKED(value); });
            std::size_t len = VARSIZE_ANY_EXHDR(v);
            out.append(reinterpret_cast<const char*>(&len), sizeof len);
            out.append(VARDATA_ANY(v), len);
        } else {
            std::size_t len = att->attlen > 0 ? static_cast<std::size_t>(att->attlen)
                                              : std::char_traits<char>::length(DatumGetCString(value)) + 1;
            out.append(reinterpret_cast<const char*>(&len), sizeof len);
            out.append(DatumGetPointer(value), len);
        }
    }
    return out;
}

std::vector<std::string> images(Tuplestorestate* rows, TupleDesc desc, const std::vector<AttrNumber>& cols) {
    std::vector<std::string> out;
    for_each_row(rows, desc, [&](TupleTableSlot* slot) { out.push_back(image_of(slot, desc, cols)); });
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

ReadColumns read_columns(SPIPlanPtr plan) {
    Bitmapset* attnos = nullptr;
    bool whole_row = false;
    bool ok = pg_call([&] {
        List* sources = SPI_plan_get_plan_sources(plan);
        if (sources == NIL) return false;
        ListCell* lc;
        foreach (lc, sources) {
            auto* ps = static_cast<CachedPlanSource*>(lfirst(lc));
            ListCell* qc;
            foreach (qc, ps->query_list) {
                ColumnWalk w{NIL, attnos, false};
                column_walker(static_cast<Node*>(lfirst(qc)), &w);
                attnos = w.attnos;
                whole_row = whole_row || w.whole_row;
            }
        }
        return true;
    });
    ReadColumns out;
    out.whole_row = whole_row || !ok;
    int member = -1;
    while ((member = pg_call([&] { return bms_next_member(attnos, member); })) >= 0)
        out.attnos.push_back(static_cast<AttrNumber>(member));
    return out;
}

namespace {

std::vector<AttrNumber> attnos_of(TupleDesc desc, const ReadColumns& cols) {
    if (!cols.whole_row) return cols.attnos;
    std::vector<AttrNumber> attnos;
    for (int i = 0; i < desc->natts; i++)
        if (!TupleDescAttr(desc, i)->attisdropped) attnos.push_back(static_cast<AttrNumber>(i + 1));
    return attnos;
}

}  // namespace

bool same_rows_in(Tuplestorestate* a, Tuplestorestate* b, TupleDesc desc, const ReadColumns& cols) {
    std::vector<AttrNumber> attnos = attnos_of(desc, cols);
    return images(a, desc, attnos) == images(b, desc, attnos);
}

bool same_rows_pairwise(Tuplestorestate* a, Tuplestorestate* b, TupleDesc desc, const ReadColumns& cols) {
    if (a == nullptr || b == nullptr) return false;
    if (pg_call([&] { return tuplestore_tuple_count(a) != tuplestore_tuple_count(b); })) return false;
    std::vector<AttrNumber> attnos = attnos_of(desc, cols);
    TupleTableSlot* slot_a = start_reading(a, desc);
    TupleTableSlot* slot_b = start_reading(b, desc);
    bool same = true;
    for (;;) {
        // Each store has its own selected read pointer: the two reads do
        // not disturb each other.
        bool more_a = next_row(a, slot_a);
        bool more_b = next_row(b, slot_b);
        if (!more_a || !more_b) {
            same = more_a == more_b;
            break;
        }
        if (image_of(slot_a, desc, attnos) != image_of(slot_b, desc, attnos)) {
            same = false;
            break;
        }
    }
    stop_reading(a, slot_a);
    stop_reading(b, slot_b);
    return same;
}

}  // namespace pg_tviews::pg
