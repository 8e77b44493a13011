#include "dns/caa_lookup.h"

#include <set>

#include "dns/name.h"

namespace mailcert::dns {
namespace {

constexpr int kMaxAliasHops = 8;

// Follows the CNAME records of `response` from `name`; returns the last name reached.
std::string EndOfChain(const Response& response, const std::string& name) {
  std::string current = name;
  std::set<std::string> seen = {current};
  bool moved = true;
  while (moved) {
    moved = false;
    for (const Record& record : response.answer) {
      if (record.type != RrType::kCname || record.name != current) continue;
      const std::string& target = record.As<CnameRecord>()->target;
      if (!seen.insert(target).second) return current;
      current = target;
      moved = true;
      break;
    }
  }
  return current;
}

// CAA(X) of RFC 8659 §3: the CAA RRset at `name` after chasing aliases.
CaaStep LookupOne(Resolver& resolver, const std::string& name) {
  CaaStep step;
  step.name = name;
  std::string current = name;
  std::set<std::string> asked;
  for (int hop = 0; hop <= kMaxAliasHops; ++hop) {
    asked.insert(current);
    auto response = resolver.Query(current, RrType::kCaa);
    if (!response) {
      step.failure = std::move(response.error());
      return step;
    }
    std::string end = EndOfChain(*response, current);
    bool answered_for_end = false;
    for (const Record& record : response->answer) {
      if (record.name != end) continue;
      answered_for_end = true;
      if (const CaaRecord* caa = record.As<CaaRecord>()) step.records.push_back(*caa);
    }
    if (end != name) step.alias_target = end;
    // Done unless the resolver stopped at an alias without answering for its target (an
    // authoritative-only server, or a target in another zone).
    if (end == current || answered_for_end || response->rcode == Rcode::kNxDomain ||
        asked.count(end) != 0) {
      return step;
    }
    current = end;
  }
  step.failure =
      MakeQueryError(QueryFailure::kInconsistent, name, RrType::kCaa, "",
                     "CNAME chain longer than " + std::to_string(kMaxAliasHops) + " hops");
  return step;
}

}  // namespace

std::vector<CaaStep> LookupCaa(Resolver& resolver, std::string_view identifier) {
  std::vector<CaaStep> steps;
  auto normalized = NormalizeName(identifier);
  if (!normalized) {
    CaaStep invalid;
    invalid.name = std::string(identifier);
    invalid.failure = MakeQueryError(QueryFailure::kInvalidName, identifier, RrType::kCaa, "",
                                     normalized.error().message);
    steps.push_back(std::move(invalid));
    return steps;
  }
  // RFC 8659 §3: for *.X the search starts at X; the root is never asked.
  for (std::string name = StripWildcard(*normalized); name != "."; name = ParentName(name)) {
    steps.push_back(LookupOne(resolver, name));
    if (steps.back().failure || !steps.back().records.empty()) break;
  }
  return steps;
}

CaaDecision CheckCaa(Resolver& resolver, const CaaRequest& request) {
  return EvaluateCaa(request, LookupCaa(resolver, request.identifier));
}

}  // namespace mailcert::dns
