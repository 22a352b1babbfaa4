#include "core/util/strings.h"

#include <algorithm>
#include <cctype>

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

}  // namespace binsync
