// What lagbench needs of a pair before it measures a direction with the native engine,
// decided from the servers' facts (core/topology/server_facts): the target binlogs what its
// replication applies (lagbench sees arrivals in the target's binlog), and the target has a
// running replication channel from the source. Each refusal names the server and the fix.
#ifndef BINSYNC_CORE_LAGBENCH_PREFLIGHT_H_
#define BINSYNC_CORE_LAGBENCH_PREFLIGHT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "core/topology/server_facts.h"

namespace binsync::lagbench {

// `source_port`: the port the target's channel must point at (the source's).
[[nodiscard]] absl::Status CheckNativeDirection(const ServerFacts& source, uint16_t source_port,
                                                const ServerFacts& target);

// The replication settings lagbench records for the report: what decides native's lag.
[[nodiscard]] std::map<std::string, std::string> RecordedSettings(const ServerFacts& facts);

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_PREFLIGHT_H_
