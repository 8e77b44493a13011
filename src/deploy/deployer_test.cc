// The deploy sequence through the seams (ninja-style recording fakes): a runner that records
// commands and a "server" that serves whatever file it loaded at its last reload. Real servers
// are in tests/integration/deploy_test.cc.
#include "deploy/deployer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>

#include "crypto/test_ca.h"

namespace mailcert::deploy {
namespace {

using crypto::testing::TestCa;

class FakeClock : public sys::Clock {
 public:
  util::TimePoint Now() override { return now; }
  void SleepFor(std::chrono::milliseconds duration) override { now += duration; }
  util::TimePoint now = std::chrono::system_clock::now();
};

// A pretend mail server: serves the leaf of the file it read at its last reload; a "broken"
// server ignores reloads (the reload that does not take).
struct FakeServer : sys::ProcessRunner {
  std::string served_file;
  std::string loaded_pem;
  bool ignores_reload = false;
  bool flapping = false;  // old and new workers both answer after the reload
  int probes = 0;
  std::string previous_pem;
  int fail_command = -1;  // index into commands that fails
  std::vector<std::string> commands;

  util::Result<sys::ProcessOutcome> Run(const sys::ProcessRequest& request) override {
    std::string line;
    for (const auto& arg : request.argv) line += (line.empty() ? "" : " ") + arg;
    commands.push_back(line);
    sys::ProcessOutcome outcome;
    outcome.exit_code = 0;
    if (static_cast<int>(commands.size()) - 1 == fail_command) {
      outcome.exit_code = 1;
      outcome.stderr_text = "nginx: [emerg] cannot load certificate\n";
      return outcome;
    }
    if (request.argv.back() == "reload" && !ignores_reload) {
      previous_pem = loaded_pem;
      loaded_pem = sys::RealFs().ReadFile(served_file).value_or("");
    }
    return outcome;
  }

  util::Result<probe::Served> Serve(const probe::Endpoint&) {
    const std::string& pem = flapping && ++probes % 2 == 0 ? previous_pem : loaded_pem;
    auto chain = crypto::SplitPemCertificates(pem);
    if (!chain) return util::Fail(util::ErrorCode::kNetwork, "connect: Connection refused");
    probe::Served served;
    served.chain_der = *chain;
    served.leaf = crypto::ParseCertificate(chain->front()).value();
    return served;
  }
};

class DeployerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-deployer-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    target_.name = "nginx";
    target_.type = TargetType::kNginx;
    target_.dir = dir_;
    target_.trusted_roots_pem = root_.cert_pem();
    target_.prepare = {Command{{"nginx", "-t"}, {}}};
    target_.reload = {Command{{"nginx", "-s", "reload"}, {}}};
    target_.endpoints = {probe::Endpoint{"127.0.0.1", 8443, probe::Protocol::kHttps, ""}};
    target_.verify_timeout = std::chrono::seconds(5);
    server_.served_file = dir_ + "/mail.ec256.crt";
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(dir_); }

  Material Issue() { return Issue(crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value()); }

  // A renewal that keeps `key` (mailcert's default: DANE 3 1 1 records stay valid).
  Material Issue(const crypto::PrivateKey& key,
                 const std::vector<std::string>& names = {"mail.example.org"}) {
    crypto::testing::CertOptions options;
    options.names = names;
    Material material;
    material.lineage = "mail";
    material.names = names;
    material.key_type = "ec256";
    material.server = true;
    material.files.key_pem = key.ToPem().value();
    material.files.cert_pem = crypto::DerToPem(root_.IssueLeaf(key, options).value());
    material.files.fullchain_pem = material.files.cert_pem;
    return material;
  }

  DeployOutcome Run(const Material& material) {
    Deployer deployer(sys::RealFs(), server_, clock_,
                      [this](const probe::Endpoint& e, net::TlsKeyRestriction) {
                        return server_.Serve(e);
                      });
    if (dns_) {
      // Wrapped as cli/ wraps the real lookup.
      deployer.SetTlsaLookup(StopAfterTimeout([this](const std::string& owner)
                                 -> util::Result<std::vector<crypto::TlsaAssociation>> {
        looked_up_.push_back(owner);
        if (dns_times_out_) {
          return util::Fail(util::ErrorCode::kTimeout, owner + " TLSA: no answer within 2 s");
        }
        if (dns_fails_) return util::Fail(util::ErrorCode::kNetwork, "SERVFAIL from 127.0.0.53");
        return tlsa_[owner];
      }));
    }
    return deployer.Deploy(target_, {material});
  }

  // Publishes the 3 1 1 record of `material`'s key at _25._tcp.mail.example.org.
  void PublishTlsaFor(const Material& material) {
    dns_ = true;
    auto chain = crypto::SplitPemCertificates(material.files.cert_pem).value();
    tlsa_["_25._tcp.mail.example.org"].push_back(crypto::DaneEeSpkiSha256(chain.front()));
  }

  static std::string TlsaRecordOf(const Material& material) {
    auto chain = crypto::SplitPemCertificates(material.files.cert_pem).value();
    return crypto::TlsaText(crypto::DaneEeSpkiSha256(chain.front()));
  }

  bool dns_ = false;
  bool dns_fails_ = false;
  bool dns_times_out_ = false;
  std::map<std::string, std::vector<crypto::TlsaAssociation>> tlsa_;
  std::vector<std::string> looked_up_;

  std::string dir_;
  TestCa root_ = TestCa::CreateRoot().value();
  TargetSpec target_;
  FakeServer server_;
  FakeClock clock_;
};

TEST_F(DeployerTest, WritesTestsReloadsVerifiesAndThenHasNothingToDo) {
  Material material = Issue();
  DeployOutcome first = Run(material);
  ASSERT_EQ(first.status, DeployStatus::kDeployed) << first.error;
  EXPECT_EQ(server_.commands, (std::vector<std::string>{"nginx -t", "nginx -s reload"}));
  ASSERT_EQ(first.endpoints.size(), 1u);
  EXPECT_EQ(first.endpoints[0].endpoint, "https 127.0.0.1:8443 (SNI mail.example.org)");
  EXPECT_TRUE(first.endpoints[0].error.empty());

  DeployOutcome second = Run(material);
  EXPECT_EQ(second.status, DeployStatus::kUnchanged);
  EXPECT_EQ(server_.commands.size(), 2u) << "no test, no reload when nothing changed";
}

TEST_F(DeployerTest, AReloadThatDoesNotTakeIsDetectedAndRolledBack) {
  Material old_version = Issue();
  ASSERT_EQ(Run(old_version).status, DeployStatus::kDeployed);
  const std::string old_cert = sys::RealFs().ReadFile(dir_ + "/mail.ec256.crt").value();
  const std::string old_key = sys::RealFs().ReadFile(dir_ + "/mail.ec256.key").value();

  server_.ignores_reload = true;
  server_.commands.clear();
  DeployOutcome outcome = Run(Issue());
  EXPECT_EQ(outcome.status, DeployStatus::kRolledBack);
  EXPECT_NE(outcome.error.find("not the deployed certificate"), std::string::npos) << outcome.error;
  EXPECT_NE(outcome.error.find("the previous files are back in place and served again"),
            std::string::npos)
      << outcome.error;
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/mail.ec256.crt").value(), old_cert);
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/mail.ec256.key").value(), old_key);
  EXPECT_EQ(server_.commands, (std::vector<std::string>{"nginx -t", "nginx -s reload", "nginx -t",
                                                        "nginx -s reload"}))
      << "restored files are tested and reloaded again";
}

// One good handshake right after a reload proves little: old workers may still be answering.
TEST_F(DeployerTest, AnEndpointThatFlapsBetweenOldAndNewIsNotVerified) {
  ASSERT_EQ(Run(Issue()).status, DeployStatus::kDeployed);
  server_.flapping = true;
  DeployOutcome outcome = Run(Issue());
  EXPECT_EQ(outcome.status, DeployStatus::kRolledBack) << outcome.error;
}

TEST_F(DeployerTest, AFailingConfigTestAbortsBeforeTheReload) {
  ASSERT_EQ(Run(Issue()).status, DeployStatus::kDeployed);
  const std::string before = sys::RealFs().ReadFile(dir_ + "/mail.ec256.crt").value();
  server_.commands.clear();
  server_.fail_command = 0;  // nginx -t
  DeployOutcome outcome = Run(Issue());
  EXPECT_EQ(outcome.status, DeployStatus::kRolledBack);
  EXPECT_NE(outcome.error.find("prepare `nginx -t` failed (exit 1): nginx: [emerg] cannot load"),
            std::string::npos)
      << outcome.error;
  EXPECT_EQ(server_.commands.front(), "nginx -t");
  EXPECT_EQ(std::count(server_.commands.begin(), server_.commands.end(), "nginx -s reload"), 1)
      << "only the reload onto the restored files";
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/mail.ec256.crt").value(), before);
}

TEST_F(DeployerTest, InvalidMaterialIsRefusedBeforeAnythingIsTouched) {
  ASSERT_EQ(Run(Issue()).status, DeployStatus::kDeployed);
  const std::string before = sys::RealFs().ReadFile(dir_ + "/mail.ec256.key").value();
  server_.commands.clear();
  Material mismatched = Issue();
  mismatched.files.key_pem = Issue().files.key_pem;
  DeployOutcome outcome = Run(mismatched);
  EXPECT_EQ(outcome.status, DeployStatus::kRefused);
  EXPECT_NE(outcome.error.find("key does not match"), std::string::npos);
  EXPECT_TRUE(server_.commands.empty());
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/mail.ec256.key").value(), before);
}

// The DANE guard: a renewed certificate with a new key is held back while the published TLSA
// records name only the deployed key; everything that keeps DANE working goes through.
TEST_F(DeployerTest, ANewKeyThatTheTlsaRecordsDoNotNameIsHeldBackUntilItIsPublished) {
  target_.dane_ports = {25};
  const Material deployed = Issue();
  PublishTlsaFor(deployed);
  ASSERT_EQ(Run(deployed).status, DeployStatus::kDeployed);
  EXPECT_EQ(looked_up_, std::vector<std::string>{"_25._tcp.mail.example.org"});
  const std::string before = sys::RealFs().ReadFile(dir_ + "/mail.ec256.crt").value();
  server_.commands.clear();

  const Material rotated = Issue();  // a new key
  DeployOutcome held = Run(rotated);
  EXPECT_EQ(held.status, DeployStatus::kRefused);
  EXPECT_NE(held.error.find("match the deployed certificate but not the new one of mail; publish "
                            "`_25._tcp.mail.example.org. IN TLSA " + TlsaRecordOf(rotated) + "`"),
            std::string::npos)
      << held.error;
  EXPECT_TRUE(server_.commands.empty()) << "nothing written, nothing reloaded";
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/mail.ec256.crt").value(), before);

  // The admin publishes the new key's record beside the old one: the deploy goes through.
  PublishTlsaFor(rotated);
  EXPECT_EQ(Run(rotated).status, DeployStatus::kDeployed);
}

TEST_F(DeployerTest, ARenewalThatKeepsTheKeyPassesTheDaneGuard) {
  target_.dane_ports = {25};
  const auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  const Material first = Issue(key);
  PublishTlsaFor(first);
  ASSERT_EQ(Run(first).status, DeployStatus::kDeployed);
  DeployOutcome renewed = Run(Issue(key));
  EXPECT_EQ(renewed.status, DeployStatus::kDeployed) << renewed.error;
  EXPECT_TRUE(renewed.warnings.empty());
}

TEST_F(DeployerTest, WhenTlsaCannotBeLookedUpOnlyAnUnchangedKeyIsDeployed) {
  target_.dane_ports = {25};
  const auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  PublishTlsaFor(Issue(key));
  ASSERT_EQ(Run(Issue(key)).status, DeployStatus::kDeployed);
  dns_fails_ = true;
  DeployOutcome same_key = Run(Issue(key));
  EXPECT_EQ(same_key.status, DeployStatus::kDeployed) << same_key.error;
  ASSERT_EQ(same_key.warnings.size(), 1u);
  EXPECT_NE(same_key.warnings[0].find("cannot look up TLSA at _25._tcp.mail.example.org "
                                      "(SERVFAIL from 127.0.0.53); the key is unchanged"),
            std::string::npos)
      << same_key.warnings[0];
  DeployOutcome new_key = Run(Issue());
  EXPECT_EQ(new_key.status, DeployStatus::kRefused);
  EXPECT_NE(new_key.error.find("the new certificate has a new key"), std::string::npos)
      << new_key.error;
}

TEST_F(DeployerTest, TlsaThatMatchesNeitherVersionIsAWarningAndNoRecordsAreNoConcern) {
  target_.dane_ports = {25};
  dns_ = true;
  ASSERT_EQ(Run(Issue()).status, DeployStatus::kDeployed) << "no TLSA records: nothing to keep";
  const Material stale = Issue();
  PublishTlsaFor(stale);  // names a key that was never deployed
  const Material next = Issue();
  DeployOutcome outcome = Run(next);
  EXPECT_EQ(outcome.status, DeployStatus::kDeployed) << outcome.error;
  ASSERT_EQ(outcome.warnings.size(), 1u);
  EXPECT_NE(outcome.warnings[0].find("matches the deployed or the new certificate: "
                                     "DANE-validating senders cannot deliver; publish "
                                     "`_25._tcp.mail.example.org. IN TLSA " +
                                     TlsaRecordOf(next) + "`"),
            std::string::npos)
      << outcome.warnings[0];
}

TEST_F(DeployerTest, AResolverThatTimesOutIsAskedOnceForACertificateWithManyNames) {
  target_.dane_ports = {25};
  const auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  PublishTlsaFor(Issue(key));
  ASSERT_EQ(Run(Issue(key)).status, DeployStatus::kDeployed);
  Material many =
      Issue(key, {"mail.example.org", "mx2.example.org", "mx3.example.org", "*.example.org"});
  looked_up_.clear();
  dns_times_out_ = true;
  DeployOutcome outcome = Run(many);
  EXPECT_EQ(looked_up_, std::vector<std::string>{"_25._tcp.mail.example.org"})
      << "one timeout, not one per name";
  EXPECT_EQ(outcome.warnings.size(), 3u) << "each name still says why it was not checked";
}

}  // namespace
}  // namespace mailcert::deploy
