#include "core/resync/policies.h"

#include "core/resync/name_table.h"

namespace binsync {
namespace {

constexpr NameTable<ConflictPolicy, 3> kPolicies = {{
    {ConflictPolicy::kReport, "report"},
    {ConflictPolicy::kFromWins, "from-wins"},
    {ConflictPolicy::kNewestWins, "newest-wins"},
}};

}  // namespace

std::string_view PolicyName(ConflictPolicy policy) {
  return NameIn(kPolicies, policy, "report");
}

std::optional<ConflictPolicy> ParsePolicy(std::string_view name) {
  return ValueIn(kPolicies, name);
}

PolicyDecision ReportPolicy(const ConflictFacts& /*facts*/) {
  return {RowAction::kKeep, "left alone (report)"};
}

PolicyDecision FromWins(const ConflictFacts& facts) {
  if (facts.receiver == Side::kTo) {
    return {RowAction::kOverwrite, "--to's row overwritten with --from's change"};
  }
  return {RowAction::kKeep, "--from's row kept"};
}

PolicyDecision NewestWins(const ConflictFacts& facts) {
  const bool into_to = facts.receiver == Side::kTo;
  bool incoming_newer;
  if (!facts.receiver_change_time.has_value()) {
    incoming_newer = into_to;
  } else if (into_to) {
    incoming_newer = facts.change_time >= *facts.receiver_change_time;
  } else {
    incoming_newer = facts.change_time > *facts.receiver_change_time;
  }
  if (incoming_newer) return {RowAction::kOverwrite, "overwritten with the newer change"};
  return {RowAction::kKeep, "newer row kept"};
}

PolicyDecision Decide(ConflictPolicy policy, const ConflictFacts& facts) {
  switch (policy) {
    case ConflictPolicy::kReport:
      return ReportPolicy(facts);
    case ConflictPolicy::kFromWins:
      return FromWins(facts);
    case ConflictPolicy::kNewestWins:
      return NewestWins(facts);
  }
  return ReportPolicy(facts);
}

}  // namespace binsync
