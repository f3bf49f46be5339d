#include "pg_tviews/core/key_dictionary.hpp"

#include <stdexcept>
#include "pg_tviews/core/cpp_only.hpp"  // last: no server header above

namespace pg_tviews {

std::uint64_t KeyDictionary::hash(std::string_view bytes) noexcept {
    // FNV-1a, then a final mix: keys are short (uuids, codes, numbers).
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

std::string_view KeyDictionary::bytes(Handle h) const {
    if (!contains(h)) throw std::out_of_range("pg_tviews: unknown key handle");
    auto i = static_cast<std::size_t>(h);
    std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(arena_).substr(begin, ends_[i] - begin);
}

void KeyDictionary::grow() {
    std::size_t capacity = slots_.empty() ? 64 : slots_.size() * 2;
    slots_.assign(capacity, 0);
    std::size_t mask = capacity - 1;
    for (std::size_t h = 0; h < ends_.size(); h++) {
        std::size_t at = static_cast<std::size_t>(hash(bytes(static_cast<Handle>(h)))) & mask;
        while (slots_[at] != 0) at = (at + 1) & mask;
        slots_[at] = static_cast<std::int64_t>(h) + 1;
    }
}

KeyDictionary::Handle KeyDictionary::intern(std::string_view key) {
    // At most half full: probes stay short.
    if ((ends_.size() + 1) * 2 > slots_.size()) grow();
    std::size_t mask = slots_.size() - 1;
    std::size_t at = static_cast<std::size_t>(hash(key)) & mask;
    while (slots_[at] != 0) {
        Handle h = slots_[at] - 1;
        if (bytes(h) == key) return h;
        at = (at + 1) & mask;
    }
    arena_.append(key.data(), key.size());
    ends_.push_back(arena_.size());
    Handle h = static_cast<Handle>(ends_.size() - 1);
    slots_[at] = h + 1;
    return h;
}

void KeyDictionary::clear() noexcept {
    std::string().swap(arena_);
    std::vector<std::size_t>().swap(ends_);
    std::vector<std::int64_t>().swap(slots_);
}

}  // namespace pg_tviews
