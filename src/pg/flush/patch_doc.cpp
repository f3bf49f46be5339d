// pg_tviews_patch_doc(stored, spec, VARIADIC values): what a patch
// statement (sql_text.cpp patch_sql) calls to set the leaves of one stored
// document column again, scalar leaves and leaves inside array elements.
//
// `spec` (a constant of the statement) lists, in the order of `values`:
//   {"p": [path]}                     a scalar leaf; its value is jsonb
//   {"a": [path], "l": [[leaf path] or {"a": ..., "l": ...}, ...]}
//                                     the elements of the array at `path`;
//                                     its value is jsonb[], one entry per
//                                     element in the array's order: the
//                                     value of the one entry of "l", or a
//                                     jsonb array of one value per entry
//                                     (several); NULL for an element to
//                                     leave as it is. An entry {"a", "l"} is
//                                     an array inside each element (at that
//                                     path in it): its value is a jsonb
//                                     array of its elements' values, read
//                                     the same way (every one set)
//   {"a": [path], "k": [key path], "l": [...]}
//                                     the same, its elements found by the
//                                     key at `key path` inside each: its
//                                     value is a jsonb object from the text
//                                     of a key to that element's value (as
//                                     above); elements whose key it does
//                                     not name are left as they are
// Returns (fits, doc): doc is the document with every leaf that differs set
// (NULL: none differs); fits is false when the stored document does not
// have the shape the values describe (a leaf's path is missing, an array
// has another number of elements): the caller recomputes that document.
// A pure function of its arguments: it reads no table and takes no lock.
//
// Server C style (palloc, ereport), called inside pg_call.
#include "pg_tviews/core/sql_text.hpp"
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

struct Entry;

struct SpecItem {
    Path path;       // of the leaf, or of the array
    bool array;
    bool keyed;      // an array whose elements are found by `key`
    Path key;
    int nentries;
    Entry* entries;  // inside each element
};

struct Entry {
    Path leaf;        // a leaf inside the element
    SpecItem* inner;  // or an array inside the element
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

// {"a": path, "l": entries} into `it`; `depth` arrays above it.
void parse_array(JsonbContainer* obj, SpecItem& it, int depth) {
    if (depth >= kMostNestedArrays) bad_spec();
    it.array = true;
    it.path = path_of(field(obj, "a"));
    JsonbValue* entries = field(obj, "l");
    if (entries == nullptr || entries->type != jbvBinary || !JsonContainerIsArray(entries->val.binary.data))
        bad_spec();
    it.nentries = static_cast<int>(JsonContainerSize(entries->val.binary.data));
    if (it.nentries == 0) bad_spec();
    it.entries = static_cast<Entry*>(palloc0(sizeof(Entry) * it.nentries));
    for (int j = 0; j < it.nentries; j++) {
        JsonbValue* e = getIthJsonbValueFromContainer(entries->val.binary.data, static_cast<uint32>(j));
        if (e != nullptr && e->type == jbvBinary && JsonContainerIsObject(e->val.binary.data)) {
            it.entries[j].inner = static_cast<SpecItem*>(palloc0(sizeof(SpecItem)));
            parse_array(e->val.binary.data, *it.entries[j].inner, depth + 1);
        } else {
            it.entries[j].leaf = path_of(e);
        }
    }
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
        parse_array(obj, it, 0);
        if (JsonbValue* k = field(obj, "k")) {
            it.keyed = true;
            it.key = path_of(k);
            if (it.key.n == 0) bad_spec();
            for (int j = 0; j < it.nentries; j++)
                if (it.entries[j].inner) bad_spec();  // keyed arrays hold no arrays
        }
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

// A path under construction: the steps to an element, then more.
struct Steps {
    int n;
    JsonbStep* steps;
};

// `at`, then `rest` (keys), then element `index` when >= 0.
Steps extend(const Steps& at, const Path& rest, int index) {
    Steps out{at.n + rest.n + (index >= 0 ? 1 : 0), nullptr};
    out.steps = static_cast<JsonbStep*>(palloc(sizeof(JsonbStep) * (out.n + 1)));
    int k = 0;
    for (int i = 0; i < at.n; i++) out.steps[k++] = at.steps[i];
    for (int i = 0; i < rest.n; i++) out.steps[k++] = rest.steps[i];
    if (index >= 0) out.steps[k++] = JsonbStep{nullptr, 0, index};
    return out;
}

// Sets the leaf at `path` to `value` when its image differs; a missing
// leaf means the document has another shape.
void set_leaf(Doc& d, const Steps& path, Jsonb* value) {
    JsonbPlace place = jsonb_locate(d.doc, path.steps, path.n);
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
int array_length_at(Jsonb* doc, const Steps& path) {
    JsonbPlace place = jsonb_locate(doc, path.steps, path.n);
    if (!place.found) return path.n > 0 ? 0 : -1;
    return jsonb_array_length_at(doc, place);
}

void patch_element(Doc& d, const SpecItem& it, const Steps& element, const JsonbValue* value);

// The elements at `array` against `values` (a JSON array, or null for none).
void patch_nested(Doc& d, const SpecItem& it, const Steps& array, const JsonbValue* values) {
    int n = 0;
    JsonbContainer* c = nullptr;
    if (values->type == jbvBinary && JsonContainerIsArray(values->val.binary.data)) {
        c = values->val.binary.data;
        n = static_cast<int>(JsonContainerSize(c));
    } else if (values->type != jbvNull) {
        bad_spec();
    }
    if (array_length_at(d.doc, array) != n) {
        d.fits = false;
        return;
    }
    for (int e = 0; e < n && d.fits; e++) {
        JsonbValue* v = getIthJsonbValueFromContainer(c, static_cast<uint32>(e));
        patch_element(d, it, extend(array, Path{0, nullptr}, e), v);
    }
}

// One element's entries from its value: the value of the one entry, or a
// JSON array of one value per entry.
void patch_element(Doc& d, const SpecItem& it, const Steps& element, const JsonbValue* value) {
    for (int j = 0; j < it.nentries && d.fits; j++) {
        const JsonbValue* v = value;
        if (it.nentries > 1) {
            v = value->type == jbvBinary && JsonContainerIsArray(value->val.binary.data)
                    ? getIthJsonbValueFromContainer(value->val.binary.data, static_cast<uint32>(j))
                    : nullptr;
            if (v == nullptr) bad_spec();
        }
        const Entry& entry = it.entries[j];
        if (entry.inner)
            patch_nested(d, *entry.inner, extend(element, entry.inner->path, -1), v);
        else
            set_leaf(d, extend(element, entry.leaf, -1), JsonbValueToJsonb(const_cast<JsonbValue*>(v)));
    }
}

// The root value of a jsonb (a scalar's, or its container).
JsonbValue root_value(Jsonb* j) {
    if (JB_ROOT_IS_SCALAR(j)) return *getIthJsonbValueFromContainer(&j->root, 0);
    JsonbValue v;
    v.type = jbvBinary;
    v.val.binary.data = &j->root;
    v.val.binary.len = static_cast<int>(VARSIZE(j) - VARHDRSZ);
    return v;
}

void patch_elements(Doc& d, const SpecItem& it, ArrayType* values) {
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    if (values) {
        if (ARR_ELEMTYPE(values) != JSONBOID) bad_spec();
        deconstruct_array(values, JSONBOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    }
    Steps array = extend(Steps{0, nullptr}, it.path, -1);
    if (array_length_at(d.doc, array) != n) {
        d.fits = false;
        return;
    }
    for (int e = 0; e < n && d.fits; e++) {
        // NULL: an element the statement did not read again (its row did
        // not change); JSON null is written 'null'.
        if (nulls[e]) continue;
        Steps element = extend(array, Path{0, nullptr}, e);
        if (it.nentries == 1 && it.entries[0].inner == nullptr) {
            // One leaf (an embedded document, say): the value as it came.
            set_leaf(d, extend(element, it.entries[0].leaf, -1), DatumGetJsonbP(elems[e]));
            continue;
        }
        JsonbValue v = root_value(DatumGetJsonbP(elems[e]));
        patch_element(d, it, element, &v);
    }
}

// The text a keyed array's map names an element by (the text of the
// column, as `::text` prints it): a JSON string's characters, a number's
// digits; false for anything else (no element to find).
bool key_text(const JsonbValue* v, const char** text, int* len) {
    if (v->type == jbvString) {
        *text = v->val.string.val;
        *len = v->val.string.len;
        return true;
    }
    if (v->type == jbvNumeric) {
        *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
        *len = static_cast<int>(strlen(*text));
        return true;
    }
    return false;
}

// The value at the keys `path` below container value `v`, or nullptr.
JsonbValue* value_below(JsonbValue* v, const Path& path) {
    for (int i = 0; i < path.n; i++) {
        if (v == nullptr || v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data)) return nullptr;
        JsonbValue k;
        k.type = jbvString;
        k.val.string.val = const_cast<char*>(path.steps[i].key);
        k.val.string.len = path.steps[i].len;
        v = findJsonbValueFromContainer(v->val.binary.data, JB_FOBJECT, &k);
    }
    return v;
}

// A keyed array: each element whose key `map` names gets that value. An
// element without the key (another shape) makes the document not fit.
void patch_keyed(Doc& d, const SpecItem& it, Jsonb* map) {
    if (map == nullptr) return;  // no changed row: nothing to find
    if (JB_ROOT_IS_SCALAR(map) || !JB_ROOT_IS_OBJECT(map)) bad_spec();
    if (JB_ROOT_COUNT(map) == 0) return;
    // The elements as stored: setting leaves makes new documents, the
    // positions stay.
    JsonbValue root = root_value(d.doc);
    JsonbValue* at = value_below(&root, it.path);
    if (at == nullptr || at->type == jbvNull) return;  // no array (no rows, no COALESCE): nothing to find
    if (at->type != jbvBinary || !JsonContainerIsArray(at->val.binary.data)) {
        d.fits = false;
        return;
    }
    Steps array = extend(Steps{0, nullptr}, it.path, -1);
    JsonbContainer* elements = at->val.binary.data;
    int n = static_cast<int>(JsonContainerSize(elements));
    for (int e = 0; e < n && d.fits; e++) {
        JsonbValue* element = getIthJsonbValueFromContainer(elements, static_cast<uint32>(e));
        JsonbValue* key = value_below(element, it.key);
        if (key == nullptr) {
            d.fits = false;
            return;
        }
        const char* text = nullptr;
        int len = 0;
        if (!key_text(key, &text, &len)) continue;
        JsonbValue name;
        name.type = jbvString;
        name.val.string.val = const_cast<char*>(text);
        name.val.string.len = len;
        JsonbValue* value = findJsonbValueFromContainer(&map->root, JB_FOBJECT, &name);
        if (value == nullptr) continue;
        Steps at_element = extend(array, Path{0, nullptr}, e);
        if (it.nentries == 1)
            set_leaf(d, extend(at_element, it.entries[0].leaf, -1), JsonbValueToJsonb(value));
        else
            patch_element(d, it, at_element, value);
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
        if (it.keyed) {
            if (type != JSONBOID) bad_spec();
            patch_keyed(d, it, PG_ARGISNULL(2 + i) ? nullptr : PG_GETARG_JSONB_P(2 + i));
        } else if (it.array) {
            if (type != JSONBARRAYOID) bad_spec();
            patch_elements(d, it, PG_ARGISNULL(2 + i) ? nullptr : PG_GETARG_ARRAYTYPE_P(2 + i));
        } else {
            if (type != JSONBOID) bad_spec();
            set_leaf(d, extend(Steps{0, nullptr}, it.path, -1),
                     PG_ARGISNULL(2 + i) ? json_null() : PG_GETARG_JSONB_P(2 + i));
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
