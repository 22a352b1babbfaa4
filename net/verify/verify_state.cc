#include "net/verify/verify_state.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/util/clock.h"
#include "core/util/strings.h"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

using KeyValues = VerifyStateFile::KeyValues;

std::string Hex(std::string_view v) {
  std::string out;
  AppendHex(v, &out);
  return out;
}

std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out += static_cast<char>(nib(h[i]) * 16 + nib(h[i + 1]));
  }
  return out;
}

// Values are hex in the state file: rows may hold any bytes, JSON strings may not.
nlohmann::json DiffsToJson(const std::vector<RowDiff>& diffs) {
  nlohmann::json j = nlohmann::json::array();
  for (const RowDiff& d : diffs) {
    nlohmann::json row = nlohmann::json::array();
    for (const auto& v : d.a_row) row.push_back(v ? nlohmann::json(Hex(*v)) : nlohmann::json(nullptr));
    nlohmann::json key = nlohmann::json::array();
    for (const auto& k : d.key) key.push_back(Hex(k));
    j.push_back({{"key", key}, {"kind", static_cast<int>(d.kind)}, {"columns", d.columns}, {"a_row", row}});
  }
  return j;
}

std::vector<RowDiff> DiffsFromJson(const nlohmann::json& j) {
  std::vector<RowDiff> out;
  for (const auto& d : j) {
    RowDiff r;
    for (const auto& k : d["key"]) r.key.push_back(Unhex(k.get<std::string>()));
    r.kind = static_cast<DiffKind>(d["kind"].get<int>());
    r.columns = d["columns"].get<std::vector<std::string>>();
    for (const auto& v : d["a_row"]) {
      r.a_row.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(Unhex(v.get<std::string>())));
    }
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json HexList(const KeyValues& v) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& x : v) j.push_back(Hex(x));
  return j;
}

}  // namespace

absl::Status VerifyStateFile::Load() {
  std::ifstream in(path_);
  if (!in) return absl::NotFoundError(StrCat(path_, ": no verify state to resume; run without --resume"));
  try {
    state_ = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(StrCat(path_, ": unreadable verify state (", e.what(), "); run without --resume"));
  }
  if (state_.value("pair", "") != pair_) {
    return absl::FailedPreconditionError(StrCat(path_, ": state is for ", state_.value("pair", "?"),
                                                ", not ", pair_, "; run without --resume"));
  }
  if (state_.contains("tables")) {
    for (const auto& [name, j] : state_["tables"].items()) tables_text_[name] = j.dump();
  }
  return absl::OkStatus();
}

std::optional<std::pair<TableResult, std::optional<KeyValues>>> VerifyStateFile::Saved(
    const std::string& table) const {
  if (!state_.contains("tables") || !state_["tables"].contains(table)) return std::nullopt;
  const auto& j = state_["tables"][table];
  TableResult r;
  r.table = table;
  r.rows_a = j["rows_a"];
  r.rows_b = j["rows_b"];
  r.chunks = j["chunks"];
  r.diff_chunks = j["diff_chunks"];
  r.diffs = DiffsFromJson(j["diffs"]);
  if (j.contains("unsettled")) r.unsettled = DiffsFromJson(j["unsettled"]);
  r.problem = j.value("problem", "");
  r.truncated = j.value("truncated", false);
  std::optional<KeyValues> after;
  if (!j["after"].is_null()) {
    after.emplace();
    for (const auto& k : j["after"]) after->push_back(Unhex(k.get<std::string>()));
  }
  if (j.value("done", false)) after.reset();
  return std::make_pair(r, j.value("done", false) ? std::nullopt : std::optional<KeyValues>(after));
}

bool VerifyStateFile::Done(const std::string& table) const {
  return state_.contains("tables") && state_["tables"].contains(table) &&
         state_["tables"][table].value("done", false);
}

bool VerifyStateFile::Due() const {
  return !saved_ || Clock::now() - last_save_ >= std::chrono::seconds(1);
}

void VerifyStateFile::Save(const TableResult& r, const std::optional<KeyValues>& after, bool done) {
  if (!enabled()) return;
  saved_ = true;
  last_save_ = Clock::now();
  const nlohmann::json table = {{"rows_a", r.rows_a}, {"rows_b", r.rows_b}, {"chunks", r.chunks},
                                {"diff_chunks", r.diff_chunks}, {"diffs", DiffsToJson(r.diffs)},
                                {"unsettled", DiffsToJson(r.unsettled)},
                                {"after", after ? HexList(*after) : nlohmann::json(nullptr)},
                                {"problem", r.problem}, {"truncated", r.truncated},
                                {"done", done}};
  tables_text_[r.table] = table.dump();
  std::string text = StrCat(R"({"pair":)", nlohmann::json(pair_).dump(), R"(,"tables":{)");
  bool first = true;
  for (const auto& [name, t] : tables_text_) {
    StrAppend(&text, first ? "" : ",", nlohmann::json(name).dump(), ":", t);
    first = false;
  }
  text += "}}";
  const std::string tmp = path_ + ".tmp";
  bool written = false;
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    written = static_cast<bool>(out);
  }
  std::error_code ec;
  if (written) std::filesystem::rename(tmp, path_, ec);
  if ((!written || ec) && !warned_) {
    warned_ = true;
    spdlog::warn("verify: cannot save progress to {} ({}); going on, but --resume will not find it",
                 path_, written ? ec.message() : "write failed");
  }
}

}  // namespace binsync
