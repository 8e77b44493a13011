// DNS-01 configuration end to end: bad input (a missing credential, a credentials file others may
// read, a wrong TSIG secret, a zone nobody serves, an unknown provider) is one clear line with
// nothing left in DNS and no secret printed; `mailcert plan` shows which provider and zone each
// name uses, from [[dns]] tables or from a mailcow directory's ACME_DNS_PROVIDER and
// data/conf/acme/dns-01.conf.
#include <gtest/gtest.h>

#include "dns01_support.h"

namespace mailcert::testing {
namespace {

constexpr char kChallenge[] = "_acme-challenge.example.test";

class Dns01ConfigTest : public Dns01CliTest {
 protected:
  void SetUp() override {
    StartPrimary();
    StartPebble(primary_->Address());
  }

  // Runs `issue -d example.test` with `config` and expects one line on stderr holding `expected`,
  // exit 1, nothing in DNS and no note in the journal.
  void ExpectRefused(const std::string& config, const std::string& expected,
                     std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"issue", "-d", "example.test", "--config", config};
    args.insert(args.end(), more.begin(), more.end());
    CommandResult result = Mailcert(args);
    EXPECT_EQ(result.exit_code, 1) << Describe(result);
    EXPECT_EQ(LineCount(result.stderr_text), 1) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find(expected), std::string::npos)
        << "expected: " << expected << "\n" << result.stderr_text;
    EXPECT_EQ(result.stderr_text.find(key_.secret), std::string::npos);
    EXPECT_TRUE(primary_->DigShort(kChallenge, "TXT").empty());
    EXPECT_EQ(JournalNotes(), 0u);
  }

  // A setting mailcert can check by itself fails before the CA is asked anything: no account
  // is registered for a run that could never validate.
  void ExpectNoAccountRegistered() {
    EXPECT_FALSE(std::filesystem::exists(state_.path() / "accounts"))
        << "an ACME account was registered before the DNS settings were checked";
  }
};

TEST_F(Dns01ConfigTest, AMissingCredentialNamesTheTableAndTheSetting) {
  const std::string config = Config("[[dns]]\nprovider = \"rfc2136\"\nserver = \"" +
                                    primary_->Address() + "\"\n");
  ExpectRefused(config, "mailcert: failed example.test: " + work_.path().string() +
                            "/mailcert.toml:2:1: rfc2136: no TSIG key: set key_file");
  ExpectNoAccountRegistered();
}

TEST_F(Dns01ConfigTest, ACredentialsFileOthersMayReadIsRefusedWithTheFix) {
  const std::string credentials =
      Credentials("tsig.env", "key_name=" + key_.name + "\nkey_secret=" + key_.secret + "\n");
  std::filesystem::permissions(credentials, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  const std::string config = Config(Rfc2136Table());
  ExpectRefused(config, "may be read by its group but holds secrets; restrict it with `chmod 600 " +
                            credentials + "`",
                {"--dns", "rfc2136", "--dns-credentials", credentials});
  ExpectNoAccountRegistered();
}

TEST_F(Dns01ConfigTest, AWrongTsigSecretShowsTheServersAnswerPlainly) {
  BindKey wrong = key_;
  wrong.secret = RandomTsigSecret();
  const auto wrong_file = work_ / "wrong.key";
  ASSERT_TRUE(WriteFile(wrong_file, wrong.ToConf()));
  std::filesystem::permissions(wrong_file, std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_write);
  std::string table = Rfc2136Table();
  table.replace(table.find(key_file_.string()), key_file_.string().size(), wrong_file.string());
  ExpectRefused(Config(table),
                "example.test: dns-01: rfc2136: add TXT _acme-challenge.example.test: update of "
                "zone example.test refused by " + primary_->Address() +
                    ": NOTAUTH (TSIG key 'mailcert-acme' (hmac-sha256) not accepted: BADSIG");
}

TEST_F(Dns01ConfigTest, AZoneNobodyServesIsAClearError) {
  CommandResult result = Mailcert({"issue", "-d", "mail.nowhere.test", "--config",
                                   Config(Rfc2136Table() + "\n[[dns]]\nprovider = \"rfc2136\"\n"
                                          "key_file = \"" + key_file_.string() + "\"\n" +
                                          DnsServerLines({primary_->Address()}, {}))});
  EXPECT_EQ(result.exit_code, 1) << Describe(result);
  EXPECT_EQ(LineCount(result.stderr_text), 1) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("mail.nowhere.test: dns-01: cannot look up "
                                    "_acme-challenge.mail.nowhere.test: "),
            std::string::npos)
      << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("REFUSED"), std::string::npos) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("is the domain's zone served by its name servers"),
            std::string::npos);
  EXPECT_EQ(JournalNotes(), 0u);
}

TEST_F(Dns01ConfigTest, BadSettingsAreRefusedBeforeAnything) {
  // An unknown provider, a typo in a setting, a secret in a config others may read.
  ExpectRefused(Config("[[dns]]\nprovider = \"nosuchdns\"\n"), "unknown DNS provider");
  ExpectRefused(Config("[[dns]]\nprovider = \"rfc2136\"\nkeyfile = \"/x\"\n"),
                "unknown setting \"keyfile\" for provider rfc2136");
  std::string inline_secret = Rfc2136Table();
  inline_secret.replace(inline_secret.find("key_file = \"" + key_file_.string() + "\""),
                        ("key_file = \"" + key_file_.string() + "\"").size(),
                        "key_name = \"" + key_.name + "\"\nkey_secret = \"" + key_.secret + "\"");
  const auto path = work_ / "mailcert.toml";
  ASSERT_TRUE(WriteFile(path, "state_dir = \"" + state_.path().string() + "\"\n" + inline_secret));
  std::filesystem::permissions(path, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  ExpectRefused(path.string(), "\"key_secret\" is a secret, but " + path.string() +
                                   " may be read by other users");
  // Wildcards need DNS-01: without a provider the message says how to get one.
  CommandResult wildcard = Mailcert({"issue", "-d", "*.example.test", "--http-listen", ":0",
                                     "--state-dir", state_.path().string()});
  EXPECT_EQ(wildcard.exit_code, 1);
  EXPECT_NE(wildcard.stderr_text.find("validate only with DNS-01: give --dns PROVIDER"),
            std::string::npos)
      << wildcard.stderr_text;
}

TEST_F(Dns01ConfigTest, PlanShowsTheProviderAndZoneOfEachName) {
  const std::string config = Config(
      "[mail]\nhostname = \"mail.example.test\"\ndomains = [\"example.test\"]\n"
      "challenge = \"dns-01\"\nadditional_names = [\"*.example.test\"]\ndns_servers = [\"" +
      primary_->Address() + "\"]\n" + Rfc2136Table());
  CommandResult plan = RunMailcert({"plan", "--config", config});
  EXPECT_NE(plan.stdout_text.find("       dns-01: zone example.test via rfc2136 at " +
                                  primary_->Address() +
                                  " with TSIG key 'mailcert-acme' (hmac-sha256)"),
            std::string::npos)
      << Describe(plan);
  CommandResult json = RunMailcert({"plan", "--config", config, "--json"});
  nlohmann::json parsed = ParseJsonOutput(json);
  bool wildcard_seen = false;
  for (const auto& certificate : parsed["certificates"]) {
    for (const auto& name : certificate["checks"]) {
      if (name["name"] != "*.example.test") continue;
      wildcard_seen = true;
      EXPECT_EQ(name["dns"]["zone"], "example.test") << name.dump();
      EXPECT_EQ(name["dns"]["problem"], "") << name.dump();
    }
  }
  EXPECT_TRUE(wildcard_seen) << json.stdout_text;
  EXPECT_EQ(json.stdout_text.find(key_.secret), std::string::npos);
}

TEST_F(Dns01ConfigTest, PlanReadsMailcowsDnsProviderAndCredentialsFile) {
  const auto mailcow = work_ / "mailcow";
  ASSERT_TRUE(WriteFile(mailcow / "mailcow.conf",
                        "MAILCOW_HOSTNAME=mail.example.test\nACME_DNS_CHALLENGE=y\n"
                        "ACME_DNS_PROVIDER=dns_nsupdate\n"));
  const auto dns01_conf = mailcow / "data/conf/acme/dns-01.conf";
  ASSERT_TRUE(WriteFile(dns01_conf, "NSUPDATE_SERVER=\"127.0.0.1\"\nNSUPDATE_SERVER_PORT=" +
                                        std::to_string(primary_->Port()) + "\nNSUPDATE_KEY=\"" +
                                        key_file_.string() + "\"\n"));
  std::filesystem::permissions(dns01_conf, std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_write);
  // The mail domains from the config instead of mailcow's database.
  const std::string config = Config("[mail]\ndomains = [\"example.test\"]\n");
  CommandResult plan =
      RunMailcert({"plan", "--mailcow", mailcow.string(), "--config", config, "--no-checks"});
  EXPECT_NE(plan.stdout_text.find("  ok   mail.example.test\n       dns-01: via dns_nsupdate (" +
                                  dns01_conf.string() + ")"),
            std::string::npos)
      << Describe(plan);

  // mailcow's template mode is 0644: mailcert asks for 0600 rather than read secrets others can.
  std::filesystem::permissions(dns01_conf, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  CommandResult open = RunMailcert({"plan", "--mailcow", mailcow.string(), "--config", config,
                                    "--no-checks"});
  EXPECT_NE(open.stdout_text.find("problem: dns-01: credentials file " + dns01_conf.string() +
                                  " may be read by other users"),
            std::string::npos)
      << Describe(open);
  EXPECT_NE(open.stdout_text.find("chmod 600 " + dns01_conf.string()), std::string::npos);
  EXPECT_EQ(open.exit_code, 1);
}

}  // namespace
}  // namespace mailcert::testing
