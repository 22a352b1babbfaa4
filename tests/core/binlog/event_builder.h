// Test helper: encodes binlog events and column cells byte for byte as MySQL/MariaDB
// write them (layouts in the headers under core/binlog/), so decoders can be checked by
// round trip: decode(encode(x)) == x.
#ifndef BINSYNC_TESTS_CORE_BINLOG_EVENT_BUILDER_H_
#define BINSYNC_TESTS_CORE_BINLOG_EVENT_BUILDER_H_

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/binlog/byte_reader.h"
#include "core/binlog/event_header.h"
#include "core/binlog/event_types.h"

namespace binsync::binlog::testing {

// A growable byte string with the binlog's encodings.
class Bytes {
 public:
  Bytes& U8(uint64_t v) { return LE(v, 1); }
  Bytes& U16(uint64_t v) { return LE(v, 2); }
  Bytes& U32(uint64_t v) { return LE(v, 4); }
  Bytes& U64(uint64_t v) { return LE(v, 8); }
  Bytes& LE(uint64_t v, size_t n) {  // bytes past the eighth are zero
    for (size_t i = 0; i < n; ++i) {
      b_.push_back(i < 8 ? static_cast<uint8_t>(v >> (8 * i)) : uint8_t{0});
    }
    return *this;
  }
  Bytes& BE(uint64_t v, size_t n) {
    for (size_t i = n; i > 0; --i) b_.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
    return *this;
  }
  Bytes& Packed(uint64_t v) {
    if (v < 0xfb) return U8(v);
    if (v <= 0xffff) return U8(0xfc).LE(v, 2);
    if (v <= 0xffffff) return U8(0xfd).LE(v, 3);
    return U8(0xfe).LE(v, 8);
  }
  Bytes& Str(std::string_view s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& PackedStr(std::string_view s) { return Packed(s.size()).Str(s); }
  // mysql::serialization variable-length integers (events.h, GTID_TAGGED), in the
  // fewest bytes.
  Bytes& VarlenU(uint64_t v) {
    for (size_t n = 1; n <= 8; ++n) {
      if (n == 8 ? v < (uint64_t{1} << 56) : v < (uint64_t{1} << (7 * n))) {
        return LE((v << n) | ((uint64_t{1} << (n - 1)) - 1), n);
      }
    }
    return U8(0xff).U64(v);
  }
  Bytes& VarlenS(int64_t v) {
    return VarlenU(v >= 0 ? static_cast<uint64_t>(v) << 1
                          : (static_cast<uint64_t>(-(v + 1)) << 1) | 1);
  }
  Bytes& Raw(const std::vector<uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return b_; }
  std::vector<uint8_t>& bytes() { return b_; }
  size_t size() const { return b_.size(); }

 private:
  std::vector<uint8_t> b_;
};

enum class Flavor { kMysql80, kMariaDb1011 };

// One column of a TABLE_MAP under construction.
struct ColumnSpec {
  uint8_t type;
  std::vector<uint8_t> meta;
  bool nullable = true;
};

class EventBuilder {
 public:
  EventBuilder(Flavor flavor, bool crc32) : flavor_(flavor), crc32_(crc32) {}

  // Servers that add fields to the common header: every event but the FDE gets `n` extra
  // header bytes (0xee) after the 19 standard ones, and the FDE announces 19 + n.
  void set_extra_header(size_t n) { extra_header_ = n; }
  // With checksums off, write the FDE's CRC field as zeros (servers do: the algorithm is
  // OFF, so the field is not a checksum).
  void set_fde_crc_zero(bool zero) { fde_crc_zero_ = zero; }
  // The FDE's server version (default: the flavour's).
  void set_server_version(std::string v) { server_version_ = std::move(v); }

  // A whole event: header + body (+ CRC32). log_pos is `end_pos` (0 = computed from the
  // builder's running position, which starts after the magic).
  std::vector<uint8_t> Event(uint8_t type, const std::vector<uint8_t>& body,
                             uint16_t flags = 0, uint32_t server_id = 1,
                             bool force_no_crc = false) {
    const bool crc = (crc32_ && !force_no_crc) || type == 15;
    const size_t extra = type == 15 ? 0 : extra_header_;
    const size_t size = kEventHeaderLength + extra + body.size() + (crc ? 4 : 0);
    Bytes e;
    e.U32(1700000000).U8(type).U32(server_id).U32(size).U32(pos_ + size).U16(flags);
    for (size_t i = 0; i < extra; ++i) e.U8(0xee);
    e.Raw(body);
    if (crc) {
      const bool zero = type == 15 && !crc32_ && fde_crc_zero_;
      e.U32(zero ? 0 : BinlogCrc32(ByteView(e.bytes().data(), e.size())));
    }
    pos_ += static_cast<uint32_t>(size);
    return e.bytes();
  }

  // Post-header lengths this builder writes (FDE entry type-1), per flavour.
  std::vector<uint8_t> PostHeaderLengths() const {
    const size_t n = flavor_ == Flavor::kMysql80 ? 41 : 171;
    std::vector<uint8_t> lengths(n, 0);
    auto set = [&](int type, uint8_t len) {
      if (static_cast<size_t>(type) <= n) lengths[static_cast<size_t>(type - 1)] = len;
    };
    set(2, 13); set(4, 8); set(9, 4); set(11, 4); set(15, 84); set(17, 4); set(18, 26);
    set(19, 8); set(23, 8); set(24, 8); set(25, 8); set(26, 2);
    set(30, 10); set(31, 10); set(32, 10); set(33, 42); set(34, 42); set(162, 19);
    set(161, 4);
    set(163, 4);
    set(165, 13);
    set(166, 8);
    set(167, 8);
    set(168, 8);
    set(169, 10);
    set(170, 10);
    set(171, 10);
    return lengths;
  }

  std::vector<uint8_t> Fde() {
    Bytes b;
    b.U16(4);
    std::string version = !server_version_.empty()          ? server_version_
                          : flavor_ == Flavor::kMysql80 ? "8.0.36-log"
                                                        : "10.11.6-MariaDB-log";
    version.resize(50, '\0');
    b.Str(version).U32(1700000000).U8(kEventHeaderLength + extra_header_);
    b.Raw(PostHeaderLengths()).U8(crc32_ ? 1 : 0);
    // The FDE's own CRC is always written when checksum_alg is (Event() appends it).
    return Event(15, b.bytes());
  }

  static std::vector<uint8_t> QueryBody(std::string_view db, std::string_view sql,
                                        const std::vector<uint8_t>& status = {}) {
    Bytes b;
    b.U32(7).U32(0).U8(db.size()).U16(0).U16(status.size()).Raw(status).Str(db).U8(0).Str(sql);
    return b.bytes();
  }

  static std::vector<uint8_t> TableMapBody(uint64_t table_id, std::string_view db,
                                           std::string_view table,
                                           const std::vector<ColumnSpec>& cols,
                                           const std::vector<uint8_t>& optional = {}) {
    Bytes b;
    b.LE(table_id, 6).U16(1).U8(db.size()).Str(db).U8(0).U8(table.size()).Str(table).U8(0);
    b.Packed(cols.size());
    for (const auto& c : cols) b.U8(c.type);
    Bytes meta;
    for (const auto& c : cols) meta.Raw(c.meta);
    b.Packed(meta.size()).Raw(meta.bytes());
    std::vector<uint8_t> nulls((cols.size() + 7) / 8, 0);
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].nullable) nulls[i / 8] = static_cast<uint8_t>(nulls[i / 8] | (1u << (i % 8)));
    }
    b.Raw(nulls).Raw(optional);
    return b.bytes();
  }

  // `rows` is the already-encoded row data (null bitmaps + cells per image).
  static std::vector<uint8_t> RowsBody(bool v2, uint64_t table_id, uint64_t width,
                                       const std::vector<uint8_t>& present,
                                       const std::vector<uint8_t>* present_after,
                                       const std::vector<uint8_t>& rows, uint16_t flags = 1) {
    Bytes b;
    b.LE(table_id, 6).U16(flags);
    if (v2) b.U16(2);
    b.Packed(width).Raw(present);
    if (present_after != nullptr) b.Raw(*present_after);
    b.Raw(rows);
    return b.bytes();
  }

  // Magic followed by `events`.
  static std::vector<uint8_t> File(const std::vector<std::vector<uint8_t>>& events) {
    std::vector<uint8_t> f(std::begin(kBinlogMagic), std::end(kBinlogMagic));
    for (const auto& e : events) f.insert(f.end(), e.begin(), e.end());
    return f;
  }

 private:
  Flavor flavor_;
  bool crc32_;
  uint32_t pos_ = 4;
  size_t extra_header_ = 0;
  bool fde_crc_zero_ = false;
  std::string server_version_;
};

// A MariaDB compressed record (compressed_event.h) of `plain`: header, big-endian length
// in the fewest bytes (at least `min_length_bytes`), zlib stream.
inline std::vector<uint8_t> MariaCompress(const std::vector<uint8_t>& plain,
                                          size_t min_length_bytes = 1) {
  size_t n = min_length_bytes;
  while (n < 4 && (plain.size() >> (8 * n)) != 0) ++n;
  std::vector<uint8_t> z(compressBound(static_cast<uLong>(plain.size())));
  uLongf zlen = static_cast<uLongf>(z.size());
  if (compress(z.data(), &zlen, plain.data(), static_cast<uLong>(plain.size())) != Z_OK) {
    return {};
  }
  z.resize(zlen);
  Bytes b;
  b.U8(0x80 | n).BE(plain.size(), n).Raw(z);
  return b.bytes();
}

// Cell encoders (row image layouts in column_codec.h).
inline void EncodeDecimal(std::string_view text, int precision, int scale, Bytes* out) {
  static constexpr int kDig2Bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  bool negative = false;
  if (!text.empty() && text[0] == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const size_t dot = text.find('.');
  std::string ip(text.substr(0, dot));
  std::string fp(dot == std::string_view::npos ? "" : text.substr(dot + 1));
  const int intg = precision - scale;
  ip.erase(0, std::min(ip.find_first_not_of('0'), ip.size()));
  ip.insert(0, static_cast<size_t>(intg) - ip.size(), '0');
  fp.resize(static_cast<size_t>(scale), '0');
  Bytes b;
  auto put = [&](std::string_view digits) {
    uint64_t v = 0;
    for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
    const int n = digits.size() == 9 ? 4 : kDig2Bytes[digits.size()];
    b.BE(v, static_cast<size_t>(n));
  };
  const size_t lead = static_cast<size_t>(intg % 9);
  if (lead > 0) put(std::string_view(ip).substr(0, lead));
  for (size_t i = lead; i < ip.size(); i += 9) put(std::string_view(ip).substr(i, 9));
  for (size_t i = 0; i + 9 <= fp.size(); i += 9) put(std::string_view(fp).substr(i, 9));
  if (fp.size() % 9 != 0) put(std::string_view(fp).substr(fp.size() - fp.size() % 9));
  auto& v = b.bytes();
  if (negative) {
    for (auto& x : v) x = static_cast<uint8_t>(~x);
  }
  v[0] ^= 0x80;
  out->Raw(v);
}

inline void EncodeFraction(uint32_t micro, uint8_t fsp, Bytes* out) {
  switch ((fsp + 1) / 2) {
    case 1: out->BE(micro / 10000, 1); break;
    case 2: out->BE(micro / 100, 2); break;
    case 3: out->BE(micro, 3); break;
    default: break;
  }
}

inline void EncodeDatetime2(int year, int month, int day, int h, int m, int s, uint32_t micro,
                            uint8_t fsp, Bytes* out) {
  const uint64_t ym = static_cast<uint64_t>(year * 13 + month);
  const uint64_t ymd = (ym << 5) | static_cast<uint64_t>(day);
  const uint64_t hms = (static_cast<uint64_t>(h) << 12) | (static_cast<uint64_t>(m) << 6) |
                       static_cast<uint64_t>(s);
  out->BE(((ymd << 17) | hms) + 0x8000000000ULL, 5);
  EncodeFraction(micro, fsp, out);
}

// TIME2 exactly as MySQL's my_time_packed_to_binary does it.
inline void EncodeTime2(bool negative, int h, int m, int s, uint32_t micro, uint8_t fsp,
                        Bytes* out) {
  static constexpr uint32_t kPow10[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  micro = micro / kPow10[6 - fsp] * kPow10[6 - fsp];  // precision fsp
  const int64_t hms = (static_cast<int64_t>(h) << 12) | (m << 6) | s;
  int64_t packed = (hms << 24) + micro;
  if (negative) packed = -packed;
  switch (fsp) {
    case 0:
      out->BE(static_cast<uint64_t>((packed >> 24) + 0x800000), 3);
      break;
    case 1:
    case 2:
      // MY_PACKED_TIME_GET_INT_PART is >> 24 (floor), GET_FRAC_PART is % (truncating).
      out->BE(static_cast<uint64_t>((packed >> 24) + 0x800000), 3);
      out->U8(static_cast<uint8_t>(static_cast<int8_t>((packed % (1LL << 24)) / 10000)));
      break;
    case 3:
    case 4: {
      const int64_t ip_floor = packed >> 24;
      const int64_t fr = packed % (1LL << 24);
      out->BE(static_cast<uint64_t>(ip_floor + 0x800000), 3);
      out->BE(static_cast<uint16_t>(static_cast<int16_t>(fr / 100)), 2);
      break;
    }
    default:
      out->BE(static_cast<uint64_t>(packed + 0x800000000000LL), 6);
      break;
  }
}

}  // namespace binsync::binlog::testing

#endif  // BINSYNC_TESTS_CORE_BINLOG_EVENT_BUILDER_H_
