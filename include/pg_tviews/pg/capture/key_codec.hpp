// How one TVIEW's keys travel through the engine, whatever their type.
//
// The queue holds 64-bit Keys (core/key_queue.hpp). A key of an integer
// type (smallint, integer, bigint, or a domain over one) is its own value,
// and its parameters are int8: exactly as pg_tviews has always done. A key
// of any other type with a btree equality and a hash function (uuid, text,
// varchar, numeric, date, citext, ...) is a handle in the queue's
// dictionary: the bytes of its binary image, or for types passed by value
// the Datum itself. From a Key the codec builds the datum, the array
// parameter of the refresh plans, the advisory-lock tag and the text that
// introspection and errors show.
//
// Equal keys of types whose equality is not binary (numeric 1.0 = 1.00, a
// case-insensitive collation) may take two handles: the key is then
// refreshed twice in one statement (harmless: the SQL compares with the
// type's own equality), and both lock the same tag (the tag is the type's
// own hash, which agrees with its equality).
//
// The C++ functions here call the server through pg_call.
#pragma once

#include <string>
#include <vector>

#include "pg_tviews/core/key_queue.hpp"
#include "pg_tviews/pg/border/postgres.hpp"

namespace pg_tviews::pg {

struct KeyCodec {
    Oid type = INT8OID;  // the key column's type, a domain resolved to its base
    Oid collation = InvalidOid;
    bool integer = true;  // int2/int4/int8: a Key is the value
    bool byval = true;
    int16 typlen = 8;
    char typalign = TYPALIGN_DOUBLE;
    Oid param_type = INT8OID;           // parameter of the one-key plans
    Oid array_type = INT8ARRAYOID;      // parameter of the key-set plans
    std::string sql_type = "pg_catalog.int8";         // schema-qualified, for casts
    std::string eq_operator = "OPERATOR(pg_catalog.=)";  // key column = parameter
};

// Why a column of `type` cannot key a TVIEW; nullptr when it can. Server C
// style (may ereport; no C++ objects): callable from the analysis code.
const char* key_type_refusal(Oid type);

// The codec of a key column of `type` (collation `collation`); the type
// must pass key_type_refusal.
KeyCodec key_codec_for(Oid type, Oid collation);

// Whether values of a column of `column_type` can be read as keys of a
// TVIEW keyed by `key_type` without a cast (same type, a domain of it, a
// binary-coercible type; any integer type for an integer key). Server C
// style: callable from the analysis code.
bool key_column_compatible(Oid key_type, Oid column_type);

// A datum of `value_type` (the key type, or a compatible one; a domain
// resolved to its base type by the caller) as a Key.
Key encode_key(const KeyCodec& codec, KeyDictionary& dict, Datum value, Oid value_type);
// The datum of a key, of codec.param_type (palloc'd in the current context
// when the type is passed by reference).
Datum decode_key(const KeyCodec& codec, const KeyDictionary& dict, Key key);
// The codec.array_type array of `keys`, palloc'd in the current context.
Datum key_array(const KeyCodec& codec, const KeyDictionary& dict, const std::vector<Key>& keys);
// The second field of the key's advisory-lock tag.
uint32 key_lock_tag(const KeyCodec& codec, const KeyDictionary& dict, Key key);
// The key as its type prints it.
std::string key_text(const KeyCodec& codec, const KeyDictionary& dict, Key key);

// Appends the first column of the last SPI result's `n` rows, as keys, to
// `out`; true when one of them was NULL.
bool read_keys(const KeyCodec& codec, KeyDictionary& dict, uint64 n, std::vector<Key>& out);

}  // namespace pg_tviews::pg
