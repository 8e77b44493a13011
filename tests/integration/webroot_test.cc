// HTTP-01 through a webroot served by a real nginx (Debian's), the way an administrator with an
// existing web server on port 80 runs mailcert.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cli_support.h"

namespace mailcert::testing {
namespace {

class WebrootTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    const std::filesystem::path nginx = FindProgram("nginx").empty() ? "/usr/sbin/nginx"
                                                                       : FindProgram("nginx");
    ASSERT_TRUE(std::filesystem::exists(nginx))
        << "nginx not found: install it with scripts/install-deps.sh (Debian package nginx)";
    // nginx's workers run as an unprivileged user when started as root: let them in.
    ::chmod(work_.path().c_str(), 0755);
    webroot_ = work_ / "www";
    std::filesystem::create_directories(webroot_);
    const std::string dir = work_.path().string();
    const std::string port = std::to_string(pebble().HttpPort());
    std::string config = "daemon off;\npid " + dir + "/nginx.pid;\nerror_log " + dir +
                         "/error.log;\nevents {}\nhttp {\n  access_log " + dir +
                         "/access.log;\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      config += "  " + std::string(temp) + "_temp_path " + dir + "/" + temp + ";\n";
    }
    config += "  server {\n    listen 127.0.0.1:" + port + ";\n    listen [::1]:" + port +
              ";\n    root " + webroot_.string() + ";\n  }\n}\n";
    ASSERT_TRUE(WriteFile(work_ / "nginx.conf", config));
    ASSERT_TRUE(nginx_.Start({.argv = {nginx.string(), "-p", dir, "-c", dir + "/nginx.conf",
                                       "-e", dir + "/error.log"},
                              .env = {},
                              .cwd = work_.path(),
                              .log_path = work_ / "nginx.stdout"}));
    ASSERT_TRUE(nginx_.WaitForTcpPort(pebble().HttpPort()));
  }

  TempDir work_{"mailcert-webroot"};
  TempDir state_{"mailcert-state"};
  std::filesystem::path webroot_;
  ChildProcess nginx_;
};

TEST_F(WebrootTest, IssuesThroughNginxAndLeavesNoTokenBehind) {
  CommandResult result = RunMailcert(Args(pebble(), state_.path(),
                                          {"issue", "-d", "www.example.test", "-d",
                                           "webmail.example.test", "--webroot", webroot_.string()}));
  ASSERT_EQ(result.exit_code, 0) << Describe(result) << "\nnginx:\n"
                                 << ReadFile(work_ / "error.log");
  EXPECT_TRUE(VerifyChainWithOpenssl(Current(state_.path(), "www.example.test") / "fullchain.pem",
                                     pebble().RootPem()));
  // The CA really fetched the tokens from nginx…
  EXPECT_NE(ReadFile(work_ / "access.log").find("GET /.well-known/acme-challenge/"),
            std::string::npos);
  // …and they were removed afterwards.
  const auto challenge_dir = webroot_ / ".well-known/acme-challenge";
  ASSERT_TRUE(std::filesystem::exists(challenge_dir));
  EXPECT_TRUE(std::filesystem::is_empty(challenge_dir));

  // Renewal repeats the webroot method recorded in state.json without any flag.
  CommandResult renewed = RunMailcert(Args(pebble(), state_.path(), {"renew", "--force"}));
  ASSERT_EQ(renewed.exit_code, 0) << Describe(renewed);
  EXPECT_TRUE(std::filesystem::is_empty(challenge_dir));
}

TEST_F(WebrootTest, TokensAreRemovedWhenValidationFails) {
  // nginx serves another directory than the one mailcert writes to: validation must fail, and
  // the tokens written must still be cleaned up.
  const auto wrong = work_ / "not-served";
  std::filesystem::create_directories(wrong);
  CommandResult result = RunMailcert(Args(pebble(), state_.path(),
                                          {"issue", "-d", "fail.example.test", "--webroot",
                                           wrong.string()}));
  EXPECT_EQ(result.exit_code, 1) << Describe(result);
  EXPECT_NE(result.stderr_text.find("fail.example.test: http-01 validation failed"),
            std::string::npos)
      << Describe(result);
  EXPECT_TRUE(std::filesystem::is_empty(wrong / ".well-known/acme-challenge"));
  EXPECT_FALSE(std::filesystem::exists(Current(state_.path(), "fail.example.test")));
}

}  // namespace
}  // namespace mailcert::testing
