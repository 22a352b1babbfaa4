#include "core/lagbench/workload.h"

#include <charconv>
#include <cmath>

#include "absl/status/status.h"
#include "core/util/strings.h"

namespace binsync::lagbench {
namespace {

bool ParseWeight(std::string_view s, uint32_t* out) {
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && err == std::errc() && end == s.data() + s.size();
}

double Zeta(uint64_t n, double theta) {
  double sum = 0;
  for (uint64_t i = 1; i <= n; ++i) sum += 1.0 / std::pow(static_cast<double>(i), theta);
  return sum;
}

}  // namespace

absl::Status ParseMix(std::string_view text, WorkloadSpec* spec) {
  const size_t a = text.find(':');
  const size_t b = a == std::string_view::npos ? a : text.find(':', a + 1);
  uint32_t w[3] = {0, 0, 0};
  if (b == std::string_view::npos || !ParseWeight(text.substr(0, a), &w[0]) ||
      !ParseWeight(text.substr(a + 1, b - a - 1), &w[1]) || !ParseWeight(text.substr(b + 1), &w[2]) ||
      w[0] + w[1] + w[2] == 0) {
    return absl::InvalidArgumentError(StrCat(
        "--mix ", text, ": expected insert:update:delete weights, e.g. 70:20:10 (not all 0)"));
  }
  spec->insert_weight = w[0];
  spec->update_weight = w[1];
  spec->delete_weight = w[2];
  return absl::OkStatus();
}

absl::Status ParseHotKeys(std::string_view text, WorkloadSpec* spec) {
  if (text == "uniform") {
    spec->zipf_theta = 0;
    return absl::OkStatus();
  }
  double theta = 0;
  const std::string_view num = text.starts_with("zipf:") ? text.substr(5) : std::string_view();
  auto [end, err] = std::from_chars(num.data(), num.data() + num.size(), theta);
  if (num.empty() || err != std::errc() || end != num.data() + num.size() || theta <= 0 ||
      theta >= 1) {
    return absl::InvalidArgumentError(
        StrCat("--hot-keys ", text, ": expected uniform or zipf:THETA with 0 < THETA < 1, e.g. "
               "zipf:0.99"));
  }
  spec->zipf_theta = theta;
  return absl::OkStatus();
}

WorkloadGenerator::WorkloadGenerator(const WorkloadSpec& spec, uint64_t seed)
    : spec_(spec), rng_(seed) {
  if (spec_.zipf_theta > 0 && spec_.key_count > 1) {
    const double theta = spec_.zipf_theta;
    zeta_n_ = Zeta(spec_.key_count, theta);
    zeta_2_ = Zeta(2, theta);
    alpha_ = 1.0 / (1.0 - theta);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(spec_.key_count), 1.0 - theta)) /
           (1.0 - zeta_2_ / zeta_n_);
  }
}

uint64_t WorkloadGenerator::NextKey() {
  const uint64_t n = spec_.key_count;
  if (zeta_n_ == 0) {
    return spec_.key_first + std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
  }
  const double u = unit_(rng_);
  const double uz = u * zeta_n_;
  uint64_t rank = 0;
  if (uz < 1.0) {
    rank = 0;
  } else if (uz < 1.0 + std::pow(0.5, spec_.zipf_theta)) {
    rank = 1;
  } else {
    rank = static_cast<uint64_t>(static_cast<double>(n) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    if (rank >= n) rank = n - 1;
  }
  return spec_.key_first + rank;
}

void WorkloadGenerator::Next(std::vector<PlannedChange>* out) {
  out->clear();
  const uint32_t total = spec_.insert_weight + spec_.update_weight + spec_.delete_weight;
  std::uniform_int_distribution<uint32_t> pick(0, total - 1);
  for (uint32_t i = 0; i < spec_.rows_per_txn; ++i) {
    const uint32_t r = pick(rng_);
    const RowChange c = r < spec_.insert_weight                         ? RowChange::kInsert
                        : r < spec_.insert_weight + spec_.update_weight ? RowChange::kUpdate
                                                                        : RowChange::kDelete;
    out->push_back({c, NextKey()});
  }
}

}  // namespace binsync::lagbench
