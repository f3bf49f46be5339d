// Reading and replacing one value inside a stored jsonb document by bytes
// (jsonb_splice.cpp): what patching needs without unpacking the document.
// jsonb_set() unpacks every token of the document and builds it again; a
// splice copies every untouched child as the bytes it already is, so
// setting a leaf costs about one copy of the document.
//
// Server C style (palloc, ereport), called inside pg_call.
#pragma once

#include "pg_tviews/pg/border/postgres.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace pg_tviews::pg {

// One step of a path: an object's key (`key`, `len`) or, with key NULL, an
// array's element `index`.
struct JsonbStep {
    const char* key;
    int len;
    int index;
};

// Where a value sits in a document: the storage position of the child at
// each step. `found` false: a step is missing (a key, an index, or a value
// on the way is not a container).
struct JsonbPlace {
    bool found;
    int depth;
    int* positions;
    JsonbContainer* parent;  // holding the value (nullptr: the root itself)
};

JsonbPlace jsonb_locate(Jsonb* doc, const JsonbStep* steps, int n);
// Whether the value at `place` has the same image as `value` (equal bytes:
// jsonb is canonical, so equal values with equal numeric scales).
bool jsonb_same_at(Jsonb* doc, const JsonbPlace& place, Jsonb* value);
// The number of elements of the array at `place`: 0 for a JSON null, -1
// for anything else that is not an array.
int jsonb_array_length_at(Jsonb* doc, const JsonbPlace& place);
// A new document: `doc` with the value at `place` (found) replaced.
Jsonb* jsonb_replace_at(Jsonb* doc, const JsonbPlace& place, Jsonb* value);

}  // namespace pg_tviews::pg
