// Keys of any type: datum <-> Key, arrays, lock tags, text (see key_codec.hpp).
#include "pg_tviews/pg/capture/key_codec.hpp"

#include "pg_tviews/core/sql_text.hpp"

#include <stdexcept>
#include <string_view>

#include "pg_tviews/pg/border/border.hpp"

extern "C" {
#include "catalog/pg_operator.h"
#include "parser/parse_coerce.h"
}

namespace pg_tviews::pg {

namespace {

bool is_integer(Oid base) { return base == INT2OID || base == INT4OID || base == INT8OID; }

// Exact for keys that fit in 32 bits; larger keys may share a lock.
uint32 fold_integer(Key key) {
    return static_cast<uint32>(static_cast<uint64>(key) ^ (static_cast<uint64>(key) >> 32));
}

// "OPERATOR(schema.=)" for an operator.
std::string operator_sql(Oid opno) {
    std::string schema;
    std::string name;
    pg_call([&] {
        HeapTuple tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
        if (!HeapTupleIsValid(tup)) elog(ERROR, "pg_tviews: cache lookup failed for operator %u", opno);
        auto* form = reinterpret_cast<Form_pg_operator>(GETSTRUCT(tup));
        schema = quote_identifier(get_namespace_name(form->oprnamespace));
        name = NameStr(form->oprname);
        ReleaseSysCache(tup);
    });
    return qualified_operator(schema, name);
}

}  // namespace

const char* key_type_refusal(Oid type) {
    Oid base = getBaseType(type);
    if (is_integer(base)) return nullptr;
    if (get_typtype(base) == TYPTYPE_PSEUDO) return "a pseudo-type cannot key a TVIEW";
    if (get_typlen(base) == -2) return "its values are C strings, which a TVIEW key cannot be";
    TypeCacheEntry* tc = lookup_type_cache(base, TYPECACHE_BTREE_OPFAMILY | TYPECACHE_EQ_OPR | TYPECACHE_HASH_PROC);
    if (!OidIsValid(tc->btree_opf) || !OidIsValid(tc->eq_opr))
        return "it has no default btree operator class";
    if (!OidIsValid(tc->hash_proc)) return "it has no default hash operator class";
    return nullptr;
}

bool key_column_compatible(Oid key_type, Oid column_type) {
    Oid key_base = getBaseType(key_type);
    Oid column_base = getBaseType(column_type);
    if (is_integer(key_base)) return is_integer(column_base);
    return key_base == column_base || IsBinaryCoercible(column_base, key_base);
}

KeyCodec key_codec_for(Oid type, Oid collation) {
    KeyCodec c;
    Oid base = pg_call([&] { return getBaseType(type); });
    if (is_integer(base)) return c;  // int8 parameters, the value as Key
    c.type = base;
    c.collation = collation;
    c.integer = false;
    pg_call([&] { get_typlenbyvalalign(base, &c.typlen, &c.byval, &c.typalign); });
    c.param_type = base;
    c.array_type = pg_call([&] { return get_array_type(base); });
    if (!OidIsValid(c.array_type))
        throw std::runtime_error("pg_tviews: the key type has no array type");
    c.sql_type = pg_call([&] { return static_cast<const char*>(format_type_be_qualified(base)); });
    Oid eq = pg_call([&] {
        TypeCacheEntry* tc = lookup_type_cache(base, TYPECACHE_EQ_OPR);
        if (!OidIsValid(tc->eq_opr)) elog(ERROR, "pg_tviews: type %u has no equality operator", base);
        return tc->eq_opr;
    });
    c.eq_operator = operator_sql(eq);
    return c;
}

namespace {

int64 integer_of(Datum value, Oid base_type) {
    switch (base_type) {
        case INT2OID: return DatumGetInt16(value);
        case INT4OID: return DatumGetInt32(value);
        default: return DatumGetInt64(value);
    }
}

}  // namespace

Key encode_key(const KeyCodec& codec, KeyDictionary& dict, Datum value, Oid value_type) {
    if (codec.integer) return integer_of(value, value_type);
    if (codec.byval) return static_cast<Key>(value);
    if (codec.typlen > 0)
        return dict.intern(std::string_view(DatumGetPointer(value), static_cast<std::size_t>(codec.typlen)));
    // A varlena: its bytes without the header, detoasted (and freed again).
    struct varlena* raw = reinterpret_cast<struct varlena*>(DatumGetPointer(value));
    struct varlena* plain = pg_call([&] { return pg_detoast_datum_packed(raw); });
    Key key = dict.intern(std::string_view(VARDATA_ANY(plain), VARSIZE_ANY_EXHDR(plain)));
    if (plain != raw) pg_call([&] { pfree(plain); });
    return key;
}

namespace {

// The datum of a key (server C style).
Datum datum_of(const KeyCodec& codec, std::string_view bytes, Key key) {
    if (codec.integer) return Int64GetDatum(key);
    if (codec.byval) return static_cast<Datum>(key);
    if (codec.typlen > 0) {
        char* copy = static_cast<char*>(palloc(static_cast<Size>(codec.typlen)));
        memcpy(copy, bytes.data(), static_cast<std::size_t>(codec.typlen));
        return PointerGetDatum(copy);
    }
    auto* v = static_cast<struct varlena*>(palloc(VARHDRSZ + bytes.size()));
    SET_VARSIZE(v, VARHDRSZ + bytes.size());
    memcpy(VARDATA(v), bytes.data(), bytes.size());
    return PointerGetDatum(v);
}

std::string_view bytes_of(const KeyCodec& codec, const KeyDictionary& dict, Key key) {
    return codec.integer || codec.byval ? std::string_view() : dict.bytes(key);
}

}  // namespace

Datum decode_key(const KeyCodec& codec, const KeyDictionary& dict, Key key) {
    std::string_view bytes = bytes_of(codec, dict, key);
    return pg_call([&] { return datum_of(codec, bytes, key); });
}

Datum key_array(const KeyCodec& codec, const KeyDictionary& dict, const std::vector<Key>& keys) {
    int n = static_cast<int>(keys.size());
    if (codec.integer) {
        const Key* data = keys.data();
        return pg_call([&] {
            Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
            for (int i = 0; i < n; i++) elems[i] = Int64GetDatum(data[i]);
            ArrayType* arr = construct_array(elems, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
            pfree(elems);  // a flush builds one array per slice: keep nothing but the array
            return PointerGetDatum(arr);
        });
    }
    // The elements' copies live in a context of their own, deleted once the
    // array (which copies them) is built.
    std::vector<std::string_view> bytes;
    bytes.reserve(keys.size());
    for (Key k : keys) bytes.push_back(bytes_of(codec, dict, k));
    const Key* data = keys.data();
    const std::string_view* views = bytes.data();
    return pg_call([&] {
        MemoryContext caller = CurrentMemoryContext;
        MemoryContext scratch = AllocSetContextCreate(caller, "pg_tviews key array", ALLOCSET_DEFAULT_SIZES);
        MemoryContextSwitchTo(scratch);
        Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
        for (int i = 0; i < n; i++) elems[i] = datum_of(codec, views[i], data[i]);
        MemoryContextSwitchTo(caller);
        ArrayType* arr = construct_array(elems, n, codec.type, codec.typlen, codec.byval, codec.typalign);
        MemoryContextDelete(scratch);
        return PointerGetDatum(arr);
    });
}

uint32 key_lock_tag(const KeyCodec& codec, const KeyDictionary& dict, Key key) {
    if (codec.integer) return fold_integer(key);
    std::string_view bytes = bytes_of(codec, dict, key);
    return pg_call([&] {
        TypeCacheEntry* tc = lookup_type_cache(codec.type, TYPECACHE_HASH_PROC_FINFO);
        Datum value = datum_of(codec, bytes, key);
        uint32 h = DatumGetUInt32(FunctionCall1Coll(&tc->hash_proc_finfo, codec.collation, value));
        if (!codec.byval) pfree(DatumGetPointer(value));
        return h;
    });
}

std::string key_text(const KeyCodec& codec, const KeyDictionary& dict, Key key) {
    if (codec.integer) return std::to_string(key);
    std::string_view bytes = bytes_of(codec, dict, key);
    char* text = pg_call([&] {
        Oid output = InvalidOid;
        bool varlena = false;
        getTypeOutputInfo(codec.type, &output, &varlena);
        return OidOutputFunctionCall(output, datum_of(codec, bytes, key));
    });
    std::string out(text);
    pg_call([&] { pfree(text); });
    return out;
}

bool read_keys(const KeyCodec& codec, KeyDictionary& dict, uint64 n, std::vector<Key>& out) {
    bool saw_null = false;
    if (n == 0) return saw_null;
    SPITupleTable* table = SPI_tuptable;
    Oid type = pg_call([&] { return getBaseType(TupleDescAttr(table->tupdesc, 0)->atttypid); });
    out.reserve(out.size() + n);
    for (uint64 i = 0; i < n; i++) {
        bool isnull = true;
        Datum value = pg_call([&] { return SPI_getbinval(table->vals[i], table->tupdesc, 1, &isnull); });
        if (!isnull)
            out.push_back(encode_key(codec, dict, value, type));
        else
            saw_null = true;
    }
    return saw_null;
}

}  // namespace pg_tviews::pg
