// String helpers that work with std::string_view. Debian 12's abseil is built with its
// own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), which StrCat and
// fmt do not mix with std::string_view; binsync formats with fmt instead.
#ifndef BINSYNC_CORE_UTIL_STRINGS_H_
#define BINSYNC_CORE_UTIL_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fmt/format.h"

// Lets fmt and spdlog print absl::string_view (Status::message()).
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(absl::string_view s, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.data(), s.size()), ctx);
  }
};

namespace binsync {

namespace strings_internal {
// One piece of StrCat/StrAppend: strings appended as they are, integers through
// fmt::format_int (no format-string parsing, no back_inserter growth), the rest via fmt.
template <typename T>
void AppendPiece(std::string* out, const T& v) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out->append(std::string_view(v));
  } else if constexpr (std::is_same_v<T, char>) {
    out->push_back(v);
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    const fmt::format_int f(v);
    out->append(f.data(), f.size());
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", v);
  }
}
}  // namespace strings_internal

// Concatenates anything fmt can format (strings, views, numbers).
template <typename... Args>
[[nodiscard]] std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::AppendPiece(&out, args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::AppendPiece(out, args), ...);
}

// A whole decimal number ('-' allowed for the signed one); nullopt for anything else
// (empty, junk, out of range). Never throws, unlike std::stoull.
[[nodiscard]] std::optional<uint64_t> ParseUint64(std::string_view text);
[[nodiscard]] std::optional<int64_t> ParseInt64(std::string_view text);
// For numbers a server returned: the number, or an error naming `what` and the text.
[[nodiscard]] absl::StatusOr<uint64_t> NumberOf(std::string_view what, std::string_view text);
[[nodiscard]] absl::StatusOr<int64_t> SignedNumberOf(std::string_view what, std::string_view text);

[[nodiscard]] std::string ToUpper(std::string_view s);
[[nodiscard]] std::string ToLower(std::string_view s);
[[nodiscard]] bool EqualsIgnoreCase(std::string_view a, std::string_view b);
[[nodiscard]] bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle);

// `name` as a quoted identifier: backticks, with embedded backticks doubled.
[[nodiscard]] std::string QuoteIdentifier(std::string_view name);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. ASCII runs are
// checked eight bytes at a time.
[[nodiscard]] bool IsValidUtf8(std::string_view s);

// Appends `s` escaped for the inside of a JSON string ("\"", "\\", control characters).
// Bytes >= 0x80 pass through unchanged; runs that need no escape are appended whole.
void AppendJsonEscaped(std::string_view s, std::string* out);

// Appends `bytes` as lowercase hex (two digits per byte).
void AppendHex(std::string_view bytes, std::string* out);

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

// --databases / --tables selection: `db` must be in `databases` (when given) and, when
// `tables` is given and `table` is not empty, `table` must match an entry "t" or "db.t".
// An empty `table` asks about the database alone (statements).
[[nodiscard]] bool TableSelected(const std::vector<std::string>& databases,
                                 const std::vector<std::string>& tables, std::string_view db,
                                 std::string_view table);

// The --databases / --tables entries that name nothing in `schemas` (database names) and
// `tables` ("db.table" names), as "--databases x" / "--tables y": a typo would otherwise
// select nothing, silently. A "t" or "db.t" entry must match a table of a selected
// database.
[[nodiscard]] std::vector<std::string> UnmatchedSelection(
    const std::vector<std::string>& databases, const std::vector<std::string>& tables,
    const std::vector<std::string>& schemas, const std::vector<std::string>& existing_tables);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_STRINGS_H_
