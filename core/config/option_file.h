// MySQL option files (my.cnf), read as the mysql/mariadb client reads them.
//
// Syntax: `[group]` headers (names case-insensitive), `key=value`, `key` alone (a flag),
// whitespace around both trimmed, a value wholly in '...' or "..." taken literally apart from
// escapes, the escapes \b \t \n \r \\ \s (space) \" \', comments from '#' or ';' at the
// start of a line and from '#' after a value that is not quoted, `!include FILE` and
// `!includedir DIR` (its *.cnf files in name order). '-' and '_' are the same in a key.
// binsync is stricter than mysql where mysql silently keeps nonsense: an option before
// any group, an empty key, a key with blanks, an unterminated quote and a malformed
// directive are errors naming `file:line`.
#ifndef BINSYNC_CORE_CONFIG_OPTION_FILE_H_
#define BINSYNC_CORE_CONFIG_OPTION_FILE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync {

// One `key[=value]` line, in the order the files were read.
struct OptionEntry {
  std::string group;                 // lower case
  std::string key;                   // lower case, '_' turned into '-'
  std::optional<std::string> value;  // nullopt: `key` alone
  std::string origin;                // "file:line", for messages (never the value)
};

// Parses one file's text. `file` names it in errors and origins; `!include` and
// `!includedir` are followed through the file system (a missing include is skipped, as
// mysql does). `depth` limits include nesting.
[[nodiscard]] absl::StatusOr<std::vector<OptionEntry>> ParseOptionText(std::string_view text,
                                                                       std::string_view file,
                                                                       int depth = 0);

// One file to read: `required` files (named on the command line) must be readable;
// a missing default file is skipped silently.
struct OptionFilePath {
  std::string path;
  bool required = false;
};
[[nodiscard]] absl::StatusOr<std::vector<OptionEntry>> ReadOptionFiles(
    const std::vector<OptionFilePath>& files);

// Which files to read, as the mysql client chooses them.
struct OptionFileChoice {
  bool no_defaults = false;         // --no-defaults: none of the default files
  std::string defaults_file;        // --defaults-file: only this one
  std::string defaults_extra_file;  // --defaults-extra-file: after the defaults
  std::string config_file;          // binsync's --config: read last
};
// The default files of MariaDB 10.11's client on Debian, in order: /etc/my.cnf,
// /etc/mysql/my.cnf, $HOME/.my.cnf (left out when `home` is empty); then the extra file
// (ignored with --defaults-file, as mysql ignores it); then the --config file.
[[nodiscard]] std::vector<OptionFilePath> OptionFilesToRead(const OptionFileChoice& choice,
                                                            std::string_view home);

// A key as option files spell it: lower case, '_' as '-'.
[[nodiscard]] std::string NormalizeOptionKey(std::string_view key);

}  // namespace binsync

#endif  // BINSYNC_CORE_CONFIG_OPTION_FILE_H_
