// The store interface: the only way the runtime talks to persistent storage.
//
//   auto s = datachain::open_leveldb_store(".datachain");   // the LevelDB adapter
//   auto b = s->batch(); b->put(key, value); s->write(*b);    // atomic
//   for (auto c = s->scan(prefix); c->valid(); c->next()) { c->key(); c->value(); }
//
// Keys are byte strings built with the helpers below: a short ASCII prefix,
// then big-endian fixed-width numbers and NUL-terminated names, so related
// records are contiguous and sort in numeric order. docs/storage.md lists
// every prefix. Implementations must be safe to call from several threads;
// cursors and batches belong to one thread.
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/core/hash.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace datachain {

// A set of writes applied atomically by store::write.
class write_batch {
public:
    virtual ~write_batch() = default;
    virtual void put(std::string_view key, std::string_view value) = 0;
    virtual void del(std::string_view key) = 0;
    virtual std::size_t bytes() const = 0;
    virtual void clear() = 0;
};

// An ordered cursor over the keys that start with a prefix.
class cursor {
public:
    virtual ~cursor() = default;
    virtual bool valid() const = 0;
    virtual std::string_view key() const = 0;
    virtual std::string_view value() const = 0;
    virtual void next() = 0;
    // Moves to the first key >= k (still bounded by the prefix).
    virtual void seek(std::string_view k) = 0;
};

class store {
public:
    virtual ~store() = default;
    virtual std::optional<std::string> get(std::string_view key) const = 0;
    virtual void put(std::string_view key, std::string_view value) = 0;
    virtual void del(std::string_view key) = 0;
    virtual std::unique_ptr<write_batch> batch() const = 0;
    virtual void write(write_batch& b) = 0;
    virtual std::unique_ptr<cursor> scan(std::string_view prefix) const = 0;
    // Where the store lives, for messages.
    virtual const std::string& location() const = 0;
    // Gives back the space of deleted records (after gc); may do nothing.
    virtual void compact() {}
};

// Key building: big-endian numbers, raw hashes, NUL-terminated names.
namespace key {

inline void be64(std::string& k, std::uint64_t v) { append_be(k, v); }
inline void be32(std::string& k, std::uint32_t v) { append_be(k, v); }
inline void h128(std::string& k, const hash128& h) {
    be64(k, h.hi);
    be64(k, h.lo);
}
inline void name(std::string& k, std::string_view n) {
    k.append(n);
    k.push_back('\0');
}
inline std::uint64_t read_be64(std::string_view s, std::size_t at) { return load_be<std::uint64_t>(s, at); }
inline std::uint32_t read_be32(std::string_view s, std::size_t at) { return load_be<std::uint32_t>(s, at); }

} // namespace key
} // namespace datachain
