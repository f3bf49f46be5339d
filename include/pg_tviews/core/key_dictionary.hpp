// Keys that are not integers (uuid, text, numeric, ...), as Key handles.
//
// The queue, the flushed log and the lock code work on 64-bit Keys. An
// integer key is its own Key; a key of any other type is kept here as the
// bytes of its binary image (what a tuple holds, without a varlena header)
// and handed out as a small number, the same number for the same bytes for
// the rest of the transaction. Handles are dense (0, 1, 2, ...) and are
// only meaningful together with the dictionary that made them.
//
// The bytes live in one arena and the index is an open-addressing table of
// handles, so a key costs its bytes plus about 24 bytes (1M uuid keys: ~40
// MB), not a std::string and a hash node each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_tviews {

class KeyDictionary {
public:
    using Handle = std::int64_t;

    // The handle of these bytes (a new one the first time they are seen).
    Handle intern(std::string_view bytes);
    // The bytes of a handle this dictionary gave out.
    std::string_view bytes(Handle h) const;
    bool contains(Handle h) const noexcept { return h >= 0 && static_cast<std::size_t>(h) < ends_.size(); }
    std::size_t size() const noexcept { return ends_.size(); }
    // Forgets every key (end of transaction); keeps no memory.
    void clear() noexcept;

private:
    static std::uint64_t hash(std::string_view bytes) noexcept;
    void grow();

    std::string arena_;               // every key's bytes, back to back
    std::vector<std::size_t> ends_;   // handle h's bytes end at ends_[h]
    std::vector<std::int64_t> slots_; // open addressing: handle + 1, 0 = empty
};

}  // namespace pg_tviews
