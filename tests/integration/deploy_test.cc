// Issue #3 end to end with real servers from Debian: Pebble issues, mailcert deploys into a
// running Postfix, Dovecot and nginx (each started by its fixture on loopback from a temp dir
// with a throw-away bootstrap certificate, the way a fresh server starts with snakeoil), reloads
// them, and `check` then sees served = deployed = stored on every port.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "cli_support.h"
#include "crypto/test_ca.h"
#include "crypto/x509.h"
#include "dovecot.h"
#include "nginx.h"
#include "postfix.h"

namespace mailcert::testing {
namespace {

constexpr char kName[] = "mail.example.test";
// Targets that serve SMTP look up TLSA records before writing (the DANE guard); these tests
// are about other things and must not depend on the host's resolver, so they switch it off.
// The guard is tested against a real BIND in dane_deploy_test.cc.
const std::string kNoDane = "dane_ports = []\n";

// The nginx command line of a fixture server as TOML list items (the action is appended).
std::string NginxArgv(const NginxServer& nginx) { return TomlItems(nginx.CommandLine()); }

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
             "' && " + SnakeoilCommand("boot") + " && cat boot.key boot.crt > postfix/" + kName +
             ".ec256.pem && "
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
    const std::string nginx = NginxArgv(nginx_);
    auto port = [](int p) { return std::to_string(p); };
    std::string config =
        "state_dir = \"" + state_.path().string() + "\"\n" +
        (nginx_reload.empty() ? ""
                              : "alert_command = \"env | grep ^MAILCERT_ > '" +
                                    (work_ / "alert.txt").string() + "'\"\n") +
        "\n[[deploy]]\ntype = \"postfix\"\n" + kNoDane + "dir = \"" + (work_ / "postfix").string() +
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

  // `certificates --json` shows, for the one lineage, each target's last deploy of the current
  // version with the given status (an error line exactly when it did not take).
  void ExpectDeploys(const std::filesystem::path& config,
                     const std::map<std::string, std::string>& expected) {
    CommandResult listed = RunMailcert({"certificates", "--config", config.string(), "--json"});
    ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
    const auto json = ParseJsonOutput(listed);
    ASSERT_EQ(json["certificates"].size(), 1u) << json.dump();
    const auto& deploys = json["certificates"][0]["deploys"];
    ASSERT_EQ(deploys.size(), expected.size()) << deploys.dump();
    for (const auto& deploy : deploys) {
      const std::string target = deploy["target"];
      ASSERT_TRUE(expected.count(target)) << deploy.dump();
      EXPECT_EQ(deploy["status"], expected.at(target)) << deploy.dump();
      EXPECT_EQ(deploy["current"], true) << deploy.dump();
      const bool took = expected.at(target) == "deployed" || expected.at(target) == "unchanged";
      EXPECT_EQ(deploy["error"].get<std::string>().empty(), took) << deploy.dump();
    }
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
  EXPECT_NE(renewed.stderr_text.find("back in place and served again"), std::string::npos);
  const std::string alert = ReadFile(work_ / "alert.txt");
  EXPECT_NE(alert.find("MAILCERT_EVENT=deploy-failed"), std::string::npos) << alert;
  EXPECT_NE(alert.find("MAILCERT_SUBJECT=nginx"), std::string::npos) << alert;
  // Postfix and Dovecot took the new certificate; nginx still serves (and holds) the old one,
  // which `check` reports as not the stored version.
  CommandResult check = RunMailcert({"check", "--config", broken.string(), "--json"});
  EXPECT_EQ(check.exit_code, 1) << Describe(check);
  // `certificates` says which target does not have the renewed version, and why.
  ExpectDeploys(broken, {{"postfix", "deployed"}, {"dovecot", "deployed"},
                         {"nginx", "rolled-back"}});
  CommandResult listed = RunMailcert({"certificates", "--config", broken.string()});
  EXPECT_NE(listed.stdout_text.find("rolled-back at nginx: "), std::string::npos)
      << Describe(listed);
  // The next run deploys again (here with a working reload) and everything agrees.
  ASSERT_EQ(RunMailcert({"deploy", "--config", WriteConfig().string()}).exit_code, 0);
  ExpectAllServedDeployedStored(WriteConfig());
  ExpectDeploys(WriteConfig(), {{"postfix", "unchanged"}, {"dovecot", "unchanged"},
                                {"nginx", "deployed"}});
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

namespace mailcert::testing {
namespace {

// Dual RSA + ECDSA: two lineages with the same names and different key types are one
// certificate to the targets; Postfix and nginx serve the RSA one to a client limited to RSA
// and the ECDSA one to everybody else.
class DualDeployTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    std::filesystem::create_directories(work_ / "postfix");
    std::filesystem::create_directories(work_ / "nginx");
    const std::string stem = std::string(kName);
    CommandResult made = RunCommand(
        {"sh", "-c",
         "cd '" + work_.path().string() +
             "' && " + SnakeoilCommand("ec") + " && "
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.crt -days 2 "
             "-subj /CN=snakeoil 2>/dev/null && "
             "cat ec.key ec.crt > postfix/" + stem + ".ec256.pem && cat rsa.key rsa.crt > postfix/" +
             stem + ".rsa2048.pem && cp ec.crt nginx/" + stem + ".ec256.crt && cp ec.key nginx/" +
             stem + ".ec256.key && cp rsa.crt nginx/" + stem + ".rsa2048.crt && cp rsa.key nginx/" +
             stem + ".rsa2048.key"});
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
    postfix_.options().chain_files = {work_ / "postfix" / (stem + ".ec256.pem"),
                                      work_ / "postfix" / (stem + ".rsa2048.pem")};
    nginx_.options().certificates = {
        {work_ / "nginx" / (stem + ".ec256.crt"), work_ / "nginx" / (stem + ".ec256.key")},
        {work_ / "nginx" / (stem + ".rsa2048.crt"), work_ / "nginx" / (stem + ".rsa2048.key")}};
    ASSERT_TRUE(postfix_.Start());
    ASSERT_TRUE(nginx_.Start());
    ASSERT_TRUE(WriteFile(work_ / "root.pem", pebble().RootPem()));
    for (const auto& extra : std::vector<std::vector<std::string>>{
             {}, {"--key-type", "rsa2048", "--cert-name", stem + "-rsa"}}) {
      std::vector<std::string> args = {"issue", "-d", kName, "--http-listen", Listen(pebble())};
      args.insert(args.end(), extra.begin(), extra.end());
      CommandResult issued = RunMailcert(Args(pebble(), state_.path(), args));
      ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
    }
  }

  std::filesystem::path WriteConfig() {
    const std::string root = (work_ / "root.pem").string();
    const std::string nginx = NginxArgv(nginx_);
    const std::string certificates =
        "certificates = [\"" + std::string(kName) + "\", \"" + kName + "-rsa\"]\n";
    std::string config =
        "state_dir = \"" + state_.path().string() + "\"\n" +
        "\n[[deploy]]\ntype = \"postfix\"\n" + kNoDane + certificates + "dir = \"" +
        (work_ / "postfix").string() + "\"\npostfix_config_dir = \"" +
        postfix_.ConfigDir().string() + "\"\nca_bundle = \"" + root +
        "\"\nendpoints = [\"submission://127.0.0.1:" + std::to_string(postfix_.SubmissionPort()) +
        "\"]\n\n[[deploy]]\ntype = \"nginx\"\n" + certificates + "dir = \"" +
        (work_ / "nginx").string() + "\"\nca_bundle = \"" + root + "\"\nprepare = [[" + nginx +
        ", \"-t\"]]\nreload = [[" + nginx + ", \"-s\", \"reload\"]]\nendpoints = [\"https://127.0.0.1:" +
        std::to_string(nginx_.HttpsPort()) + "\"]\n";
    const auto path = work_ / "dual.toml";
    EXPECT_TRUE(WriteFile(path, config));
    return path;
  }

  TempDir work_{"mailcert-dual"};
  TempDir state_{"mailcert-state"};
  PostfixServer postfix_;
  NginxServer nginx_;
};

TEST_F(DualDeployTest, RsaLimitedClientsGetRsaAndEveryoneElseEcdsa) {
  const auto config = WriteConfig();
  CommandResult deployed = RunMailcert({"deploy", "--config", config.string()});
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);

  CommandResult check = RunMailcert({"check", "--config", config.string(), "--json"});
  ASSERT_EQ(check.exit_code, 0) << Describe(check);
  nlohmann::json rows = ParseJsonOutput(check)["checks"];
  ASSERT_EQ(rows.size(), 4u) << "2 targets × 2 key types";
  std::string ecdsa_fingerprint;
  for (const auto& row : rows) {
    EXPECT_EQ(row["served_sha256"], row["stored_sha256"]) << row.dump();
    const std::string endpoint = row["endpoint"];
    if (endpoint.find(" ECDSA") != std::string::npos) ecdsa_fingerprint = row["stored_sha256"];
  }
  ASSERT_FALSE(ecdsa_fingerprint.empty());
  // A default client (no restriction) is served the ECDSA certificate by both servers.
  for (const auto& [port, starttls] :
       std::vector<std::pair<int, std::string>>{{postfix_.SubmissionPort(), "smtp"},
                                                {nginx_.HttpsPort(), ""}}) {
    std::vector<std::string> args = {"check", "--host", "127.0.0.1", "--port", std::to_string(port),
                                     "--name", kName, "--ca-bundle",
                                     (work_ / "root.pem").string(), "--json"};
    if (!starttls.empty()) {
      args.push_back("--starttls");
      args.push_back(starttls);
    }
    CommandResult adhoc = RunMailcert(args);
    ASSERT_EQ(adhoc.exit_code, 0) << Describe(adhoc);
    EXPECT_EQ(ParseJsonOutput(adhoc)["checks"][0]["served_sha256"], ecdsa_fingerprint);
  }
}

}  // namespace
}  // namespace mailcert::testing

namespace mailcert::testing {
namespace {

// The files target, and the mailcow and docker-mailserver layouts read by a real Postfix and
// Dovecot configured the way those projects configure them.
class LayoutTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    ::chmod(work_.path().c_str(), 0755);  // Dovecot's and Postfix's users read below it
    ASSERT_TRUE(WriteFile(work_ / "root.pem", pebble().RootPem()));
    CommandResult issued = RunMailcert(Args(pebble(), state_.path(),
                                            {"issue", "-d", kName, "--http-listen",
                                             Listen(pebble())}));
    ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
    CommandResult listed = RunMailcert({"certificates", "--json", "--state-dir",
                                        state_.path().string()});
    stored_ = ParseJsonOutput(listed)["certificates"][0]["fingerprint_sha256"];
  }

  // Each [[deploy]] trusts Pebble's root for validation.
  CommandResult Deploy(std::string tables) {
    const std::string trust = "[[deploy]]\nca_bundle = \"" + (work_ / "root.pem").string() + "\"\n";
    for (size_t at = tables.find("[[deploy]]\n"); at != std::string::npos;
         at = tables.find("[[deploy]]\n", at + trust.size())) {
      tables.replace(at, 11, trust);
    }
    const auto path = work_ / "layout.toml";
    EXPECT_TRUE(WriteFile(path, "state_dir = \"" + state_.path().string() + "\"\n" + tables));
    return RunMailcert({"deploy", "--config", path.string()});
  }

  std::string Served(int port, const std::string& starttls) {
    CommandResult check = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                       std::to_string(port), "--starttls", starttls, "--name",
                                       kName, "--ca-bundle", (work_ / "root.pem").string(),
                                       "--json"});
    EXPECT_EQ(check.exit_code, 0) << Describe(check);
    return ParseJsonOutput(check)["checks"][0]["served_sha256"];
  }

  // Postfix (chain files: key, then certificate) and Dovecot (ssl_cert/ssl_key) started on
  // these files serve the stored certificate over SMTP STARTTLS, IMAP STARTTLS and POP3 STLS.
  void ExpectServedByPostfixAndDovecot(const std::filesystem::path& key,
                                       const std::filesystem::path& cert) {
    PostfixServer postfix;
    postfix.options().chain_files = {key, cert};
    ASSERT_TRUE(postfix.Start());
    DovecotServer dovecot;
    dovecot.options().certificate = {cert, key};
    ASSERT_TRUE(dovecot.Start());
    EXPECT_EQ(Served(postfix.SubmissionPort(), "smtp"), stored_);
    EXPECT_EQ(Served(dovecot.ImapPort(), "imap"), stored_);
    EXPECT_EQ(Served(dovecot.Pop3Port(), "pop3"), stored_);
  }

  TempDir work_{"mailcert-layout"};
  TempDir state_{"mailcert-state"};
  std::string stored_;
};

TEST_F(LayoutTest, ADeployWaitsWhileAnotherRunDeploysToTheSameTarget) {
  // Another mailcert run holds the target's lock, taken the way mailcert takes it (flock(2) on
  // <state>/deploy/<target>.lock), and lets go after a while.
  std::filesystem::create_directories(state_ / "deploy");
  const int fd = ::open((state_ / "deploy" / "files.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                        0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const auto held = std::chrono::milliseconds(1500);
  std::thread other_run([fd, held] {
    std::this_thread::sleep_for(held);
    ::close(fd);
  });
  const auto started = std::chrono::steady_clock::now();
  const std::string dir = (work_ / "files").string();
  CommandResult deployed = Deploy("[[deploy]]\ntype = \"files\"\nfullchain_path = \"" + dir +
                                  "/fullchain.pem\"\nkey_path = \"" + dir + "/privkey.pem\"\n");
  const auto waited = std::chrono::steady_clock::now() - started;
  other_run.join();
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);
  EXPECT_NE(deployed.stderr_text.find("waiting for another mailcert run deploying to files"),
            std::string::npos)
      << Describe(deployed);
  EXPECT_GE(waited, held - std::chrono::milliseconds(100)) << "deployed while the other held it";
  EXPECT_TRUE(VerifyChainWithOpenssl(work_ / "files" / "fullchain.pem", pebble().RootPem()));
}

TEST_F(LayoutTest, FilesTargetWritesModesAndRunsTheHookWithCertbotVariables) {
  const std::string dir = (work_ / "files").string();
  CommandResult deployed = Deploy(
      "[[deploy]]\ntype = \"files\"\nfullchain_path = \"" + dir +
      "/{lineage}/fullchain.pem\"\nkey_path = \"" + dir + "/{lineage}/privkey.pem\"\n" +
      "key_mode = \"0640\"\nhook = \"env | grep -E '^(RENEWED|MAILCERT)_' | sort > '" +
      (work_ / "hook.txt").string() + "'\"\n");
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);
  const auto key = work_ / "files" / kName / "privkey.pem";
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read);
  EXPECT_TRUE(VerifyChainWithOpenssl(work_ / "files" / kName / "fullchain.pem", pebble().RootPem()));
  const std::string hook = ReadFile(work_ / "hook.txt");
  EXPECT_NE(hook.find("RENEWED_DOMAINS=mail.example.test\n"), std::string::npos) << hook;
  EXPECT_NE(hook.find("RENEWED_LINEAGE=" + state_.path().string() + "/certs/mail.example.test/"),
            std::string::npos)
      << hook;
  EXPECT_NE(hook.find("MAILCERT_KEY=" + key.string() + "\n"), std::string::npos) << hook;
  EXPECT_NE(hook.find("MAILCERT_LINEAGE=mail.example.test\n"), std::string::npos) << hook;

  CommandResult world_readable = Deploy("[[deploy]]\ntype = \"files\"\nkey_path = \"" + dir +
                                        "/k.pem\"\ncert_path = \"" + dir +
                                        "/c.pem\"\nkey_mode = \"0644\"\n");
  EXPECT_EQ(world_readable.exit_code, 1);
  EXPECT_NE(world_readable.stderr_text.find("lets every user read the private key"),
            std::string::npos)
      << Describe(world_readable);
}

TEST_F(LayoutTest, MailcowLayoutIsServedByPostfixAndDovecotConfiguredLikeMailcow) {
  const std::string mailcow = (work_ / "mailcow").string();
  CommandResult deployed = Deploy("[[deploy]]\ntype = \"mailcow\"\n" + kNoDane + "mailcow_dir = \"" + mailcow +
                                  "\"\nreload = \"true\"\n");
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);
  const auto ssl = work_ / "mailcow/data/assets/ssl";
  EXPECT_EQ(ReadFile(ssl / kName / "domains"), kName);
  EXPECT_FALSE(std::filesystem::is_symlink(ssl / "cert.pem"));
  // mailcow's Postfix: smtpd_tls_cert_file/key_file = /etc/ssl/mail/{cert,key}.pem; its Dovecot:
  // ssl_cert = </etc/ssl/mail/cert.pem, ssl_key = </etc/ssl/mail/key.pem.
  ExpectServedByPostfixAndDovecot(ssl / "key.pem", ssl / "cert.pem");
}

TEST_F(LayoutTest, DockerMailserverManualLayoutIsServedLikeDmsConfiguresIt) {
  const std::string dms = (work_ / "dms").string();
  CommandResult deployed =
      Deploy("[[deploy]]\ntype = \"docker-mailserver\"\n" + kNoDane + "mode = \"manual\"\ncert_path = \"" + dms +
             "/cert.pem\"\nkey_path = \"" + dms + "/key.pem\"\n");
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);
  // DMS writes smtpd_tls_chain_files = <key> <fullchain> and ssl_cert = <cert, ssl_key = <key.
  ExpectServedByPostfixAndDovecot(work_ / "dms/key.pem", work_ / "dms/cert.pem");
  // The letsencrypt layout: live/<fqdn>/{fullchain,privkey}.pem as real files.
  CommandResult live = Deploy("[[deploy]]\ntype = \"docker-mailserver\"\n" + kNoDane + "mode = \"letsencrypt\"\n"
                              "letsencrypt_dir = \"" + dms + "/letsencrypt\"\nfqdn = \"" + kName +
                              "\"\n");
  ASSERT_EQ(live.exit_code, 0) << Describe(live);
  EXPECT_TRUE(VerifyChainWithOpenssl(work_ / "dms/letsencrypt/live" / kName / "fullchain.pem",
                                     pebble().RootPem()));
  EXPECT_FALSE(std::filesystem::is_symlink(work_ / "dms/letsencrypt/live" / kName / "privkey.pem"));
}

}  // namespace
}  // namespace mailcert::testing

namespace mailcert::testing {
namespace {

// SNI through the files mailcert generates: Postfix's tls_server_sni_maps (rebuilt with
// postmap -F) and Dovecot's local_name include; each name gets its own certificate.
class SniDeployTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    ::chmod(work_.path().c_str(), 0755);
    for (const char* dir : {"postfix", "dovecot", "nginx"}) {
      std::filesystem::create_directories(work_ / dir);
    }
    const std::string stem = kName;
    CommandResult made = RunCommand(
        {"sh", "-c",
         "cd '" + work_.path().string() +
             "' && " + SnakeoilCommand("b") + " && cat b.key b.crt > postfix/" + stem +
             ".ec256.pem && : > postfix/sni.map && "
             "postmap -F hash:postfix/sni.map && cp b.crt dovecot/" + stem +
             ".ec256.crt && cp b.key dovecot/" + stem + ".ec256.key && : > dovecot/sni.conf && "
             "for c in " + stem + " autoconfig.other.test; do cp b.crt nginx/$c.ec256.crt && "
             "cp b.key nginx/$c.ec256.key; done"});
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text << made.stdout_text;
    postfix_.options().chain_files = {work_ / "postfix" / (stem + ".ec256.pem")};
    postfix_.options().sni_map = "hash:" + (work_ / "postfix/sni.map").string();
    dovecot_.options().certificate = {work_ / "dovecot" / (stem + ".ec256.crt"),
                                      work_ / "dovecot" / (stem + ".ec256.key")};
    dovecot_.options().include_files = {work_ / "dovecot/sni.conf"};
    // nginx: the administrator's server blocks name mailcert's files (mailcert does not write
    // nginx configuration).
    auto nginx_pair = [&](const std::string& certificate) {
      return NginxCertificate{work_ / "nginx" / (certificate + ".ec256.crt"),
                              work_ / "nginx" / (certificate + ".ec256.key")};
    };
    nginx_.options().certificates = {nginx_pair(stem)};
    nginx_.options().servers = {
        {"autoconfig.other.test autodiscover.other.test", {nginx_pair("autoconfig.other.test")}}};
    ASSERT_TRUE(postfix_.Start());
    ASSERT_TRUE(dovecot_.Start());
    ASSERT_TRUE(nginx_.Start());
    ASSERT_TRUE(WriteFile(work_ / "root.pem", pebble().RootPem()));
    for (const auto& names : std::vector<std::vector<std::string>>{
             {kName}, {"autoconfig.other.test", "autodiscover.other.test"}}) {
      std::vector<std::string> args = {"issue", "--http-listen", Listen(pebble())};
      for (const auto& name : names) {
        args.push_back("-d");
        args.push_back(name);
      }
      CommandResult issued = RunMailcert(Args(pebble(), state_.path(), args));
      ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
    }
  }

  TempDir work_{"mailcert-sni"};
  TempDir state_{"mailcert-state"};
  PostfixServer postfix_;
  DovecotServer dovecot_;
  NginxServer nginx_;
};

TEST_F(SniDeployTest, EachNameGetsItsOwnCertificateOnPostfixDovecotAndNginx) {
  const std::string certificates =
      "certificates = [\"" + std::string(kName) + "\", \"autoconfig.other.test\"]\nsni = true\n"
      "ca_bundle = \"" + (work_ / "root.pem").string() + "\"\n";
  const auto config = work_ / "sni.toml";
  ASSERT_TRUE(WriteFile(
      config, "state_dir = \"" + state_.path().string() + "\"\n\n[[deploy]]\ntype = \"postfix\"\n" + kNoDane +
                  certificates + "dir = \"" + (work_ / "postfix").string() +
                  "\"\npostfix_config_dir = \"" + postfix_.ConfigDir().string() +
                  "\"\nendpoints = [\"smtp://127.0.0.1:" + std::to_string(postfix_.SmtpPort()) +
                  "\"]\n\n[[deploy]]\ntype = \"dovecot\"\ndovecot_version = \"2.3\"\n" +
                  certificates + "dir = \"" + (work_ / "dovecot").string() +
                  "\"\ndovecot_config = \"" + dovecot_.ConfigPath().string() +
                  "\"\nendpoints = [\"imaps://127.0.0.1:" + std::to_string(dovecot_.ImapsPort()) +
                  "\"]\n\n[[deploy]]\ntype = \"nginx\"\n" + certificates + "dir = \"" +
                  (work_ / "nginx").string() + "\"\nprepare = [[" + NginxArgv(nginx_) +
                  ", \"-t\"]]\nreload = [[" + NginxArgv(nginx_) +
                  ", \"-s\", \"reload\"]]\nendpoints = [\"https://127.0.0.1:" +
                  std::to_string(nginx_.HttpsPort()) + "\"]\n"));
  // Deploying verifies each certificate by its own name (SNI) on both servers.
  CommandResult deployed = RunMailcert({"deploy", "--config", config.string(), "--json"});
  ASSERT_EQ(deployed.exit_code, 0) << Describe(deployed);
  EXPECT_NE(ReadFile(work_ / "postfix/sni.map").find("autodiscover.other.test "),
            std::string::npos);
  CommandResult check = RunMailcert({"check", "--config", config.string(), "--json"});
  ASSERT_EQ(check.exit_code, 0) << Describe(check);
  nlohmann::json rows = ParseJsonOutput(check)["checks"];
  ASSERT_EQ(rows.size(), 9u) << "3 names × 3 servers, each name by its own SNI";
  std::set<std::string> served;
  for (const auto& row : rows) {
    EXPECT_EQ(row["served_sha256"], row["stored_sha256"]) << row.dump();
    served.insert(row["served_sha256"].get<std::string>());
  }
  EXPECT_EQ(served.size(), 2u) << "two names, two different certificates";
  // A name of the second certificate that was not the probe's SNI is served it too.
  CommandResult other = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                     std::to_string(postfix_.SmtpPort()), "--starttls", "smtp",
                                     "--name", "autodiscover.other.test", "--ca-bundle",
                                     (work_ / "root.pem").string()});
  EXPECT_EQ(other.exit_code, 0) << Describe(other);
}

// `check` on a server whose certificate has expired: CRITICAL.
TEST(CheckExpired, AnExpiredCertificateIsCritical) {
  TempDir work("mailcert-expired");
  auto root = crypto::testing::TestCa::CreateRoot().value();
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
  crypto::testing::CertOptions options;
  options.names = {kName};
  options.not_before = std::chrono::system_clock::now() - std::chrono::hours(24 * 100);
  options.not_after = std::chrono::system_clock::now() - std::chrono::hours(24);
  ASSERT_TRUE(WriteFile(work / "cert.pem", crypto::DerToPem(root.IssueLeaf(key, options).value())));
  ASSERT_TRUE(WriteFile(work / "key.pem", key.ToPem().value()));
  ASSERT_TRUE(WriteFile(work / "root.pem", root.cert_pem()));
  NginxServer nginx;
  nginx.options().certificates = {{work / "cert.pem", work / "key.pem"}};
  ASSERT_TRUE(nginx.Start());
  CommandResult check = RunMailcert({"check", "--host", "127.0.0.1", "--port",
                                     std::to_string(nginx.HttpsPort()), "--name", kName,
                                     "--ca-bundle", (work / "root.pem").string()});
  EXPECT_EQ(check.exit_code, 2) << Describe(check);
  EXPECT_NE(check.stdout_text.find("expired"), std::string::npos) << Describe(check);
  EXPECT_NE(check.stdout_text.find("CRITICAL"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::testing
