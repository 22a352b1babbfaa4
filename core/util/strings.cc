#include "core/util/strings.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace binsync {
namespace {
char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
}  // namespace

std::string ToUpper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Upper);
  return out;
}

namespace {
template <typename T>
std::optional<T> ParseWhole(std::string_view text) {
  T v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}
}  // namespace

std::optional<uint64_t> ParseUint64(std::string_view text) { return ParseWhole<uint64_t>(text); }
std::optional<int64_t> ParseInt64(std::string_view text) { return ParseWhole<int64_t>(text); }

absl::StatusOr<uint64_t> NumberOf(std::string_view what, std::string_view text) {
  if (std::optional<uint64_t> v = ParseUint64(text)) return *v;
  return absl::DataLossError(StrCat(what, " is '", text.substr(0, 40), "', not a number"));
}

absl::StatusOr<int64_t> SignedNumberOf(std::string_view what, std::string_view text) {
  if (std::optional<int64_t> v = ParseInt64(text)) return *v;
  return absl::DataLossError(StrCat(what, " is '", text.substr(0, 40), "', not a number"));
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return Lower(x) == Lower(y); }) != haystack.end();
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '`';
  for (const char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + bytes.size() * 2);
  for (const char ch : bytes) {
    const auto u = static_cast<unsigned char>(ch);
    *out += kHex[u >> 4];
    *out += kHex[u & 0xf];
  }
}

bool TableSelected(const std::vector<std::string>& databases,
                   const std::vector<std::string>& tables, std::string_view db,
                   std::string_view table) {
  if (!databases.empty() &&
      std::find(databases.begin(), databases.end(), db) == databases.end()) {
    return false;
  }
  if (tables.empty() || table.empty()) return true;
  for (const std::string& t : tables) {
    const size_t dot = t.find('.');
    if (dot == std::string::npos ? t == table
                                 : (std::string_view(t).substr(0, dot) == db &&
                                    std::string_view(t).substr(dot + 1) == table)) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> UnmatchedSelection(const std::vector<std::string>& databases,
                                            const std::vector<std::string>& tables,
                                            const std::vector<std::string>& schemas,
                                            const std::vector<std::string>& existing_tables) {
  std::vector<std::string> out;
  for (const std::string& d : databases) {
    if (std::find(schemas.begin(), schemas.end(), d) == schemas.end()) {
      out.push_back(StrCat("--databases ", d));
    }
  }
  for (const std::string& entry : tables) {
    const bool found = std::any_of(
        existing_tables.begin(), existing_tables.end(), [&](const std::string& name) {
          const size_t dot = name.find('.');
          if (dot == std::string::npos) return false;
          return TableSelected(databases, {entry}, std::string_view(name).substr(0, dot),
                               std::string_view(name).substr(dot + 1));
        });
    if (!found) out.push_back(StrCat("--tables ", entry));
  }
  return out;
}

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

uint64_t Load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Non-zero when some byte of `w` is zero (exact as to "some"; the classic bit trick).
constexpr uint64_t HasZeroByte(uint64_t w) { return (w - kOnes) & ~w & kHighs; }

// Non-zero when some byte of `w` needs a JSON escape: < 0x20, '"' or '\\'.
constexpr uint64_t NeedsEscape(uint64_t w) {
  return ((w - kOnes * 0x20) & ~w & kHighs) | HasZeroByte(w ^ (kOnes * '"')) |
         HasZeroByte(w ^ (kOnes * '\\'));
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const char* p = s.data();
  const size_t size = s.size();
  size_t i = 0;
  while (i < size) {
    if (size - i >= 8 && (Load8(p + i) & kHighs) == 0) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (size - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(p[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

void AppendJsonEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char* p = s.data();
  const size_t size = s.size();
  size_t run = 0;  // start of the pending run that needs no escape
  size_t i = 0;
  while (i < size) {
    if (size - i >= 8 && NeedsEscape(Load8(p + i)) == 0) {
      i += 8;
      continue;
    }
    const char c = p[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out->append(p + run, i - run);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xf]};
        out->append(esc, sizeof esc);
      }
    }
    run = ++i;
  }
  out->append(p + run, size - run);
}

}  // namespace binsync
