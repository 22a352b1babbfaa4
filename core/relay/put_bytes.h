// Appending wire encodings to a byte vector: what reframe and protocol write. Little-endian
// integers, raw bytes, text without a terminator. Internal to core/relay/.
#ifndef BINSYNC_CORE_RELAY_PUT_BYTES_H_
#define BINSYNC_CORE_RELAY_PUT_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/binlog/byte_reader.h"

namespace binsync::relay {

// Appends the low `n` bytes of `v`, least significant first; bytes past the eighth are
// zero (a shift by 64 or more would be undefined: PutLE(0, 10, ...) writes reserved bytes).
inline void PutLE(uint64_t v, size_t n, std::vector<uint8_t>* out) {
  for (size_t i = 0; i < n; ++i) {
    out->push_back(i < 8 ? static_cast<uint8_t>(v >> (8 * i)) : uint8_t{0});
  }
}

inline void PutBytes(binlog::ByteView bytes, std::vector<uint8_t>* out) {
  out->insert(out->end(), bytes.begin(), bytes.end());
}

inline void PutText(std::string_view text, std::vector<uint8_t>* out) {
  PutBytes(binlog::AsBytes(text), out);
}

}  // namespace binsync::relay

#endif  // BINSYNC_CORE_RELAY_PUT_BYTES_H_
