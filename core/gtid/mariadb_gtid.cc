#include "core/gtid/mariadb_gtid.h"

#include <charconv>
#include <map>

#include "core/util/strings.h"

namespace binsync {
namespace {

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<MariaDbGtidPos> ParseMariaDbGtidPos(std::string_view text) {
  MariaDbGtidPos pos;
  text = Trim(text);
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const size_t d1 = item.find('-');
    const size_t d2 = d1 == std::string_view::npos ? d1 : item.find('-', d1 + 1);
    MariaDbGtid g;
    if (d2 == std::string_view::npos || !ParseNumber(item.substr(0, d1), &g.domain_id) ||
        !ParseNumber(item.substr(d1 + 1, d2 - d1 - 1), &g.server_id) ||
        !ParseNumber(item.substr(d2 + 1), &g.seq_no)) {
      return absl::InvalidArgumentError(
          StrCat("GTID position: '", item, "' is not domain-server-seq"));
    }
    pos.push_back(g);
  }
  return pos;
}

std::string FormatMariaDbGtidPos(const MariaDbGtidPos& pos) {
  std::string out;
  for (const MariaDbGtid& g : pos) {
    if (!out.empty()) out += ',';
    StrAppend(&out, g.domain_id, "-", g.server_id, "-", g.seq_no);
  }
  return out;
}

MariaDbGtidPos WithoutServer(const MariaDbGtidPos& pos, uint32_t own_server_id) {
  MariaDbGtidPos out;
  for (const MariaDbGtid& g : pos) {
    if (g.server_id != own_server_id) out.push_back(g);
  }
  return out;
}

MariaDbGtidPos WithoutOwn(const MariaDbGtidPos& pos, uint32_t own_server_id,
                          std::optional<uint32_t> own_domain_id) {
  MariaDbGtidPos out;
  for (const MariaDbGtid& g : WithoutServer(pos, own_server_id)) {
    if (!own_domain_id || g.domain_id != *own_domain_id) out.push_back(g);
  }
  return out;
}

bool MayStillConverge(const GtidSide& a, const GtidSide& b) {
  if (a.pos == b.pos) return false;
  auto pa = ParseMariaDbGtidPos(a.pos);
  auto pb = ParseMariaDbGtidPos(b.pos);
  if (!pa.ok() || !pb.ok()) return true;
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> seq;  // domain -> (a's, b's)
  for (const MariaDbGtid& g : *pa) seq[g.domain_id].first = g.seq_no;
  for (const MariaDbGtid& g : *pb) seq[g.domain_id].second = g.seq_no;
  for (const auto& [domain, ab] : seq) {
    if (ab.first == ab.second) continue;
    const GtidSide& behind = ab.first < ab.second ? a : b;
    if (behind.replicating || behind.domain_id == domain) return true;
  }
  return false;
}

}  // namespace binsync
