// pg_tviews_patch_doc(stored, spec, VARIADIC values): what a patch
// statement (sql_text.cpp patch_sql) calls to set the leaves of one stored
// document column again, scalar leaves and leaves inside array elements.
//
// `spec` (a constant of the statement) lists, in the order of `values`:
//   {"p": [path]}                     a scalar leaf; its value is jsonb
//   {"a": [path], "l": [[leaf path], ...]}
//                                     the elements of the array at `path`;
//                                     its value is jsonb[], one entry per
//                                     element in the array's order: the leaf
//                                     itself (one leaf path) or a jsonb array
//                                     of the leaves' values (several); NULL
//                                     for an element to leave as it is
// Returns (fits, doc): doc is the document with every leaf that differs set
// (NULL: none differs); fits is false when the stored document does not
// have the shape the values describe (a leaf's path is missing, an array
// has another number of elements): the caller recomputes that document.
// A pure function of its arguments: it reads no table and takes no lock.
//
// Server C style (palloc, ereport), called inside pg_call.
#include "pg_tviews/pg/border/border.hpp"
#include "pg_tviews/pg/flush/jsonb_splice.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
}

using namespace pg_tviews;
using namespace pg_tviews::pg;

namespace {

struct Path {
    int n;
    JsonbStep* steps;  // keys
};

struct SpecItem {
    Path path;       // of the leaf, or of the array
    bool array;
    int nleaves;
    Path* leaves;    // inside each element
};

struct Spec {
    int n;
    SpecItem* items;
    Jsonb* source;  // a copy of the specification parsed
};

[[noreturn]] void bad_spec() {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("pg_tviews_patch_doc: the patch specification is not one pg_tviews wrote"),
                    errhint("Only pg_tviews' patch statements call this function.")));
}

// A JSON array of strings, as text datums.
Path path_of(JsonbValue* v) {
    if (v == nullptr || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data)) bad_spec();
    JsonbContainer* c = v->val.binary.data;
    Path p{static_cast<int>(JsonContainerSize(c)), nullptr};
    p.steps = static_cast<JsonbStep*>(palloc(sizeof(JsonbStep) * (p.n + 1)));
    for (int i = 0; i < p.n; i++) {
        JsonbValue* s = getIthJsonbValueFromContainer(c, static_cast<uint32>(i));
        if (s == nullptr || s->type != jbvString) bad_spec();
        p.steps[i] = JsonbStep{pnstrdup(s->val.string.val, s->val.string.len), s->val.string.len, 0};
    }
    return p;
}

JsonbValue* field(JsonbContainer* obj, const char* key) {
    JsonbValue k;
    k.type = jbvString;
    k.val.string.val = const_cast<char*>(key);
    k.val.string.len = static_cast<int>(strlen(key));
    return findJsonbValueFromContainer(obj, JB_FOBJECT, &k);
}

Spec* parse_spec(Jsonb* spec_doc, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    if (!JB_ROOT_IS_ARRAY(spec_doc) || JB_ROOT_IS_SCALAR(spec_doc)) bad_spec();
    auto* spec = static_cast<Spec*>(palloc0(sizeof(Spec)));
    spec->source = static_cast<Jsonb*>(palloc(VARSIZE(spec_doc)));
    memcpy(spec->source, spec_doc, VARSIZE(spec_doc));
    spec->n = static_cast<int>(JB_ROOT_COUNT(spec_doc));
    spec->items = static_cast<SpecItem*>(palloc0(sizeof(SpecItem) * (spec->n + 1)));
    for (int i = 0; i < spec->n; i++) {
        JsonbValue* item = getIthJsonbValueFromContainer(&spec_doc->root, static_cast<uint32>(i));
        if (item == nullptr || item->type != jbvBinary || !JsonContainerIsObject(item->val.binary.data)) bad_spec();
        JsonbContainer* obj = item->val.binary.data;
        SpecItem& it = spec->items[i];
        if (JsonbValue* p = field(obj, "p")) {
            it.path = path_of(p);
            continue;
        }
        it.array = true;
        it.path = path_of(field(obj, "a"));
        JsonbValue* leaves = field(obj, "l");
        if (leaves == nullptr || leaves->type != jbvBinary || !JsonContainerIsArray(leaves->val.binary.data))
            bad_spec();
        it.nleaves = static_cast<int>(JsonContainerSize(leaves->val.binary.data));
        if (it.nleaves == 0) bad_spec();
        it.leaves = static_cast<Path*>(palloc(sizeof(Path) * it.nleaves));
        for (int j = 0; j < it.nleaves; j++)
            it.leaves[j] = path_of(getIthJsonbValueFromContainer(leaves->val.binary.data, static_cast<uint32>(j)));
    }
    MemoryContextSwitchTo(old);
    return spec;
}

Jsonb* json_null() {
    JsonbValue v;
    v.type = jbvNull;
    return JsonbValueToJsonb(&v);
}

struct Doc {
    Jsonb* doc;
    bool changed;
    bool fits;
};

// The steps prefix, then element `index` (when >= 0), then rest.
JsonbStep* steps_of(const Path& prefix, int index, const Path* rest, int* n) {
    *n = prefix.n + (index >= 0 ? 1 : 0) + (rest ? rest->n : 0);
    auto* steps = static_cast<JsonbStep*>(palloc(sizeof(JsonbStep) * (*n + 1)));
    int at = 0;
    for (int i = 0; i < prefix.n; i++) steps[at++] = prefix.steps[i];
    if (index >= 0) steps[at++] = JsonbStep{nullptr, 0, index};
    if (rest)
        for (int i = 0; i < rest->n; i++) steps[at++] = rest->steps[i];
    return steps;
}

// Sets the leaf at `path` (prefix, then index, then rest) to `value` when
// its image differs; a missing leaf means the document has another shape.
void set_leaf(Doc& d, const Path& prefix, int index, const Path* rest, Jsonb* value) {
    int n = 0;
    JsonbStep* steps = steps_of(prefix, index, rest, &n);
    JsonbPlace place = jsonb_locate(d.doc, steps, n);
    if (!place.found) {
        d.fits = false;
        return;
    }
    if (jsonb_same_at(d.doc, place, value)) return;
    d.doc = jsonb_replace_at(d.doc, place, value);
    d.changed = true;
}

// The number of elements of the array at `path`, or -1 when it is not an
// array; a JSON null or a missing array (no rows, no COALESCE) counts 0.
int array_length_at(Jsonb* doc, const Path& path) {
    JsonbPlace place = jsonb_locate(doc, path.steps, path.n);
    if (!place.found) return path.n > 0 ? 0 : -1;
    return jsonb_array_length_at(doc, place);
}

void patch_elements(Doc& d, const SpecItem& it, ArrayType* values) {
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    if (values) {
        if (ARR_ELEMTYPE(values) != JSONBOID) bad_spec();
        deconstruct_array(values, JSONBOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    }
    int have = array_length_at(d.doc, it.path);
    if (have != n) {
        d.fits = false;
        return;
    }
    for (int e = 0; e < n && d.fits; e++) {
        // NULL: an element the statement did not read again (its row did
        // not change); JSON null is written 'null'.
        if (nulls[e]) continue;
        Jsonb* element = DatumGetJsonbP(elems[e]);
        for (int j = 0; j < it.nleaves && d.fits; j++) {
            Jsonb* value = element;
            if (it.nleaves > 1) {
                JsonbValue* v = JB_ROOT_IS_ARRAY(element) && !JB_ROOT_IS_SCALAR(element)
                                    ? getIthJsonbValueFromContainer(&element->root, static_cast<uint32>(j))
                                    : nullptr;
                if (v == nullptr) bad_spec();
                value = JsonbValueToJsonb(v);
            }
            set_leaf(d, it.path, e, &it.leaves[j], value);
        }
    }
}

Datum patch_doc(FunctionCallInfo fcinfo) {
    TupleDesc result_desc;
    if (get_call_result_type(fcinfo, nullptr, &result_desc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("pg_tviews_patch_doc must return a row")));
    result_desc = BlessTupleDesc(result_desc);
    if (PG_ARGISNULL(1)) bad_spec();
    // The parsed specification is kept for the next row, as long as the
    // next row passes the same one (a statement's constant always does).
    Jsonb* spec_doc = PG_GETARG_JSONB_P(1);
    auto* spec = static_cast<Spec*>(fcinfo->flinfo->fn_extra);
    if (spec == nullptr || VARSIZE(spec->source) != VARSIZE(spec_doc) ||
        memcmp(spec->source, spec_doc, VARSIZE(spec_doc)) != 0) {
        spec = parse_spec(spec_doc, fcinfo->flinfo->fn_mcxt);
        fcinfo->flinfo->fn_extra = spec;
    }
    if (PG_NARGS() != 2 + spec->n) bad_spec();
    Doc d{nullptr, false, !PG_ARGISNULL(0)};
    if (d.fits) d.doc = PG_GETARG_JSONB_P(0);
    for (int i = 0; i < spec->n && d.fits; i++) {
        const SpecItem& it = spec->items[i];
        Oid type = get_fn_expr_argtype(fcinfo->flinfo, 2 + i);
        if (it.array) {
            if (type != JSONBARRAYOID) bad_spec();
            patch_elements(d, it, PG_ARGISNULL(2 + i) ? nullptr : PG_GETARG_ARRAYTYPE_P(2 + i));
        } else {
            if (type != JSONBOID) bad_spec();
            set_leaf(d, it.path, -1, nullptr, PG_ARGISNULL(2 + i) ? json_null() : PG_GETARG_JSONB_P(2 + i));
        }
    }
    Datum values[2] = {BoolGetDatum(d.fits), d.fits && d.changed ? JsonbPGetDatum(d.doc) : Datum(0)};
    bool nulls[2] = {false, !(d.fits && d.changed)};
    return HeapTupleGetDatum(heap_form_tuple(result_desc, values, nulls));
}

}  // namespace

PGTV_FUNCTION(pg_tviews_patch_doc) {
    return pg_call([&] { return patch_doc(fcinfo); });
}
