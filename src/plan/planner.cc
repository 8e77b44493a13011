#include "plan/planner.h"

#include <algorithm>
#include <set>

#include "util/strings.h"

namespace mailcert::plan {
namespace {

bool IsWildcard(const std::string& name) { return name.rfind("*.", 0) == 0; }

void AddUnique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

std::set<std::string> AsSet(const std::vector<std::string>& names) {
  std::set<std::string> set;
  for (const auto& name : names) set.insert(util::ToLower(name));
  return set;
}

// Leaves out every name a wildcard of the same certificate covers: CAs refuse such orders as
// redundant (mailcow #4471, #7112).
std::vector<std::string> WithoutWildcardCovered(const std::vector<std::string>& names) {
  std::vector<std::string> wildcards;
  for (const auto& name : names) {
    if (IsWildcard(name)) wildcards.push_back(name);
  }
  std::vector<std::string> kept;
  for (const auto& name : names) {
    bool covered = !IsWildcard(name) &&
                   std::any_of(wildcards.begin(), wildcards.end(), [&](const std::string& w) {
                     return CoveredByWildcard(name, w);
                   });
    if (!covered) kept.push_back(name);
  }
  return kept;
}

struct Bucket {
  std::string lineage;
  std::vector<std::string> names;       // server names (bucket 0 only) + assigned groups
  std::vector<const NameGroup*> groups;
};

size_t SizeWith(const Bucket& bucket, const NameGroup& group) {
  std::vector<std::string> names = bucket.names;
  for (const auto& name : group.names) AddUnique(names, name);
  return WithoutWildcardCovered(names).size();
}

void Assign(Bucket& bucket, const NameGroup& group) {
  for (const auto& name : group.names) AddUnique(bucket.names, name);
  bucket.groups.push_back(&group);
}

// The lineage of `existing` that holds most names of `group`, or "".
std::string HolderOf(const NameGroup& group, const std::vector<ExistingCertificate>& existing) {
  std::string best;
  size_t best_count = 0;
  for (const auto& certificate : existing) {
    std::set<std::string> held = AsSet(certificate.names);
    size_t count = 0;
    for (const auto& name : group.names) count += held.count(name);
    if (count > best_count) {
      best_count = count;
      best = certificate.lineage;
    }
  }
  return best;
}

// Non-SNI: the server certificate plus overflow certificates "<host>-2", "<host>-3", … with each
// mail domain kept where it already is (stable split).
std::vector<Bucket> Pack(const std::vector<NameGroup>& groups,
                         const std::vector<ExistingCertificate>& existing, size_t limit) {
  const std::string& hostname = groups.front().names.front();
  std::vector<Bucket> buckets;
  buckets.push_back(Bucket{hostname, groups.front().names, {}});
  // Overflow lineages the store already has, in their numeric order.
  std::vector<std::pair<int, std::string>> overflow;
  for (const auto& certificate : existing) {
    const std::string prefix = hostname + "-";
    if (certificate.lineage.rfind(prefix, 0) != 0) continue;
    const std::string suffix = certificate.lineage.substr(prefix.size());
    if (suffix.empty() || suffix.find_first_not_of("0123456789") != std::string::npos) continue;
    overflow.emplace_back(std::stoi(suffix), certificate.lineage);
  }
  std::sort(overflow.begin(), overflow.end());
  for (const auto& [number, lineage] : overflow) buckets.push_back(Bucket{lineage, {}, {}});

  auto find_bucket = [&](const std::string& lineage) -> Bucket* {
    for (auto& bucket : buckets) {
      if (bucket.lineage == lineage) return &bucket;
    }
    return nullptr;
  };
  // Domains already placed stay where they are (if they still fit).
  std::vector<const NameGroup*> unplaced;
  for (size_t i = 1; i < groups.size(); ++i) {
    Bucket* holder = find_bucket(HolderOf(groups[i], existing));
    if (holder != nullptr && SizeWith(*holder, groups[i]) <= limit) {
      Assign(*holder, groups[i]);
    } else {
      unplaced.push_back(&groups[i]);
    }
  }
  // New domains: first certificate with room, else a new one.
  for (const NameGroup* group : unplaced) {
    Bucket* target = nullptr;
    for (auto& bucket : buckets) {
      if (SizeWith(bucket, *group) <= limit) {
        target = &bucket;
        break;
      }
    }
    if (target == nullptr) {
      int next = 2;
      while (find_bucket(hostname + "-" + std::to_string(next)) != nullptr) ++next;
      buckets.push_back(Bucket{hostname + "-" + std::to_string(next), {}, {}});
      target = &buckets.back();
    }
    Assign(*target, *group);
  }
  // An overflow certificate that lost all its domains is dropped from the plan.
  buckets.erase(std::remove_if(buckets.begin() + 1, buckets.end(),
                               [](const Bucket& bucket) { return bucket.names.empty(); }),
                buckets.end());
  return buckets;
}

void Compare(PlannedCertificate& certificate, const std::vector<ExistingCertificate>& existing) {
  const ExistingCertificate* stored = nullptr;
  for (const auto& candidate : existing) {
    if (candidate.lineage == certificate.lineage) stored = &candidate;
  }
  if (stored == nullptr) {
    certificate.status = PlanStatus::kNew;
    certificate.why = "no certificate yet";
    return;
  }
  std::set<std::string> now = AsSet(certificate.names), before = AsSet(stored->names);
  for (const auto& name : certificate.names) {
    if (!before.count(util::ToLower(name))) certificate.added_names.push_back(name);
  }
  for (const auto& name : stored->names) {
    if (!now.count(util::ToLower(name))) certificate.removed_names.push_back(name);
  }
  std::vector<std::string> want_keys = certificate.key_types, have_keys = stored->key_types;
  std::sort(want_keys.begin(), want_keys.end());
  std::sort(have_keys.begin(), have_keys.end());
  if (certificate.added_names.empty() && certificate.removed_names.empty() &&
      (have_keys.empty() || want_keys == have_keys)) {
    certificate.status = PlanStatus::kUnchanged;
    certificate.why = "same names as the stored certificate";
    return;
  }
  certificate.status = PlanStatus::kChanged;
  std::vector<std::string> reasons;
  if (!certificate.added_names.empty()) {
    reasons.push_back("adds " + util::Join(certificate.added_names, ", "));
  }
  if (!certificate.removed_names.empty()) {
    reasons.push_back("removes " + util::Join(certificate.removed_names, ", ") +
                      " (no longer in the configuration)");
  }
  if (!have_keys.empty() && want_keys != have_keys) {
    reasons.push_back("key types " + util::Join(have_keys, "+") + " -> " +
                      util::Join(want_keys, "+"));
  }
  certificate.why = util::Join(reasons, "; ");
}

// The failure policy: a failing name holds its certificate as it is, or is dropped on request.
void ApplyChecks(PlannedCertificate& certificate, const MailSetup& setup,
                 const std::vector<ExistingCertificate>& existing,
                 const std::map<std::string, NameCheck>& checks) {
  for (const auto& name : certificate.names) {
    auto check = checks.find(name);
    if (check != checks.end() && !check->second.passed) certificate.failing_names.push_back(name);
  }
  if (certificate.failing_names.empty()) return;
  const std::string& hostname = setup.hostname;
  const bool hostname_fails = std::find(certificate.failing_names.begin(),
                                        certificate.failing_names.end(),
                                        hostname) != certificate.failing_names.end();
  if (setup.drop_failing_names && !hostname_fails) {
    std::vector<std::string> kept;
    for (const auto& name : certificate.names) {
      if (std::find(certificate.failing_names.begin(), certificate.failing_names.end(), name) ==
          certificate.failing_names.end()) {
        kept.push_back(name);
      }
    }
    certificate.dropped_names = certificate.failing_names;
    certificate.failing_names.clear();
    certificate.names = kept;
    certificate.added_names.clear();
    certificate.removed_names.clear();
    Compare(certificate, existing);
    certificate.why += "; dropped failing " + util::Join(certificate.dropped_names, ", ");
    return;
  }
  if (certificate.status == PlanStatus::kUnchanged) {
    certificate.why += "; but " + util::Join(certificate.failing_names, ", ") +
                       " fail their checks now and will fail at renewal";
    return;
  }
  const bool exists = certificate.status == PlanStatus::kChanged;
  certificate.status = PlanStatus::kHeld;
  certificate.why = (exists ? "kept as it is (still valid, still deployed)"
                            : "not requested") +
                    std::string(" until ") + util::Join(certificate.failing_names, ", ") +
                    " pass their checks or are removed from the configuration" +
                    (hostname_fails ? "; the host name is never replaced by another name" : "");
}

}  // namespace

size_t NameLimit(const std::string& profile) {
  return profile == "tlsserver" || profile == "shortlived" ? 25 : 100;
}

const char* PlanStatusName(PlanStatus status) {
  switch (status) {
    case PlanStatus::kNew: return "new";
    case PlanStatus::kUnchanged: return "unchanged";
    case PlanStatus::kChanged: return "changed";
    case PlanStatus::kHeld: return "held";
  }
  return "?";
}

bool Plan::NeedsAttention() const {
  if (!problems.empty()) return true;
  return std::any_of(certificates.begin(), certificates.end(), [](const auto& c) {
    return c.status == PlanStatus::kHeld || !c.dropped_names.empty() || !c.failing_names.empty();
  });
}

bool CoveredByWildcard(const std::string& name, const std::string& pattern) {
  if (!IsWildcard(pattern)) return false;
  const std::string suffix = util::ToLower(pattern.substr(1));  // ".example.org"
  const std::string lower = util::ToLower(name);
  if (lower.size() <= suffix.size() || lower.compare(lower.size() - suffix.size(), suffix.size(),
                                                     suffix) != 0) {
    return false;
  }
  // Exactly one label in front (RFC 6125 §6.4.3: the wildcard matches one label only).
  return lower.substr(0, lower.size() - suffix.size()).find('.') == std::string::npos;
}

std::vector<NameGroup> BuildNameGroups(const MailSetup& setup, std::vector<std::string>* problems) {
  std::vector<NameGroup> groups;
  const std::string hostname = util::ToLower(setup.hostname);
  NameGroup server{"", {hostname}};
  std::vector<std::string> per_domain_labels = setup.labels;
  if (!setup.only_hostname) {
    for (const auto& raw : setup.additional_names) {
      const std::string name = util::ToLower(raw);
      if (name.size() > 2 && name.compare(name.size() - 2, 2, ".*") == 0) {
        AddUnique(per_domain_labels, name.substr(0, name.size() - 2));
      } else if (IsWildcard(name) && setup.challenge != "dns-01") {
        if (problems) {
          problems->push_back(name + " is a wildcard: CAs validate wildcards only with DNS-01; "
                              "set challenge = \"dns-01\" or remove it");
        }
      } else {
        AddUnique(server.names, name);
      }
    }
  }
  groups.push_back(server);
  if (setup.only_hostname) return groups;

  std::vector<std::string> domains;
  for (const auto& domain : setup.domains) AddUnique(domains, util::ToLower(domain));
  std::sort(domains.begin(), domains.end());  // stable regardless of the source's order
  for (const auto& domain : domains) {
    NameGroup group{domain, {}};
    std::vector<std::string> labels = per_domain_labels;
    if (setup.mta_sts_domains.count(domain)) AddUnique(labels, "mta-sts");
    for (const auto& label : labels) {
      const std::string name = label + "." + domain;
      if (name == hostname) continue;
      if (std::find(server.names.begin(), server.names.end(), name) != server.names.end()) {
        continue;
      }
      AddUnique(group.names, name);
    }
    if (!group.names.empty()) groups.push_back(std::move(group));
  }
  return groups;
}

Plan MakePlan(const MailSetup& setup, const std::vector<ExistingCertificate>& existing,
              const std::map<std::string, NameCheck>& checks) {
  Plan plan;
  if (setup.hostname.empty()) {
    plan.problems.push_back("no mail host name: set hostname (mailcow: MAILCOW_HOSTNAME)");
    return plan;
  }
  if (setup.key_types.empty()) {
    plan.problems.push_back("no key type: set key_types, e.g. [\"ec256\"] or [\"ec256\", "
                            "\"rsa2048\"]");
    return plan;
  }
  const std::vector<NameGroup> groups = BuildNameGroups(setup, &plan.problems);
  const size_t limit = NameLimit(setup.profile);

  std::vector<Bucket> buckets;
  if (setup.sni) {
    buckets.push_back(Bucket{groups.front().names.front(), groups.front().names, {}});
    for (size_t i = 1; i < groups.size(); ++i) {
      buckets.push_back(Bucket{groups[i].domain, groups[i].names, {&groups[i]}});
    }
  } else {
    buckets = Pack(groups, existing, limit);
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    PlannedCertificate certificate;
    certificate.lineage = buckets[i].lineage;
    certificate.server = i == 0;
    certificate.names = WithoutWildcardCovered(buckets[i].names);
    certificate.key_types = setup.key_types;
    if (certificate.names.size() > limit) {
      plan.problems.push_back(certificate.lineage + " needs " +
                              std::to_string(certificate.names.size()) +
                              " names, more than the CA allows (" + std::to_string(limit) + ")");
    }
    Compare(certificate, existing);
    ApplyChecks(certificate, setup, existing, checks);
    plan.certificates.push_back(std::move(certificate));
  }
  for (const auto& stored : existing) {
    bool planned = std::any_of(plan.certificates.begin(), plan.certificates.end(),
                               [&](const auto& c) { return c.lineage == stored.lineage; });
    if (!planned) plan.retired.push_back(stored.lineage);
  }
  return plan;
}

}  // namespace mailcert::plan
