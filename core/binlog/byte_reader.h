// ByteReader: one bounds-checked cursor over a byte view, with a sticky error.
//
// Every binlog decoder reads through this class. A read that would run past the end
// of the view sets the error flag, returns zero (or an empty view) and leaves the
// cursor where it was; every later read also fails. A decoder therefore reads a whole
// fixed layout and checks `ok()` once at the end, instead of testing every field.
//
// Encodings (MySQL client/server protocol and binlog):
//   fixed int<n>     n = 1..8 bytes, little-endian (U8..U64, and U16BE..U64BE for the
//                    big-endian fields of DECIMAL, TIME2, DATETIME2, TIMESTAMP2, BIT)
//   packed int       first byte b: b < 0xfb -> b; 0xfc -> next 2 bytes; 0xfd -> next 3;
//                    0xfe -> next 8; 0xfb (NULL marker) and 0xff are errors here
//   string<n>        n raw bytes, returned as a view
//   packed string    packed int length, then that many bytes
//
// Lifetime: the reader and every view it returns point into the caller's buffer; they
// are valid only while that buffer is alive and unchanged. The reader never allocates.
#ifndef BINSYNC_CORE_BINLOG_BYTE_READER_H_
#define BINSYNC_CORE_BINLOG_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace binsync::binlog {

using ByteView = std::span<const uint8_t>;

// Returns `bytes` viewed as characters (same memory, no copy).
inline std::string_view AsChars(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Returns `chars` viewed as bytes (same memory, no copy).
inline ByteView AsBytes(std::string_view chars) {
  return {reinterpret_cast<const uint8_t*>(chars.data()), chars.size()};
}

// Little-endian load of `n` (<= 8) bytes at `p`. No bounds check: callers check.
inline uint64_t LoadLE(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Big-endian load of `n` (<= 8) bytes at `p`. No bounds check: callers check.
inline uint64_t LoadBE(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  // False once any read has run past the end (sticky).
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] size_t position() const { return pos_; }
  [[nodiscard]] size_t remaining() const { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const { return remaining() == 0; }

  // Marks the reader failed; decoders use it for semantic errors found mid-layout.
  void Fail() { ok_ = false; }

  [[nodiscard]] uint8_t U8() { return static_cast<uint8_t>(FixedLE(1)); }
  [[nodiscard]] uint16_t U16() { return static_cast<uint16_t>(FixedLE(2)); }
  [[nodiscard]] uint32_t U24() { return static_cast<uint32_t>(FixedLE(3)); }
  [[nodiscard]] uint32_t U32() { return static_cast<uint32_t>(FixedLE(4)); }
  [[nodiscard]] uint64_t U48() { return FixedLE(6); }
  [[nodiscard]] uint64_t U64() { return FixedLE(8); }

  // Unsigned little-endian integer of `n` bytes, 1 <= n <= 8.
  [[nodiscard]] uint64_t FixedLE(size_t n) {
    if (n > 8) Fail();
    if (!Ensure(n)) return 0;
    const uint64_t v = LoadLE(data_.data() + pos_, n);
    pos_ += n;
    return v;
  }

  // Unsigned big-endian integer of `n` bytes, 1 <= n <= 8.
  [[nodiscard]] uint64_t FixedBE(size_t n) {
    if (n > 8) Fail();
    if (!Ensure(n)) return 0;
    const uint64_t v = LoadBE(data_.data() + pos_, n);
    pos_ += n;
    return v;
  }

  // Packed (length-encoded) integer; see the table at the top of the file.
  [[nodiscard]] uint64_t Packed() {
    const uint8_t first = U8();
    if (!ok_) return 0;
    if (first < 0xfb) return first;
    switch (first) {
      case 0xfc: return FixedLE(2);
      case 0xfd: return FixedLE(3);
      case 0xfe: return FixedLE(8);
      default: Fail(); return 0;
    }
  }

  // The next `n` bytes as a view.
  [[nodiscard]] ByteView Bytes(uint64_t n) {
    if (!Ensure(n)) return {};
    ByteView v = data_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return v;
  }
  [[nodiscard]] std::string_view String(uint64_t n) { return AsChars(Bytes(n)); }

  // Packed length, then that many bytes.
  [[nodiscard]] ByteView PackedBytes() {
    const uint64_t n = Packed();
    return ok_ ? Bytes(n) : ByteView{};
  }
  [[nodiscard]] std::string_view PackedString() { return AsChars(PackedBytes()); }

  // Everything from the cursor to the end.
  [[nodiscard]] ByteView Rest() { return Bytes(remaining()); }

  void Skip(uint64_t n) { (void)Bytes(n); }

 private:
  bool Ensure(uint64_t n) {
    if (ok_ && n <= remaining()) return true;
    ok_ = false;
    return false;
  }

  ByteView data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_BYTE_READER_H_
