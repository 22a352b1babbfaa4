// Child processes without a shell: argv is passed as is (no quoting bugs, no
// injection), and secrets travel in the environment or stdin, never in argv.
#ifndef BINSYNC_CORE_UTIL_SUBPROCESS_H_
#define BINSYNC_CORE_UTIL_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync {

struct SubprocessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

struct SubprocessOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // then SIGKILL + error
  std::vector<std::string> extra_env;                         // "NAME=value", added
  std::string stdin_data;                                      // written, then closed
};

// Runs argv[0] (searched in PATH) to completion, capturing stdout and stderr.
[[nodiscard]] absl::StatusOr<SubprocessResult> RunSubprocess(
    const std::vector<std::string>& argv, const SubprocessOptions& options = {});

struct DaemonOptions {
  std::string log_file;          // stdout and stderr go here (appended)
  bool die_with_parent = false;  // SIGTERM the child when this process dies (test harness)
};

// Starts argv in its own session, detached from our stdio; returns its pid. With
// die_with_parent the child is still our child (the caller reaps it).
[[nodiscard]] absl::StatusOr<pid_t> SpawnDaemon(const std::vector<std::string>& argv,
                                                const DaemonOptions& options);

// True while `pid` exists and is not a zombie. Reaps it when it is our exited child.
[[nodiscard]] bool ProcessAlive(pid_t pid);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_SUBPROCESS_H_
