// Test helper: a JSON tree that knows its expected text, an encoder to MySQL's binary
// JSON format (layout in core/binlog/json_binary.h, written from MySQL's json_binary.h
// grammar), and random trees. Independent of the decoder under test.
#ifndef BINSYNC_TESTS_CORE_BINLOG_JSON_BUILDER_H_
#define BINSYNC_TESTS_CORE_BINLOG_JSON_BUILDER_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/util/strings.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog::testing {

inline void JsonVarLength(uint64_t n, std::vector<uint8_t>* out) {
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    if (n != 0) b |= 0x80;
    out->push_back(b);
  } while (n != 0);
}

// MySQL's packed temporal int64 (TIME_to_longlong_*_packed).
inline int64_t DatetimePacked(int year, int month, int day, int h, int m, int s, int micro) {
  const int64_t ymd = ((static_cast<int64_t>(year) * 13 + month) << 5) | day;
  const int64_t hms = (static_cast<int64_t>(h) << 12) | (m << 6) | s;
  return (((ymd << 17) | hms) << 24) + micro;
}
inline int64_t TimePacked(bool negative, int h, int m, int s, int micro) {
  const int64_t hms = (static_cast<int64_t>(h) << 12) | (m << 6) | s;
  const int64_t v = (hms << 24) + micro;
  return negative ? -v : v;
}

// JSON text escaping as the decoder's contract states it.
inline std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

struct JsonNode {
  enum Kind : uint8_t {
    kObject = 0x00,  // type bytes of the small forms; the encoder picks small or large
    kArray = 0x02,
    kLiteral = 0x04,  // scalar: raw holds the literal byte
    kInt16 = 0x05,
    kUint16 = 0x06,
    kInt32 = 0x07,
    kUint32 = 0x08,
    kInt64 = 0x09,
    kUint64 = 0x0a,
    kDouble = 0x0b,
    kString = 0x0c,
    kOpaque = 0x0f,
  };
  Kind kind = kLiteral;
  std::vector<uint8_t> raw = {0};  // scalar bytes as stored (without the type byte)
  std::string text = "null";       // scalar: expected JSON text
  std::vector<std::pair<std::string, JsonNode>> members;
  std::vector<JsonNode> elements;

  static JsonNode Object() { return Container(kObject); }
  static JsonNode Array() { return Container(kArray); }
  static JsonNode Null() { return Scalar(kLiteral, {0}, "null"); }
  static JsonNode Bool(bool b) {
    return Scalar(kLiteral, {uint8_t(b ? 1 : 2)}, b ? "true" : "false");
  }
  static JsonNode Int16(int16_t v) { return Int(kInt16, v, 2); }
  static JsonNode Int32(int32_t v) { return Int(kInt32, v, 4); }
  static JsonNode Int64(int64_t v) { return Int(kInt64, v, 8); }
  static JsonNode Uint16(uint16_t v) { return Uint(kUint16, v, 2); }
  static JsonNode Uint32(uint32_t v) { return Uint(kUint32, v, 4); }
  static JsonNode Uint64(uint64_t v) { return Uint(kUint64, v, 8); }
  // `text` is what the decoder must print for `v`.
  static JsonNode Double(double v, std::string text) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    Bytes b;
    b.U64(bits);
    return Scalar(kDouble, b.bytes(), std::move(text));
  }
  static JsonNode String(std::string_view s) {
    std::vector<uint8_t> raw;
    JsonVarLength(s.size(), &raw);
    raw.insert(raw.end(), s.begin(), s.end());
    return Scalar(kString, raw, JsonQuote(s));
  }
  static JsonNode Opaque(uint8_t field_type, const std::vector<uint8_t>& data, std::string text) {
    std::vector<uint8_t> raw = {field_type};
    JsonVarLength(data.size(), &raw);
    raw.insert(raw.end(), data.begin(), data.end());
    return Scalar(kOpaque, raw, std::move(text));
  }

  bool is_container() const { return kind == kObject || kind == kArray; }

  std::string Text() const {
    if (!is_container()) return text;
    std::string out = kind == kObject ? "{" : "[";
    const size_t n = kind == kObject ? members.size() : elements.size();
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out += ",";
      if (kind == kObject) {
        out += JsonQuote(members[i].first) + ":" + members[i].second.Text();
      } else {
        out += elements[i].Text();
      }
    }
    return out + (kind == kObject ? "}" : "]");
  }

 private:
  static JsonNode Container(Kind k) {
    JsonNode n;
    n.kind = k;
    n.raw.clear();
    n.text.clear();
    return n;
  }
  static JsonNode Scalar(Kind k, std::vector<uint8_t> raw, std::string text) {
    JsonNode n;
    n.kind = k;
    n.raw = std::move(raw);
    n.text = std::move(text);
    return n;
  }
  static JsonNode Int(Kind k, int64_t v, size_t bytes) {
    Bytes b;
    b.LE(static_cast<uint64_t>(v), bytes);
    return Scalar(k, b.bytes(), StrCat(v));
  }
  static JsonNode Uint(Kind k, uint64_t v, size_t bytes) {
    Bytes b;
    b.LE(v, bytes);
    return Scalar(k, b.bytes(), StrCat(v));
  }
};

// Type byte and body of `n`; containers use the small form unless `large` or unless
// their offsets do not fit in 16 bits.
inline std::pair<uint8_t, std::vector<uint8_t>> EncodeJsonValue(const JsonNode& n, bool large) {
  if (!n.is_container()) return {n.kind, n.raw};
  const bool object = n.kind == JsonNode::kObject;
  const size_t count = object ? n.members.size() : n.elements.size();
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> values;
  for (size_t i = 0; i < count; ++i) {
    values.push_back(EncodeJsonValue(object ? n.members[i].second : n.elements[i], large));
  }
  for (bool big : {large, true}) {
    const size_t w = big ? 4 : 2;
    auto inlined = [&](uint8_t t) {
      return t == JsonNode::kLiteral || t == JsonNode::kInt16 || t == JsonNode::kUint16 ||
             (big && (t == JsonNode::kInt32 || t == JsonNode::kUint32));
    };
    const size_t header = 2 * w + count * ((object ? w + 2 : 0) + 1 + w);
    size_t pos = header;
    Bytes keys, entries, tail;
    for (size_t i = 0; object && i < count; ++i) {
      keys.LE(pos, w).U16(n.members[i].first.size());
      pos += n.members[i].first.size();
      tail.Str(n.members[i].first);
    }
    for (const auto& [type, body] : values) {
      if (inlined(type)) {
        std::vector<uint8_t> field = body;
        field.resize(w, 0);
        entries.U8(type).Raw(field);
      } else {
        entries.U8(type).LE(pos, w);
        pos += body.size();
        tail.Raw(body);
      }
    }
    if (!big && (pos > 0xffff || count > 0xffff)) continue;
    Bytes out;
    out.LE(count, w).LE(pos, w).Raw(keys.bytes()).Raw(entries.bytes()).Raw(tail.bytes());
    return {static_cast<uint8_t>(n.kind + (big ? 1 : 0)), out.bytes()};
  }
  return {};
}

inline std::vector<uint8_t> EncodeJsonDocument(const JsonNode& n, bool large) {
  auto [type, body] = EncodeJsonValue(n, large);
  std::vector<uint8_t> doc = {type};
  doc.insert(doc.end(), body.begin(), body.end());
  return doc;
}

// MySQL keeps object keys sorted: shorter first, then by bytes.
inline bool JsonKeyLess(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

inline std::string RandomJsonString(std::mt19937& rng, size_t max_len) {
  static constexpr std::string_view kPieces[] = {"a",
                                                 "b",
                                                 "Z",
                                                 " ",
                                                 "\"",
                                                 "\\",
                                                 "\n",
                                                 "\x01",
                                                 "\xc3\xa9",
                                                 "\xe2\x82\xac",
                                                 "\xf0\x9f\x98\x80",
                                                 "\x7f",
                                                 "/",
                                                 "0"};
  std::string s;
  const size_t n = rng() % (max_len + 1);
  for (size_t i = 0; i < n; ++i) s += kPieces[rng() % std::size(kPieces)];
  return s;
}

inline JsonNode RandomJsonScalar(std::mt19937& rng) {
  switch (rng() % 13) {
    case 0:
      return JsonNode::Null();
    case 1:
      return JsonNode::Bool(rng() % 2 == 0);
    case 2:
      return JsonNode::Int16(static_cast<int16_t>(rng()));
    case 3:
      return JsonNode::Uint16(static_cast<uint16_t>(rng()));
    case 4:
      return JsonNode::Int32(static_cast<int32_t>(rng()));
    case 5:
      return JsonNode::Uint32(static_cast<uint32_t>(rng()));
    case 6:
      return JsonNode::Int64(static_cast<int64_t>((uint64_t{rng()} << 32) | rng()));
    case 7:
      return JsonNode::Uint64((uint64_t{rng()} << 32) | rng());
    case 8: {
      static const std::pair<double, std::string_view> kDoubles[] = {
          {1.5, "1.5"},        {-0.25, "-0.25"}, {3.0, "3.0"},
          {1e300, "1e+300"},   {0.1, "0.1"},     {-123456789.0, "-123456789.0"},
          {2.5e-7, "2.5e-07"}, {0.0, "0.0"}};
      const auto& [v, t] = kDoubles[rng() % std::size(kDoubles)];
      return JsonNode::Double(v, std::string(t));
    }
    case 9:
    case 10:
      return JsonNode::String(RandomJsonString(rng, rng() % 3 == 0 ? 200 : 8));
    case 11: {
      Bytes d;
      d.U8(10).U8(4);
      EncodeDecimal("-123456.7890", 10, 4, &d);
      return JsonNode::Opaque(246, d.bytes(), "-123456.7890");
    }
    default: {
      Bytes d;
      d.U64(static_cast<uint64_t>(DatetimePacked(2024, 2, 29, 23, 5, 9, 120000)));
      return JsonNode::Opaque(12, d.bytes(), "\"2024-02-29 23:05:09.120000\"");
    }
  }
}

inline JsonNode RandomJson(std::mt19937& rng, int depth) {
  const unsigned pick = rng() % 10;
  if (depth >= 4 || pick < 4) return RandomJsonScalar(rng);
  if (pick < 7) {
    JsonNode a = JsonNode::Array();
    const size_t n = rng() % 6;
    for (size_t i = 0; i < n; ++i) a.elements.push_back(RandomJson(rng, depth + 1));
    return a;
  }
  JsonNode o = JsonNode::Object();
  const size_t n = rng() % 6;
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) {
    std::string k = RandomJsonString(rng, 4);
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) { return JsonKeyLess(a, b); });
  for (const std::string& k : keys) o.members.emplace_back(k, RandomJson(rng, depth + 1));
  return o;
}

}  // namespace binsync::binlog::testing

#endif  // BINSYNC_TESTS_CORE_BINLOG_JSON_BUILDER_H_
