#include "plan/planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace mailcert::plan {
namespace {

MailSetup MailFor(std::vector<std::string> domains) {
  MailSetup setup;
  setup.hostname = "mail.example.org";
  setup.domains = std::move(domains);
  return setup;
}

std::vector<ExistingCertificate> AsStored(const Plan& plan) {
  std::vector<ExistingCertificate> stored;
  for (const auto& certificate : plan.certificates) {
    stored.push_back({certificate.lineage, certificate.names, certificate.key_types});
  }
  return stored;
}

std::vector<std::string> Domains(int count, int skip = -1) {
  std::vector<std::string> domains;
  for (int i = 0; i < count; ++i) {
    if (i != skip) domains.push_back("domain" + std::to_string(i) + ".example");
  }
  return domains;
}

int CountChanged(const Plan& plan) {
  int changed = 0;
  for (const auto& certificate : plan.certificates) {
    changed += certificate.status != PlanStatus::kUnchanged;
  }
  return changed + static_cast<int>(plan.retired.size());
}

TEST(Planner, OneSanCertificateByDefaultWithMailcowNames) {
  MailSetup setup = MailFor({"example.org", "example.net"});
  setup.mta_sts_domains = {"example.net"};
  setup.additional_names = {"webmail.example.org", "imap.*"};
  Plan plan = MakePlan(setup, {}, {});
  ASSERT_TRUE(plan.problems.empty());
  ASSERT_EQ(plan.certificates.size(), 1u);
  const PlannedCertificate& certificate = plan.certificates[0];
  EXPECT_EQ(certificate.lineage, "mail.example.org");
  EXPECT_TRUE(certificate.server);
  EXPECT_EQ(certificate.status, PlanStatus::kNew);
  EXPECT_EQ(certificate.names,
            (std::vector<std::string>{"mail.example.org", "webmail.example.org",
                                      "autoconfig.example.net", "autodiscover.example.net",
                                      "imap.example.net", "mta-sts.example.net",
                                      "autoconfig.example.org", "autodiscover.example.org",
                                      "imap.example.org"}));
}

TEST(Planner, SniModeServerCertificatePlusOnePerDomain) {
  MailSetup setup = MailFor({"example.org", "example.net"});
  setup.sni = true;
  setup.additional_names = {"webmail.example.org"};
  Plan plan = MakePlan(setup, {}, {});
  ASSERT_EQ(plan.certificates.size(), 3u);
  EXPECT_EQ(plan.certificates[0].lineage, "mail.example.org");
  EXPECT_EQ(plan.certificates[0].names,
            (std::vector<std::string>{"mail.example.org", "webmail.example.org"}));
  EXPECT_EQ(plan.certificates[1].lineage, "example.net");
  EXPECT_EQ(plan.certificates[2].names,
            (std::vector<std::string>{"autoconfig.example.org", "autodiscover.example.org"}));
}

TEST(Planner, OnlyHostnameDropsEverythingElse) {
  MailSetup setup = MailFor({"example.org"});
  setup.only_hostname = true;
  setup.additional_names = {"webmail.example.org", "imap.*"};
  Plan plan = MakePlan(setup, {}, {});
  ASSERT_EQ(plan.certificates.size(), 1u);
  EXPECT_EQ(plan.certificates[0].names, std::vector<std::string>{"mail.example.org"});
}

TEST(Planner, NamesCoveredByAWildcardOfTheSameCertificateAreLeftOut) {
  MailSetup setup = MailFor({"example.org", "example.net"});
  setup.challenge = "dns-01";
  setup.additional_names = {"*.example.org"};
  Plan plan = MakePlan(setup, {}, {});
  ASSERT_EQ(plan.certificates.size(), 1u);
  // mail.example.org itself is covered by the wildcard: the certificate still serves it.
  EXPECT_EQ(plan.certificates[0].names,
            (std::vector<std::string>{"*.example.org", "autoconfig.example.net",
                                      "autodiscover.example.net"}));
  EXPECT_TRUE(CoveredByWildcard("a.example.org", "*.example.org"));
  EXPECT_FALSE(CoveredByWildcard("example.org", "*.example.org"));
  EXPECT_FALSE(CoveredByWildcard("a.b.example.org", "*.example.org"));

  setup.challenge = "http-01";
  Plan refused = MakePlan(setup, {}, {});
  ASSERT_EQ(refused.problems.size(), 1u);
  EXPECT_NE(refused.problems[0].find("DNS-01"), std::string::npos);
}

TEST(Planner, SplitsAtTheProfileNameLimit) {
  MailSetup setup = MailFor(Domains(60));  // 120 names + host
  Plan classic = MakePlan(setup, {}, {});
  ASSERT_EQ(classic.certificates.size(), 2u);
  EXPECT_EQ(classic.certificates[0].names.size(), 99u);  // host + 49 domains × 2
  EXPECT_EQ(classic.certificates[1].lineage, "mail.example.org-2");
  setup.profile = "tlsserver";
  Plan short_lived = MakePlan(setup, {}, {});
  // 121 names, at most 25 each: host + 12 domains, then 4 × 12 domains.
  EXPECT_EQ(short_lived.certificates.size(), 5u);
  for (const auto& certificate : short_lived.certificates) {
    EXPECT_LE(certificate.names.size(), 25u) << certificate.lineage;
    // A domain's names are never split over two certificates.
    for (const auto& name : certificate.names) {
      if (name.rfind("autoconfig.", 0) != 0) continue;
      const std::string sibling = "autodiscover." + name.substr(11);
      EXPECT_NE(std::find(certificate.names.begin(), certificate.names.end(), sibling),
                certificate.names.end())
          << sibling << " is not beside " << name;
    }
  }
}

// Issue #4: add or remove one domain among 300 and count the certificates that change.
TEST(Planner, SplitIsStableWhenOneDomainIsAddedOrRemoved) {
  MailSetup setup = MailFor(Domains(300));
  Plan first = MakePlan(setup, {}, {});
  ASSERT_EQ(first.certificates.size(), 7u);  // 601 names / 100
  const auto stored = AsStored(first);
  EXPECT_EQ(CountChanged(MakePlan(setup, stored, {})), 0);

  for (int removed : {0, 150, 299}) {
    Plan without = MakePlan(MailFor(Domains(300, removed)), stored, {});
    EXPECT_EQ(CountChanged(without), 1) << "removing domain" << removed;
    for (const auto& certificate : without.certificates) {
      if (certificate.status == PlanStatus::kChanged) {
        EXPECT_EQ(certificate.removed_names.size(), 2u);
        EXPECT_TRUE(certificate.added_names.empty());
      }
    }
  }
  // Adding a domain whose name sorts first must not shift the others either.
  std::vector<std::string> more = Domains(300);
  more.push_back("aaa-new.example");
  Plan with = MakePlan(MailFor(more), stored, {});
  EXPECT_EQ(CountChanged(with), 1);
  // And after removing one, the freed room is used by the next new domain, still one change.
  Plan after_removal = MakePlan(MailFor(Domains(300, 10)), stored, {});
  std::vector<std::string> refill = Domains(300, 10);
  refill.push_back("zzz-new.example");
  EXPECT_EQ(CountChanged(MakePlan(MailFor(refill), AsStored(after_removal), {})), 1);
}

TEST(Planner, FailingNameHoldsItsCertificateAndNeverSilentlyDrops) {
  MailSetup setup = MailFor({"example.org", "example.net"});
  setup.sni = true;
  Plan first = MakePlan(setup, {}, {});
  auto stored = AsStored(first);
  // example.net gets a new label; one of its names fails a check.
  setup.labels = {"autoconfig", "autodiscover", "imap"};
  std::map<std::string, NameCheck> checks = {
      {"imap.example.net", {false, "no A record matches this host", "add an A record"}}};
  Plan plan = MakePlan(setup, stored, checks);
  ASSERT_TRUE(plan.NeedsAttention());
  const PlannedCertificate& net = plan.certificates[1];
  EXPECT_EQ(net.lineage, "example.net");
  EXPECT_EQ(net.status, PlanStatus::kHeld);
  EXPECT_EQ(net.failing_names, std::vector<std::string>{"imap.example.net"});
  EXPECT_NE(net.why.find("kept as it is"), std::string::npos) << net.why;
  // The other domain's certificate changes normally.
  EXPECT_EQ(plan.certificates[2].status, PlanStatus::kChanged);

  setup.drop_failing_names = true;
  Plan dropping = MakePlan(setup, stored, checks);
  EXPECT_EQ(dropping.certificates[1].status, PlanStatus::kUnchanged);
  EXPECT_EQ(dropping.certificates[1].dropped_names, std::vector<std::string>{"imap.example.net"});
  EXPECT_TRUE(dropping.NeedsAttention()) << "dropping is said, not silent";
}

TEST(Planner, FailingHostNameBlocksTheServerCertificateNeverPromotesAnother) {
  MailSetup setup = MailFor({"example.org"});
  setup.drop_failing_names = true;
  std::map<std::string, NameCheck> checks = {{"mail.example.org", {false, "no A record", ""}}};
  Plan plan = MakePlan(setup, {}, checks);
  ASSERT_EQ(plan.certificates.size(), 1u);
  EXPECT_EQ(plan.certificates[0].lineage, "mail.example.org");
  EXPECT_EQ(plan.certificates[0].names.front(), "mail.example.org");
  EXPECT_EQ(plan.certificates[0].status, PlanStatus::kHeld);
  EXPECT_NE(plan.certificates[0].why.find("never replaced"), std::string::npos);
}

TEST(Planner, RemovedDomainShrinksOrRetiresButAFailingOneDoesNot) {
  MailSetup setup = MailFor({"example.org", "example.net"});
  setup.sni = true;
  auto stored = AsStored(MakePlan(setup, {}, {}));
  // A domain removed from the configuration retires its SNI certificate.
  Plan removed = MakePlan(MailFor({"example.org"}), stored, {});
  MailSetup sni_one = MailFor({"example.org"});
  sni_one.sni = true;
  Plan retired = MakePlan(sni_one, stored, {});
  EXPECT_EQ(retired.retired, std::vector<std::string>{"example.net"});
  // A domain still configured but failing its checks keeps its certificate.
  std::map<std::string, NameCheck> checks = {
      {"autoconfig.example.net", {false, "DNS lookup timed out", "retry"}},
      {"autodiscover.example.net", {false, "DNS lookup timed out", "retry"}}};
  Plan failing = MakePlan(setup, stored, checks);
  EXPECT_TRUE(failing.retired.empty());
  EXPECT_EQ(failing.certificates[1].status, PlanStatus::kUnchanged);
  EXPECT_EQ(failing.certificates[1].names.size(), 2u);
  (void)removed;
}

TEST(Planner, KeyTypeChangeAndDualKeys) {
  MailSetup setup = MailFor({"example.org"});
  auto stored = AsStored(MakePlan(setup, {}, {}));
  setup.key_types = {"ec256", "rsa2048"};
  Plan plan = MakePlan(setup, stored, {});
  EXPECT_EQ(plan.certificates[0].status, PlanStatus::kChanged);
  EXPECT_NE(plan.certificates[0].why.find("ec256 -> ec256+rsa2048"), std::string::npos)
      << plan.certificates[0].why;
}

TEST(Planner, MissingHostNameIsAProblem) {
  MailSetup setup = MailFor({"example.org"});
  setup.hostname.clear();
  Plan plan = MakePlan(setup, {}, {});
  EXPECT_TRUE(plan.certificates.empty());
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_NE(plan.problems[0].find("MAILCOW_HOSTNAME"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::plan
