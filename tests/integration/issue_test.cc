// End to end: the mailcert binary against a real Pebble (-strict, PEBBLE_VA_NOSLEEP) and
// pebble-challtestsrv, as issue #2 lists. Every issued chain is verified with `openssl verify`
// against the root fetched from Pebble's management port.
#include <gtest/gtest.h>

#include "cli_support.h"

namespace mailcert::testing {
namespace {

class IssueTest : public PebbleTest {
 protected:
  CommandResult Mailcert(std::vector<std::string> extra) {
    return RunMailcert(Args(pebble(), state_.path(), std::move(extra)));
  }
  // Commands that need no CA (certificates): only the state directory.
  CommandResult Local(std::vector<std::string> args) {
    args.push_back("--state-dir");
    args.push_back(state_.path().string());
    return RunMailcert(args);
  }
  CommandResult Issue(std::vector<std::string> names, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"issue"};
    for (const auto& name : names) {
      args.push_back("-d");
      args.push_back(name);
    }
    bool has_challenge = false;
    for (const auto& arg : more) has_challenge |= arg == "--webroot" || arg == "--http-listen";
    if (!has_challenge) {
      args.push_back("--http-listen");
      args.push_back(Listen(pebble()));
    }
    for (auto& arg : more) args.push_back(std::move(arg));
    return Mailcert(std::move(args));
  }
  void ExpectVerifies(const std::string& lineage, int root_index = 0) {
    EXPECT_TRUE(VerifyChainWithOpenssl(Current(state_.path(), lineage) / "fullchain.pem",
                                       pebble().RootPem(root_index)));
  }
  TempDir state_{"mailcert-state"};
  TempDir work_{"mailcert-work"};  // configs, webroots
};

TEST_F(IssueTest, StandaloneEcDefaultThenRsaWithEveryNameAndSafeModes) {
  CommandResult ec = Issue({"mail.example.test", "autoconfig.example.test",
                            "autodiscover.example.test"});
  ASSERT_EQ(ec.exit_code, 0) << Describe(ec);
  EXPECT_NE(ec.stdout_text.find("issued mail.example.test"), std::string::npos);
  ExpectVerifies("mail.example.test");
  const auto dir = Current(state_.path(), "mail.example.test");
  std::string text = X509Field(dir / "cert.pem", "-text");
  EXPECT_NE(text.find("DNS:mail.example.test"), std::string::npos);
  EXPECT_NE(text.find("DNS:autoconfig.example.test"), std::string::npos);
  EXPECT_NE(text.find("DNS:autodiscover.example.test"), std::string::npos);
  EXPECT_NE(text.find("prime256v1"), std::string::npos) << "default key type is EC P-256";
  EXPECT_EQ(std::filesystem::status(dir / "key.pem").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(ReadFile(dir / "fullchain.pem"),
            ReadFile(dir / "cert.pem") + ReadFile(dir / "chain.pem"));
  // The private key matches the certificate.
  CommandResult key = RunCommand({"sh", "-c", "openssl pkey -in '" + (dir / "key.pem").string() +
                                                  "' -pubout -outform DER | sha256sum"});
  CommandResult cert = RunCommand({"sh", "-c", "openssl x509 -in '" + (dir / "cert.pem").string() +
                                                   "' -noout -pubkey | openssl pkey -pubin "
                                                   "-outform DER | sha256sum"});
  EXPECT_EQ(key.stdout_text, cert.stdout_text);

  CommandResult rsa = Issue({"rsa.example.test"}, {"--key-type", "rsa2048"});
  ASSERT_EQ(rsa.exit_code, 0) << Describe(rsa);
  ExpectVerifies("rsa.example.test");
  EXPECT_NE(X509Field(Current(state_.path(), "rsa.example.test") / "cert.pem", "-text")
                .find("Public-Key: (2048 bit)"),
            std::string::npos);

  CommandResult list = Local({"certificates", "--json"});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  nlohmann::json json = ParseJsonOutput(list);
  ASSERT_EQ(json["certificates"].size(), 2u);
  for (const auto& certificate : json["certificates"]) {
    EXPECT_FALSE(certificate["serial"].get<std::string>().empty());
    EXPECT_GT(certificate["days_left"].get<double>(), 1000);  // Pebble's default is 5 years
    EXPECT_EQ(certificate["due"], false);
    EXPECT_EQ(list.stdout_text.find("PRIVATE KEY"), std::string::npos);
  }

  // Running the same issue again changes nothing and says so with exit code 2.
  CommandResult again = Issue({"mail.example.test", "autoconfig.example.test",
                               "autodiscover.example.test"});
  EXPECT_EQ(again.exit_code, 2) << Describe(again);
  EXPECT_NE(again.stdout_text.find("unchanged mail.example.test"), std::string::npos);
}

TEST_F(IssueTest, RenewalReusesTheKeyAndNewKeyRotatesIt) {
  ASSERT_EQ(Issue({"mx.example.test"}).exit_code, 0);
  const auto lineage = state_.path() / "certs" / "mx.example.test";
  const std::string first = SpkiSha256(lineage / "versions/1/cert.pem");

  CommandResult not_due = Mailcert({"renew"});
  EXPECT_EQ(not_due.exit_code, 2) << Describe(not_due);

  CommandResult reused = Mailcert({"renew", "--force"});
  ASSERT_EQ(reused.exit_code, 0) << Describe(reused);
  EXPECT_EQ(SpkiSha256(lineage / "versions/2/cert.pem"), first) << "DANE 3 1 1 must survive";
  EXPECT_NE(X509Field(lineage / "versions/2/cert.pem", "-serial"),
            X509Field(lineage / "versions/1/cert.pem", "-serial"));

  CommandResult rotated = Mailcert({"renew", "--force", "--new-key"});
  ASSERT_EQ(rotated.exit_code, 0) << Describe(rotated);
  EXPECT_NE(SpkiSha256(lineage / "versions/3/cert.pem"), first);
  EXPECT_EQ(std::filesystem::read_symlink(lineage / "current"), "versions/3");
  ExpectVerifies("mx.example.test");
  // Older versions stay whole for rollback.
  EXPECT_TRUE(VerifyChainWithOpenssl(lineage / "versions/1/fullchain.pem", pebble().RootPem(0)));
}

TEST_F(IssueTest, AccountKeyRolloverThenIssuanceWithTheNewKey) {
  CommandResult registered = Mailcert({"account", "register", "--json"});
  ASSERT_EQ(registered.exit_code, 0) << Describe(registered);
  const std::string old_thumbprint = ParseJsonOutput(registered)["key_thumbprint"];
  const std::string url = ParseJsonOutput(registered)["url"];

  CommandResult rolled = Mailcert({"account", "rollover", "--json"});
  ASSERT_EQ(rolled.exit_code, 0) << Describe(rolled);
  EXPECT_NE(ParseJsonOutput(rolled)["key_thumbprint"], old_thumbprint);

  CommandResult shown = Mailcert({"account", "show", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << Describe(shown);
  EXPECT_EQ(ParseJsonOutput(shown)["url"], url) << "same account, new key";
  EXPECT_EQ(ParseJsonOutput(shown)["status"], "valid");

  CommandResult issued = Issue({"after-rollover.example.test"});
  ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
  ExpectVerifies("after-rollover.example.test");
}

// A rollover the CA accepted but that was interrupted before key.pem was replaced: the next run
// finds the account with the staged key (newAccount onlyReturnExisting, RFC 8555 §7.3.1) and
// finishes the switch instead of locking the administrator out.
TEST_F(IssueTest, InterruptedRolloverIsFinishedOnTheNextRun) {
  ASSERT_EQ(Mailcert({"account", "register"}).exit_code, 0);
  std::filesystem::path account_dir;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state_.path() / "accounts")) {
    if (entry.path().filename() == "key.pem") account_dir = entry.path().parent_path();
  }
  ASSERT_FALSE(account_dir.empty());
  const std::string old_key = ReadFile(account_dir / "key.pem");
  ASSERT_EQ(Mailcert({"account", "rollover"}).exit_code, 0);
  const std::string new_key = ReadFile(account_dir / "key.pem");
  ASSERT_NE(old_key, new_key);
  // Put the store back the way a crash between the CA's answer and the promotion leaves it.
  ASSERT_TRUE(WriteFile(account_dir / "rollover-key.pem", new_key));
  ASSERT_TRUE(WriteFile(account_dir / "key.pem", old_key));

  CommandResult shown = Mailcert({"account", "show", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << Describe(shown);
  EXPECT_EQ(ParseJsonOutput(shown)["status"], "valid");
  EXPECT_EQ(ReadFile(account_dir / "key.pem"), new_key);
  EXPECT_FALSE(std::filesystem::exists(account_dir / "rollover-key.pem"));
  EXPECT_EQ(Issue({"after-recovery.example.test"}).exit_code, 0);
}

TEST_F(IssueTest, DeactivationNeedsConfirmationAndEndsTheAccount) {
  CommandResult registered = Mailcert({"account", "register", "--json"});
  ASSERT_EQ(registered.exit_code, 0) << Describe(registered);
  CommandResult unconfirmed = Mailcert({"account", "deactivate"});
  EXPECT_EQ(unconfirmed.exit_code, 1);
  EXPECT_NE(unconfirmed.stderr_text.find("--yes"), std::string::npos);
  CommandResult deactivated = Mailcert({"account", "deactivate", "--yes", "--json"});
  ASSERT_EQ(deactivated.exit_code, 0) << Describe(deactivated);
  EXPECT_EQ(ParseJsonOutput(deactivated)["status"], "deactivated");
  CommandResult shown = Mailcert({"account", "show"});
  EXPECT_EQ(shown.exit_code, 1) << "no usable account is left";
  EXPECT_NE(shown.stderr_text.find("mailcert account register"), std::string::npos)
      << Describe(shown);
}

TEST_F(IssueTest, RevocationIsSeenByTheCaAndTheNextRenewalUsesANewKey) {
  ASSERT_EQ(Issue({"revoke.example.test"}).exit_code, 0);
  const auto lineage = state_.path() / "certs" / "revoke.example.test";
  std::string serial = X509Field(lineage / "current/cert.pem", "-serial");
  serial = serial.substr(serial.find('=') + 1);
  serial.erase(serial.find_last_not_of("\n") + 1);
  const std::string spki = SpkiSha256(lineage / "current/cert.pem");

  CommandResult revoked = Mailcert({"revoke", "--cert-name", "revoke.example.test", "--reason",
                                    "keyCompromise"});
  ASSERT_EQ(revoked.exit_code, 0) << Describe(revoked);
  nlohmann::json status = nlohmann::json::parse(pebble().CertStatus(serial), nullptr, false);
  EXPECT_EQ(status["Status"], "Revoked");
  EXPECT_EQ(status["Reason"], 1);

  CommandResult listed = Local({"certificates"});
  EXPECT_NE(listed.stdout_text.find("REVOKED"), std::string::npos) << Describe(listed);
  CommandResult renewed = Mailcert({"renew"});
  ASSERT_EQ(renewed.exit_code, 0) << Describe(renewed);
  EXPECT_NE(SpkiSha256(lineage / "current/cert.pem"), spki) << "a compromised key is not reused";

  CommandResult bad_reason = Mailcert({"revoke", "--cert-name", "revoke.example.test",
                                       "--reason", "bored"});
  EXPECT_EQ(bad_reason.exit_code, 1);
  EXPECT_NE(bad_reason.stderr_text.find("--reason \"bored\""), std::string::npos);
}

class NonceRejectionTest : public IssueTest {
  PebbleOptions Options() const override { return {.nonce_reject_percent = 20}; }
};

// PEBBLE_WFE_NONCEREJECT=20: a fifth of all requests get badNonce; every certificate must still
// be issued (badNonce is retried, never surfaced).
TEST_F(NonceRejectionTest, EveryCertificateIsIssuedAnyway) {
  std::string config = "http_listen = \"" + Listen(pebble()) + "\"\n";
  for (int i = 0; i < 12; ++i) {
    config += "[[certificate]]\ndomains = [\"nonce-" + std::to_string(i) +
              ".example.test\", \"www.nonce-" + std::to_string(i) + ".example.test\"]\n";
  }
  ASSERT_TRUE(WriteFile(work_.path() / "nonce.toml", config));
  CommandResult result = Mailcert({"issue", "--config", (work_.path() / "nonce.toml").string(),
                                   "--json"});
  ASSERT_EQ(result.exit_code, 0) << Describe(result);
  nlohmann::json json = ParseJsonOutput(result);
  EXPECT_EQ(json["issued"], 12);
  EXPECT_EQ(json["failed"], 0);
  for (int i = 0; i < 12; ++i) ExpectVerifies("nonce-" + std::to_string(i) + ".example.test");
}

// The EAB key id Pebble is started with and its base64url HMAC key, which mailcert must never
// store or print.
constexpr char kEabKid[] = "kid-1";
constexpr char kEabMacKey[] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

class EabTest : public IssueTest {
  PebbleOptions Options() const override {
    return {.eab_required = true, .eab_keys = {{kEabKid, kEabMacKey}}};
  }
};

TEST_F(EabTest, RequiredBindingIsAskedForThenUsedAndTheMacKeyIsNeverStored) {
  CommandResult without = Issue({"eab.example.test"});
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.stderr_text.find("--eab-kid"), std::string::npos) << Describe(without);

  const std::string mac = kEabMacKey;
  CommandResult with = RunMailcert(Args(pebble(), state_.path(),
                                        {"issue", "-d", "eab.example.test", "--http-listen",
                                         Listen(pebble()), "--eab-kid", kEabKid, "--json"}),
                                   {{"MAILCERT_EAB_HMAC_KEY", mac}});
  ASSERT_EQ(with.exit_code, 0) << Describe(with);
  ExpectVerifies("eab.example.test");
  EXPECT_EQ(with.stdout_text.find(mac), std::string::npos);
  EXPECT_EQ(with.stderr_text.find(mac), std::string::npos);
  for (const auto& [path, content] : Snapshot(state_.path())) {
    EXPECT_EQ(content.find(mac), std::string::npos) << path << " holds the EAB MAC key";
  }
}

class AlternateRootsTest : public IssueTest {
  PebbleOptions Options() const override { return {.alternate_roots = 2}; }
};

TEST_F(AlternateRootsTest, PreferredChainIsChosenByIssuerName) {
  // The CN of alternate root 2, e.g. "Pebble Root CA 2a1b3c".
  TempDir scratch("mailcert-roots");
  ASSERT_TRUE(WriteFile(scratch / "root2.pem", pebble().RootPem(2)));
  std::string subject = X509Field(scratch / "root2.pem", "-subject");
  std::string root_cn = subject.substr(subject.find("CN=") + 3);
  root_cn.erase(root_cn.find_last_not_of("\n") + 1);
  ASSERT_FALSE(root_cn.empty());

  CommandResult result = Issue({"chain.example.test"}, {"--preferred-chain", root_cn});
  ASSERT_EQ(result.exit_code, 0) << Describe(result);
  const auto dir = Current(state_.path(), "chain.example.test");
  EXPECT_NE(X509Field(dir / "chain.pem", "-issuer").find(root_cn), std::string::npos);
  ExpectVerifies("chain.example.test", 2);
  EXPECT_FALSE(VerifyChainWithOpenssl(dir / "fullchain.pem", pebble().RootPem(0)))
      << "the default chain was stored instead of the preferred one";

  CommandResult unknown = Issue({"default.example.test"}, {"--preferred-chain", "No Such CA"});
  ASSERT_EQ(unknown.exit_code, 0) << Describe(unknown);
  ExpectVerifies("default.example.test", 0);
}

class AuthzReuseTest : public IssueTest {
 protected:
  // A second issuance answered by a webroot nothing serves: it can only succeed when the CA
  // reuses the valid authorization from the first one instead of validating again.
  CommandResult IssueTwice() {
    CommandResult first = Issue({"reuse.example.test"});
    EXPECT_EQ(first.exit_code, 0) << Describe(first);
    std::filesystem::create_directories(work_.path() / "unserved-webroot");
    return Issue({"reuse.example.test"},
                 {"--force", "--webroot", (work_.path() / "unserved-webroot").string()});
  }
};

class AuthzReuseAlwaysTest : public AuthzReuseTest {
  PebbleOptions Options() const override { return {.authz_reuse_percent = 100}; }
};

class AuthzReuseNeverTest : public AuthzReuseTest {
  PebbleOptions Options() const override { return {.authz_reuse_percent = 0}; }
};

TEST_F(AuthzReuseAlwaysTest, ValidAuthorizationsAreNotValidatedAgain) {
  CommandResult second = IssueTwice();
  EXPECT_EQ(second.exit_code, 0) << Describe(second);
  ExpectVerifies("reuse.example.test");
}

TEST_F(AuthzReuseNeverTest, EveryOrderIsValidatedAndAFailedValidationIsExplained) {
  CommandResult second = IssueTwice();
  EXPECT_EQ(second.exit_code, 1) << Describe(second);
  EXPECT_NE(second.stderr_text.find("reuse.example.test: http-01 validation failed"),
            std::string::npos)
      << Describe(second);
  // The failed renewal left the first version current and usable.
  EXPECT_EQ(std::filesystem::read_symlink(state_.path() / "certs/reuse.example.test/current"),
            "versions/1");
  ExpectVerifies("reuse.example.test");
}

class BlocklistTest : public IssueTest {
  PebbleOptions Options() const override { return {.domain_blocklist = {"blocked.example.test"}}; }
};

// 50 lineages renewed at once; Pebble refuses the names of 5. The other 45 are issued, the 5 are
// reported with the CA's reason, the exit code is 1.
TEST_F(BlocklistTest, ConcurrentRenewOfFiftyLineagesSurvivesRefusedNames) {
  std::string config = "http_listen = \"" + Listen(pebble()) + "\"\nconcurrency = 16\n";
  for (int i = 0; i < 50; ++i) {
    std::string name = "site-" + std::to_string(i) + ".example.test";
    std::string extra = i % 10 == 3 ? ", \"www.blocked.example.test\"" : "";
    config += "[[certificate]]\nname = \"site-" + std::to_string(i) + "\"\ndomains = [\"" + name +
              "\"" + extra + "]\n";
  }
  const auto config_path = work_.path() / "fifty.toml";
  ASSERT_TRUE(WriteFile(config_path, config));
  CommandResult result = Mailcert({"renew", "--config", config_path.string(), "--json"});
  EXPECT_EQ(result.exit_code, 1) << Describe(result);
  nlohmann::json json = ParseJsonOutput(result);
  EXPECT_EQ(json["issued"], 45);
  EXPECT_EQ(json["failed"], 5);
  for (const auto& entry : json["results"]) {
    const std::string lineage = entry["lineage"];
    const int index = std::stoi(lineage.substr(5));
    if (index % 10 == 3) {
      EXPECT_EQ(entry["status"], "failed") << lineage;
      EXPECT_NE(entry["error"]["message"].get<std::string>().find("rejectedIdentifier"),
                std::string::npos)
          << entry.dump();
      EXPECT_FALSE(std::filesystem::exists(Current(state_.path(), lineage)));
    } else {
      EXPECT_EQ(entry["status"], "issued") << entry.dump();
      ExpectVerifies(lineage);
    }
  }
  // The next timer run does not hammer the CA: the refused ones back off, the rest are not due.
  CommandResult next = Mailcert({"renew", "--config", config_path.string(), "--json"});
  EXPECT_EQ(next.exit_code, 1) << Describe(next);
  nlohmann::json again = ParseJsonOutput(next);
  EXPECT_EQ(again["issued"], 0);
  int deferred = 0;
  for (const auto& entry : again["results"]) deferred += entry["status"] == "deferred";
  EXPECT_EQ(deferred, 5);
}

}  // namespace
}  // namespace mailcert::testing
