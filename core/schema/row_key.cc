#include "core/schema/row_key.h"

#include <cstdint>

namespace binsync::schema {
namespace {
constexpr char kNull = 0;
constexpr char kValue = 1;
}  // namespace

void AppendKeyPart(std::string* key, std::optional<std::string_view> part) {
  if (!part) {
    key->push_back(kNull);
    return;
  }
  const auto len = static_cast<uint32_t>(part->size());
  const char header[5] = {kValue, static_cast<char>(len & 0xff), static_cast<char>((len >> 8) & 0xff),
                          static_cast<char>((len >> 16) & 0xff), static_cast<char>(len >> 24)};
  key->append(header, sizeof header);
  key->append(*part);
}

bool DecodeRowKey(std::string_view key, std::vector<std::optional<std::string>>* parts) {
  parts->clear();
  while (!key.empty()) {
    const char tag = key.front();
    key.remove_prefix(1);
    if (tag == kNull) {
      parts->emplace_back(std::nullopt);
      continue;
    }
    if (tag != kValue || key.size() < 4) return false;
    const auto* b = reinterpret_cast<const unsigned char*>(key.data());
    const uint32_t len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    key.remove_prefix(4);
    if (key.size() < len) return false;
    parts->emplace_back(std::string(key.substr(0, len)));
    key.remove_prefix(len);
  }
  return true;
}

}  // namespace binsync::schema
