// Issue #3 end to end with real servers from Debian: Pebble issues, mailcert deploys into a
// running Postfix, Dovecot and nginx (each started by its fixture on loopback from a temp dir
// with a throw-away bootstrap certificate, the way a fresh server starts with snakeoil), reloads
// them, and `check` then sees served = deployed = stored on every port.
#include <gtest/gtest.h>

#include "cli_support.h"
#include "dovecot.h"
#include "nginx.h"
#include "postfix.h"

namespace mailcert::testing {
namespace {

constexpr char kName[] = "mail.example.test";

class DeployTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    for (const char* dir : {"postfix", "dovecot", "nginx"}) {
      std::filesystem::create_directories(work_ / dir);
    }
    // Bootstrap (snakeoil) files where mailcert will deploy, so the servers start with TLS on.
    CommandResult made = RunCommand(
        {"sh", "-c",
         "cd '" + work_.path().string() +
             "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout boot.key -out boot.crt -days 2 -subj /CN=snakeoil 2>/dev/null && "
             "cat boot.key boot.crt > postfix/" + kName + ".ec256.pem && "
             "cp boot.crt dovecot/" + kName + ".ec256.crt && cp boot.key dovecot/" + kName +
             ".ec256.key && cp boot.crt nginx/" + kName + ".ec256.crt && cp boot.key nginx/" +
             kName + ".ec256.key"});
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
    postfix_.options().chain_files = {work_ / "postfix" / (std::string(kName) + ".ec256.pem")};
    dovecot_.options().certificate = {work_ / "dovecot" / (std::string(kName) + ".ec256.crt"),
                                      work_ / "dovecot" / (std::string(kName) + ".ec256.key")};
    nginx_.options().certificates = {{work_ / "nginx" / (std::string(kName) + ".ec256.crt"),
                                      work_ / "nginx" / (std::string(kName) + ".ec256.key")}};
    ASSERT_TRUE(postfix_.Start());
    ASSERT_TRUE(dovecot_.Start());
    ASSERT_TRUE(nginx_.Start());
    ASSERT_TRUE(WriteFile(work_ / "root.pem", pebble().RootPem()));

    CommandResult issued = RunMailcert(Args(pebble(), state_.path(),
                                            {"issue", "-d", kName, "--http-listen",
                                             Listen(pebble())}));
    ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
  }

  // The [[deploy]] tables for the three running servers; `nginx_reload` replaces nginx's reload.
  std::filesystem::path WriteConfig(const std::string& nginx_reload = "") {
    const std::string root = (work_ / "root.pem").string();
    const std::string nginx = "\"nginx\", \"-p\", \"" + nginx_.WorkDir().string() + "\", \"-c\", \"" +
                              nginx_.ConfigPath().string() + "\", \"-e\", \"" +
                              (nginx_.WorkDir() / "error.log").string() + "\"";
    auto port = [](int p) { return std::to_string(p); };
    std::string config =
        "state_dir = \"" + state_.path().string() + "\"\n" +
        "\n[[deploy]]\ntype = \"postfix\"\ndir = \"" + (work_ / "postfix").string() +
        "\"\npostfix_config_dir = \"" + postfix_.ConfigDir().string() + "\"\nca_bundle = \"" +
        root + "\"\nendpoints = [\"smtp://127.0.0.1:" + port(postfix_.SmtpPort()) +
        "\", \"submission://127.0.0.1:" + port(postfix_.SubmissionPort()) +
        "\", \"smtps://127.0.0.1:" + port(postfix_.SmtpsPort()) + "\"]\n" +
        "\n[[deploy]]\ntype = \"dovecot\"\ndir = \"" + (work_ / "dovecot").string() +
        "\"\ndovecot_config = \"" + dovecot_.ConfigPath().string() +
        "\"\ndovecot_version = \"2.3\"\nca_bundle = \"" + root +
        "\"\nendpoints = [\"imap://127.0.0.1:" + port(dovecot_.ImapPort()) +
        "\", \"imaps://127.0.0.1:" + port(dovecot_.ImapsPort()) + "\", \"pop3://127.0.0.1:" +
        port(dovecot_.Pop3Port()) + "\", \"pop3s://127.0.0.1:" + port(dovecot_.Pop3sPort()) +
        "\", \"sieve://127.0.0.1:" + port(dovecot_.SievePort()) + "\"]\n" +
        "\n[[deploy]]\ntype = \"nginx\"\ndir = \"" + (work_ / "nginx").string() +
        "\"\nca_bundle = \"" + root + "\"\nprepare = [[" + nginx + ", \"-t\"]]\nreload = " +
        (nginx_reload.empty() ? "[[" + nginx + ", \"-s\", \"reload\"]]" : nginx_reload) +
        "\nverify_timeout = 5\nendpoints = [\"https://127.0.0.1:" + port(nginx_.HttpsPort()) +
        "\"]\n";
    const auto path = work_ / "mailcert.toml";
    EXPECT_TRUE(WriteFile(path, config));
    return path;
  }

  // `check --json`: every row OK with served = deployed = stored; returns the served fingerprint.
  std::string ExpectAllServedDeployedStored(const std::filesystem::path& config) {
    CommandResult check = RunMailcert({"check", "--config", config.string(), "--json"});
    EXPECT_EQ(check.exit_code, 0) << Describe(check);
    nlohmann::json json = ParseJsonOutput(check);
    EXPECT_EQ(json["state"], "OK");
    EXPECT_EQ(json["checks"].size(), 9u) << "3 Postfix + 5 Dovecot + 1 nginx endpoints";
    std::string fingerprint;
    for (const auto& row : json["checks"]) {
      EXPECT_EQ(row["state"], "OK") << row.dump();
      EXPECT_EQ(row["served_sha256"], row["stored_sha256"]) << row.dump();
      EXPECT_EQ(row["served_sha256"], row["deployed_sha256"]) << row.dump();
      fingerprint = row["served_sha256"];
    }
    return fingerprint;
  }

  TempDir work_{"mailcert-deploy"};
  TempDir state_{"mailcert-state"};
  PostfixServer postfix_;
  DovecotServer dovecot_;
  NginxServer nginx_;
};

TEST_F(DeployTest, IssueDeployReloadAndEveryPortServesTheStoredCertificate) {
  const auto config = WriteConfig();
  CommandResult deployed = RunMailcert({"deploy", "--config", config.string(), "--json"});
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);
  for (const auto& target : ParseJsonOutput(deployed)["deploys"]) {
    EXPECT_EQ(target["status"], "deployed") << target.dump();
    for (const auto& endpoint : target["endpoints"]) EXPECT_EQ(endpoint["ok"], true);
  }
  const std::string first = ExpectAllServedDeployedStored(config);
  EXPECT_EQ(std::filesystem::status(work_ / "dovecot" / (std::string(kName) + ".ec256.key"))
                    .permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  CommandResult again = RunMailcert({"deploy", "--config", config.string()});
  EXPECT_EQ(again.exit_code, 2) << "nothing changed: " << Describe(again);

  // A renewal deploys what it issued, in the same run.
  CommandResult renewed = RunMailcert({"renew", "--force", "--config", config.string(), "--json"});
  ASSERT_EQ(renewed.exit_code, 0) << Describe(renewed);
  const std::string second = ExpectAllServedDeployedStored(config);
  EXPECT_NE(second, first);
}

TEST_F(DeployTest, AReloadThatDoesNotTakeIsRolledBackAndReported) {
  ASSERT_EQ(RunMailcert({"deploy", "--config", WriteConfig().string()}).exit_code, 0);
  const auto cert = work_ / "nginx" / (std::string(kName) + ".ec256.crt");
  const std::string before = ReadFile(cert);
  const auto broken = WriteConfig("[\"true\"]");  // "reloads" without telling nginx
  CommandResult renewed = RunMailcert({"renew", "--force", "--config", broken.string()});
  EXPECT_EQ(renewed.exit_code, 1) << Describe(renewed);
  EXPECT_NE(renewed.stderr_text.find("deploy nginx rolled-back"), std::string::npos)
      << Describe(renewed);
  EXPECT_NE(renewed.stderr_text.find("not the deployed certificate"), std::string::npos);
  EXPECT_EQ(ReadFile(cert), before) << "the previous files are back";
  // Postfix and Dovecot took the new certificate; nginx still serves (and holds) the old one,
  // which `check` reports as not the stored version.
  CommandResult check = RunMailcert({"check", "--config", broken.string(), "--json"});
  EXPECT_EQ(check.exit_code, 1) << Describe(check);
  // The next run deploys again (here with a working reload) and everything agrees.
  ASSERT_EQ(RunMailcert({"deploy", "--config", WriteConfig().string()}).exit_code, 0);
  ExpectAllServedDeployedStored(WriteConfig());
}

TEST_F(DeployTest, CheckReportsExpiredWrongNameNoStarttlsAndClosedPort) {
  // Against hosts outside the configuration: the bootstrap certificate is self-signed and names
  // "snakeoil" — not trusted, wrong name: CRITICAL.
  CommandResult snakeoil = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                        std::to_string(nginx_.HttpsPort()), "--name", kName});
  EXPECT_EQ(snakeoil.exit_code, 2) << Describe(snakeoil);
  EXPECT_NE(snakeoil.stdout_text.find("does not cover mail.example.test"), std::string::npos)
      << Describe(snakeoil);
  // A closed port is CRITICAL too, with the reason.
  CommandResult closed = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                      std::to_string(FreeTcpPort()), "--starttls", "smtp"});
  EXPECT_EQ(closed.exit_code, 2) << Describe(closed);
  EXPECT_NE(closed.stdout_text.find("Connection refused"), std::string::npos);
  // A Postfix without TLS: "did not offer STARTTLS" is CRITICAL, never a pass.
  PostfixServer plain;
  ASSERT_TRUE(plain.Start());
  CommandResult no_tls = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                      std::to_string(plain.SmtpPort()), "--starttls", "smtp"});
  EXPECT_EQ(no_tls.exit_code, 2) << Describe(no_tls);
  EXPECT_NE(no_tls.stdout_text.find("did not offer STARTTLS"), std::string::npos)
      << Describe(no_tls);
  // The deployed certificate, trusted through Pebble's root: OK.
  ASSERT_EQ(RunMailcert({"deploy", "--config", WriteConfig().string()}).exit_code, 0);
  CommandResult good = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                    std::to_string(postfix_.SubmissionPort()), "--starttls",
                                    "smtp", "--name", kName, "--ca-bundle",
                                    (work_ / "root.pem").string()});
  EXPECT_EQ(good.exit_code, 0) << Describe(good);
}

}  // namespace
}  // namespace mailcert::testing
