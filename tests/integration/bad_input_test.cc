// Bad input gets one clear error line and exit 1, and the store is left exactly as it was.
#include <gtest/gtest.h>

#include "cli_support.h"

namespace mailcert::testing {
namespace {

class BadInputTest : public PebbleSuiteTest {
 protected:
  void SetUp() override {
    PebbleSuiteTest::SetUp();
    // A store with one good certificate, so "unchanged" means something.
    CommandResult issued = RunMailcert(Args(pebble(), state_.path(),
                                            {"issue", "-d", "good.example.test", "--http-listen",
                                             Listen(pebble())}));
    ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
    before_ = Snapshot(state_.path());
  }

  // One line on stderr, naming what the user must look at; exit 1; the store untouched.
  void ExpectCleanFailure(const CommandResult& result, const std::string& must_mention) {
    EXPECT_EQ(result.exit_code, 1) << Describe(result);
    EXPECT_EQ(LineCount(result.stderr_text), 1) << Describe(result);
    EXPECT_NE(result.stderr_text.find(must_mention), std::string::npos) << Describe(result);
    EXPECT_EQ(Snapshot(state_.path()), before_) << "the store changed";
  }

  TempDir state_{"mailcert-state"};
  TempDir work_{"mailcert-work"};
  std::map<std::string, std::string> before_;
};

TEST_F(BadInputTest, MissingConfigFile) {
  const std::string path = (work_ / "missing.toml").string();
  ExpectCleanFailure(RunMailcert({"issue", "--config", path, "--state-dir",
                                  state_.path().string()}),
                     path);
}

TEST_F(BadInputTest, UnreadableConfigFile) {
  // A directory where the file should be: unreadable for root too.
  const std::string path = work_.path().string();
  ExpectCleanFailure(RunMailcert({"renew", "--config", path, "--state-dir",
                                  state_.path().string()}),
                     path);
}

TEST_F(BadInputTest, InvalidConfigNamesFileLineAndKey) {
  const auto path = work_ / "bad.toml";
  ASSERT_TRUE(WriteFile(path, "email = \"postmaster@example.test\"\nconcurency = 4\n"));
  CommandResult result = RunMailcert({"renew", "--config", path.string(), "--state-dir",
                                      state_.path().string()});
  ExpectCleanFailure(result, path.string() + ":2:");
  EXPECT_NE(result.stderr_text.find("concurency"), std::string::npos);

  ASSERT_TRUE(WriteFile(path, "[[certificate]\ndomains = [\"a.example.test\"]\n"));
  ExpectCleanFailure(RunMailcert({"issue", "--config", path.string(), "--state-dir",
                                  state_.path().string()}),
                     path.string() + ":1:");
}

TEST_F(BadInputTest, NonExistentCaUrl) {
  const int port = FreeTcpPort();  // nothing listens there
  ExpectCleanFailure(RunMailcert({"issue", "-d", "new.example.test", "--server",
                                  "https://127.0.0.1:" + std::to_string(port) + "/dir",
                                  "--state-dir", state_.path().string(), "--http-listen",
                                  Listen(pebble())}),
                     "Connection refused");
}

TEST_F(BadInputTest, CaAnsweringGarbageJson) {
  // A real HTTPS server (openssl s_server -WWW) serving a file named "dir" that is not JSON.
  const std::string dir = work_.path().string();
  CommandResult made = RunCommand(
      {"sh", "-c",
       "cd '" + dir + "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
       "-keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1 "
       "-addext subjectAltName=IP:127.0.0.1 2>&1 && printf '{\"newNonce\": oops' > dir"});
  ASSERT_EQ(made.exit_code, 0) << made.stdout_text;
  const int port = FreeTcpPort();
  ChildProcess server;
  ASSERT_TRUE(server.Start({.argv = {"openssl", "s_server", "-WWW", "-accept",
                                     "127.0.0.1:" + std::to_string(port), "-cert", "cert.pem",
                                     "-key", "key.pem", "-quiet"},
                            .env = {},
                            .cwd = work_.path(),
                            .log_path = work_ / "s_server.log"}));
  ASSERT_TRUE(server.WaitForTcpPort(port));
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/dir";
  CommandResult result = RunMailcert({"issue", "-d", "new.example.test", "--server", url,
                                      "--ca-bundle", dir + "/cert.pem", "--state-dir",
                                      state_.path().string(), "--http-listen", Listen(pebble())});
  ExpectCleanFailure(result, url + " did not answer with an ACME directory");
}

TEST_F(BadInputTest, WebrootThatIsNotWritable) {
  // /sys refuses new directories even to root.
  ExpectCleanFailure(RunMailcert(Args(pebble(), state_.path(),
                                      {"issue", "-d", "new.example.test", "--webroot", "/sys"})),
                     "webroot /sys is not writable");
}

TEST_F(BadInputTest, BadNamesAndKeyTypesAreRefusedBeforeAnyRequest) {
  ExpectCleanFailure(RunMailcert(Args(pebble(), state_.path(),
                                      {"issue", "-d", "bad_name.example.test"})),
                     "\"bad_name.example.test\" is not a domain name");
  ExpectCleanFailure(RunMailcert(Args(pebble(), state_.path(),
                                      {"issue", "-d", "ok.example.test", "--key-type", "rsa1024"})),
                     "unknown key type \"rsa1024\"");
}

}  // namespace
}  // namespace mailcert::testing
