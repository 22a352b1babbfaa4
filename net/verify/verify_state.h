// The --resume state of `binsync verify`: per table, what was found so far and the last
// chunk saved (or that the table is done), in one JSON file written whole (tmp + rename).
#ifndef BINSYNC_NET_VERIFY_VERIFY_STATE_H_
#define BINSYNC_NET_VERIFY_VERIFY_STATE_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/util/clock.h"
#include "absl/status/status.h"
#include "core/verify/report.h"
#include "nlohmann/json.hpp"

namespace binsync {

class VerifyStateFile {
 public:
  using KeyValues = std::vector<std::string>;

  // `path` empty: nothing is saved. `pair` ("A-endpoint B-endpoint") must match on Load.
  VerifyStateFile(std::string path, std::string pair)
      : path_(std::move(path)), pair_(std::move(pair)) {}

  // Reads a saved state for --resume; a clear error when missing, unreadable or for
  // another pair of servers.
  [[nodiscard]] absl::Status Load();
  [[nodiscard]] bool enabled() const { return !path_.empty(); }
  // The saved result of a table, and for a table in progress the key after which to go on.
  [[nodiscard]] std::optional<std::pair<TableResult, std::optional<KeyValues>>> Saved(
      const std::string& table) const;
  [[nodiscard]] bool Done(const std::string& table) const;
  // Whether a save is due: the first one, then once a second. With many differences,
  // saving after every chunk (or table) was a large part of verify's own work; a resumed
  // run does at most that second again.
  [[nodiscard]] bool Due() const;
  // Saves `r` (done, or in progress up to `after`); only this table is serialized again,
  // the others' text is kept. A file that cannot be written is said once, as a warning:
  // the run goes on, without --resume.
  void Save(const TableResult& r, const std::optional<KeyValues>& after, bool done);

 private:
  std::string path_;
  std::string pair_;
  nlohmann::json state_ = nlohmann::json::object();  // as loaded, for Saved() and Done()
  std::map<std::string, std::string> tables_text_;   // table -> its serialized state
  bool saved_ = false;
  bool warned_ = false;
  Clock::time_point last_save_;
};

}  // namespace binsync

#endif  // BINSYNC_NET_VERIFY_VERIFY_STATE_H_
