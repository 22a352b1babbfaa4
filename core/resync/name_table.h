// A fixed table of (value, name) pairs read both ways: the names resync stores in
// binsync.resync_run and prints (steps, policies). Header-only.
#ifndef BINSYNC_CORE_RESYNC_NAME_TABLE_H_
#define BINSYNC_CORE_RESYNC_NAME_TABLE_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace binsync {

template <typename T, size_t N>
using NameTable = std::array<std::pair<T, std::string_view>, N>;

// `value`'s name; `fallback` for a value the table does not hold.
template <typename T, size_t N>
[[nodiscard]] constexpr std::string_view NameIn(const NameTable<T, N>& table, T value,
                                                std::string_view fallback) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return fallback;
}

// The value named `name` exactly (case and spelling); nullopt for any other name.
template <typename T, size_t N>
[[nodiscard]] constexpr std::optional<T> ValueIn(const NameTable<T, N>& table,
                                                 std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace binsync

#endif  // BINSYNC_CORE_RESYNC_NAME_TABLE_H_
