// String helpers that work with std::string_view. Debian 12's abseil is built with its
// own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), which StrCat and
// fmt do not mix with std::string_view; binsync formats with fmt instead.
#ifndef BINSYNC_CORE_UTIL_STRINGS_H_
#define BINSYNC_CORE_UTIL_STRINGS_H_

#include <string>
#include <string_view>
#include <vector>

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

// Concatenates anything fmt can format (strings, views, numbers).
template <typename... Args>
[[nodiscard]] std::string StrCat(const Args&... args) {
  std::string out;
  (fmt::format_to(std::back_inserter(out), "{}", args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (fmt::format_to(std::back_inserter(*out), "{}", args), ...);
}

[[nodiscard]] std::string ToUpper(std::string_view s);
[[nodiscard]] std::string ToLower(std::string_view s);
[[nodiscard]] bool EqualsIgnoreCase(std::string_view a, std::string_view b);
[[nodiscard]] bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle);

// `name` as a quoted identifier: backticks, with embedded backticks doubled.
[[nodiscard]] std::string QuoteIdentifier(std::string_view name);

// Appends `bytes` as lowercase hex (two digits per byte).
void AppendHex(std::string_view bytes, std::string* out);

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

// --databases / --tables selection: `db` must be in `databases` (when given) and, when
// `tables` is given and `table` is not empty, `table` must match an entry "t" or "db.t".
// An empty `table` asks about the database alone (statements).
[[nodiscard]] bool TableSelected(const std::vector<std::string>& databases,
                                 const std::vector<std::string>& tables, std::string_view db,
                                 std::string_view table);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_STRINGS_H_
