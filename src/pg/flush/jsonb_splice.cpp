// Byte-level reading and replacing of one value in a jsonb document (see
// jsonb_splice.hpp).
//
// The layout (PostgreSQL's utils/jsonb.h): a container is a header word
// (count and kind), one JEntry per child (objects: every key, sorted, then
// every value in the same order), then the children's data. A JEntry holds
// the child's type and its length, or, every JB_OFFSET_STRIDE children, the
// end offset of its data instead. Numerics and containers start 4-aligned;
// the padding before them counts in their length. Offsets inside a
// container are relative to its data area, so a child's bytes can move to
// another 4-aligned place unchanged: a replacement writes again only the
// containers on the path, and copies the other children as they are.
#include "pg_tviews/pg/flush/jsonb_splice.hpp"

namespace pg_tviews::pg {

namespace {

int entries_of(const JsonbContainer* c) {
    int count = static_cast<int>(c->header & JB_CMASK);
    return (c->header & JB_FOBJECT) ? 2 * count : count;
}

// A child's data: its type and its bytes without the padding before it.
struct Child {
    uint32 type;
    const char* data;
    uint32 len;
};

Child child_of(const JsonbContainer* c, int position) {
    const char* base = reinterpret_cast<const char*>(&c->children[entries_of(c)]);
    uint32 off = getJsonbOffset(c, position);
    uint32 len = getJsonbLength(c, position);
    uint32 type = c->children[position] & JENTRY_TYPEMASK;
    if (type == JENTRY_ISNUMERIC || type == JENTRY_ISCONTAINER) {
        uint32 aligned = INTALIGN(off);
        return Child{type, base + aligned, len - (aligned - off)};
    }
    return Child{type, base + off, len};
}

// The value `v` is, as a child: a raw scalar's only element, or its root.
Child child_of_value(Jsonb* v) {
    if (JB_ROOT_IS_SCALAR(v)) return child_of(&v->root, 0);
    return Child{JENTRY_ISCONTAINER, reinterpret_cast<const char*>(&v->root), VARSIZE(v) - VARHDRSZ};
}

const JsonbContainer* as_container(const Child& c) {
    return c.type == JENTRY_ISCONTAINER ? reinterpret_cast<const JsonbContainer*>(c.data) : nullptr;
}

// The storage position of `step` in `c`, or -1.
int position_of(const JsonbContainer* c, const JsonbStep& step) {
    int count = static_cast<int>(c->header & JB_CMASK);
    if (c->header & JB_FSCALAR) return -1;
    if (step.key == nullptr) {
        if (!(c->header & JB_FARRAY) || step.index < 0 || step.index >= count) return -1;
        return step.index;
    }
    if (!(c->header & JB_FOBJECT)) return -1;
    for (int k = 0; k < count; k++) {
        Child key = child_of(c, k);
        if (key.len == static_cast<uint32>(step.len) && memcmp(key.data, step.key, key.len) == 0) return count + k;
    }
    return -1;
}

void pad_to_int(StringInfo out) {
    while (out->len % 4 != 0) appendStringInfoCharMacro(out, '\0');
}

// Appends `child` (padded when it must be aligned); returns its JEntry type.
uint32 append_child(StringInfo out, const Child& child) {
    if (child.type == JENTRY_ISNUMERIC || child.type == JENTRY_ISCONTAINER) pad_to_int(out);
    appendBinaryStringInfo(out, child.data, static_cast<int>(child.len));
    return child.type;
}

// Appends container `c` with the child at positions[depth..] replaced by
// `value`; returns the bytes appended (with the padding before it).
uint32 append_replaced(StringInfo out, const JsonbContainer* c, const JsonbPlace& place, int depth, Jsonb* value) {
    int start = out->len;
    pad_to_int(out);
    int n = entries_of(c);
    appendBinaryStringInfo(out, reinterpret_cast<const char*>(&c->header), sizeof(uint32));
    int entries_at = out->len;
    for (int i = 0; i < n; i++) appendBinaryStringInfo(out, "\0\0\0\0", 4);
    uint32 total = 0;
    for (int i = 0; i < n; i++) {
        int before = out->len;
        uint32 type;
        if (i != place.positions[depth]) {
            type = append_child(out, child_of(c, i));
        } else if (depth + 1 == place.depth) {
            type = append_child(out, child_of_value(value));
        } else {
            (void)append_replaced(out, as_container(child_of(c, i)), place, depth + 1, value);
            type = JENTRY_ISCONTAINER;
        }
        auto len = static_cast<uint32>(out->len - before);
        total += len;
        if (total > JENTRY_OFFLENMASK)
            ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                            errmsg("total size of jsonb array elements exceeds the maximum of %d bytes",
                                   JENTRY_OFFLENMASK)));
        uint32 meta = (i % JB_OFFSET_STRIDE) == 0 ? (type | total | JENTRY_HAS_OFF) : (type | len);
        memcpy(out->data + entries_at + 4 * i, &meta, sizeof(meta));
    }
    return static_cast<uint32>(out->len - start);
}

Child value_at(Jsonb* doc, const JsonbPlace& place) {
    if (place.parent == nullptr) return child_of_value(doc);
    return child_of(place.parent, place.positions[place.depth - 1]);
}

}  // namespace

JsonbPlace jsonb_locate(Jsonb* doc, const JsonbStep* steps, int n) {
    JsonbPlace place{false, n, static_cast<int*>(palloc(sizeof(int) * (n + 1))), nullptr};
    const JsonbContainer* c = &doc->root;
    for (int i = 0; i < n; i++) {
        if (c == nullptr) return place;
        int p = position_of(c, steps[i]);
        if (p < 0) return place;
        place.positions[i] = p;
        place.parent = const_cast<JsonbContainer*>(c);
        c = as_container(child_of(c, p));
    }
    place.found = true;
    return place;
}

bool jsonb_same_at(Jsonb* doc, const JsonbPlace& place, Jsonb* value) {
    Child a = value_at(doc, place);
    Child b = child_of_value(value);
    return a.type == b.type && a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
}

int jsonb_array_length_at(Jsonb* doc, const JsonbPlace& place) {
    Child v = value_at(doc, place);
    if (v.type == JENTRY_ISNULL) return 0;
    const JsonbContainer* c = as_container(v);
    if (c == nullptr || !(c->header & JB_FARRAY)) return -1;
    if (c->header & JB_FSCALAR) {
        // the root of a raw scalar: null counts as no array
        return child_of(c, 0).type == JENTRY_ISNULL ? 0 : -1;
    }
    return static_cast<int>(c->header & JB_CMASK);
}

Jsonb* jsonb_replace_at(Jsonb* doc, const JsonbPlace& place, Jsonb* value) {
    if (place.depth == 0) return value;
    StringInfoData out;
    initStringInfo(&out);
    enlargeStringInfo(&out, static_cast<int>(VARSIZE(doc) + VARSIZE(value)));
    appendBinaryStringInfo(&out, "\0\0\0\0", VARHDRSZ);  // the varlena header, written last
    (void)append_replaced(&out, &doc->root, place, 0, value);
    auto* result = reinterpret_cast<Jsonb*>(out.data);
    SET_VARSIZE(result, out.len);
    return result;
}

}  // namespace pg_tviews::pg
