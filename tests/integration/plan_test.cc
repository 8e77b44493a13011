// `mailcert plan` pre-flight checks against real DNS data (pebble-challtestsrv: A, AAAA, CAA,
// CNAME, SERVFAIL) and real HTTP (mailcert's own token server, and Debian's nginx as a proxy that
// redirects or answers 404), as issue #4 lists.
#include <gtest/gtest.h>

#include "cli_support.h"

namespace mailcert::testing {
namespace {

class PlanCheckTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    port_ = FreeTcpPort();
    // nginx on 127.0.0.2 plays the proxy in front of this host (its address counts as ours, as a
    // NATed public address would): one name redirected to the host name, one redirected to a
    // port a CA does not follow, every other name 404.
    ::chmod(work_.path().c_str(), 0755);
    const std::string dir = work_.path().string();
    const std::string port = std::to_string(port_);
    std::string config = "daemon off;\npid " + dir + "/nginx.pid;\nerror_log " + dir +
                         "/error.log;\nevents {}\nhttp {\n  access_log off;\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      config += "  " + std::string(temp) + "_temp_path " + dir + "/" + temp + ";\n";
    }
    config += "  server {\n    listen 127.0.0.2:" + port + " default_server;\n    return 404;\n  }\n" +
              "  server {\n    listen 127.0.0.2:" + port + ";\n    server_name redirect.example.test;\n" +
              "    return 301 http://hop2.example.test:" + port + "$request_uri;\n  }\n" +
              "  server {\n    listen 127.0.0.2:" + port + ";\n    server_name hop2.example.test;\n" +
              "    return 302 http://mail.example.test:" + port + "$request_uri;\n  }\n" +
              "  server {\n    listen 127.0.0.2:" + port + ";\n    server_name badport.example.test;\n" +
              "    return 301 http://mail.example.test:8081$request_uri;\n  }\n}\n";
    ASSERT_TRUE(WriteFile(work_ / "nginx.conf", config));
    const std::filesystem::path nginx = FindProgram("nginx").empty() ? "/usr/sbin/nginx"
                                                                       : FindProgram("nginx");
    ASSERT_TRUE(std::filesystem::exists(nginx))
        << "nginx not found: install it with scripts/install-deps.sh (Debian package nginx)";
    ASSERT_TRUE(nginx_.Start({.argv = {nginx.string(), "-p", dir, "-c", dir + "/nginx.conf", "-e",
                                       dir + "/error.log"},
                              .env = {},
                              .cwd = work_.path(),
                              .log_path = work_ / "nginx.out"}));
    ASSERT_TRUE(nginx_.WaitForTcpPort(port_, std::chrono::seconds(15), "127.0.0.2"));

    ASSERT_TRUE(pebble().AddARecord("wrong.example.test", {"192.0.2.10"}));
    ASSERT_TRUE(pebble().AddARecord("redirect.example.test", {"127.0.0.2"}));
    ASSERT_TRUE(pebble().AddARecord("hop2.example.test", {"127.0.0.2"}));
    ASSERT_TRUE(pebble().AddARecord("badport.example.test", {"127.0.0.2"}));
    ASSERT_TRUE(pebble().AddARecord("proxied.example.test", {"127.0.0.2"}));
    ASSERT_TRUE(pebble().ChallTestSrvPost(
        "add-aaaa", R"({"host":"v6.example.test.","addresses":["2001:db8::1"]})"));
    ASSERT_TRUE(pebble().ChallTestSrvPost(
        "add-aaaa", R"({"host":"both.example.test.","addresses":["::1"]})"));
    ASSERT_TRUE(pebble().ChallTestSrvPost(
        "add-caa", R"({"host":"caa.example.test.","policies":[{"tag":"issue","value":"sectigo.com"}]})"));
    ASSERT_TRUE(pebble().ChallTestSrvPost(
        "add-caa", R"({"host":"ok-caa.example.test.","policies":[{"tag":"issue","value":"letsencrypt.org"}]})"));
    ASSERT_TRUE(pebble().ChallTestSrvPost("set-servfail", R"({"host":"broken.example.test."})"));
    ASSERT_TRUE(pebble().ChallTestSrvPost(
        "set-cname", R"({"host":"alias.example.test.","target":"mail.example.test."})"));
  }

  nlohmann::json Plan() {
    const std::string names =
        "\"ok-caa.example.test\", \"caa.example.test\", \"broken.example.test\", "
        "\"wrong.example.test\", \"v6.example.test\", \"redirect.example.test\", "
        "\"badport.example.test\", \"proxied.example.test\", \"alias.example.test\", "
        "\"both.example.test\"";
    const std::string config =
        "state_dir = \"" + (work_ / "state").string() + "\"\n[mail]\nhostname = \"mail.example.test\"\n"
        "domains = []\nadditional_names = [" + names + "]\nown_addresses = [\"127.0.0.1\", \"127.0.0.2\", \"::1\"]\n"
        "dns_servers = [\"127.0.0.1:" + std::to_string(pebble().DnsPort()) + "\"]\n"
        "http_check_port = " + std::to_string(port_) + "\ncheck_listen = \"127.0.0.1:" +
        std::to_string(port_) + ", [::1]:" + std::to_string(port_) + "\"\n";
    EXPECT_TRUE(WriteFile(work_ / "plan.toml", config));
    CommandResult result = RunMailcert({"plan", "--config", (work_ / "plan.toml").string(), "--json"});
    EXPECT_EQ(result.exit_code, 1) << "some names need attention: " << Describe(result);
    result_ = result;
    return ParseJsonOutput(result);
  }

  nlohmann::json Check(const nlohmann::json& plan, const std::string& name) {
    for (const auto& certificate : plan["certificates"]) {
      for (const auto& check : certificate["checks"]) {
        if (check["name"] == name) return check;
      }
    }
    ADD_FAILURE() << name << " missing from the plan: " << Describe(result_);
    return {};
  }

  TempDir work_{"mailcert-plan"};
  ChildProcess nginx_;
  int port_ = 0;
  CommandResult result_;
};

TEST_F(PlanCheckTest, EveryNameIsCheckedAndNoneIsSilentlyDropped) {
  nlohmann::json plan = Plan();
  auto passed = [&](const std::string& name) { return Check(plan, name)["passed"] == true; };
  auto reason = [&](const std::string& name) {
    return Check(plan, name)["reason"].get<std::string>();
  };
  EXPECT_TRUE(passed("mail.example.test")) << reason("mail.example.test");
  EXPECT_TRUE(passed("ok-caa.example.test")) << reason("ok-caa.example.test");
  EXPECT_FALSE(passed("caa.example.test"));
  EXPECT_NE(reason("caa.example.test").find("CAA"), std::string::npos);
  EXPECT_FALSE(passed("broken.example.test"));
  EXPECT_NE(reason("broken.example.test").find("SERVFAIL"), std::string::npos)
      << reason("broken.example.test");
  EXPECT_FALSE(passed("wrong.example.test"));
  EXPECT_NE(reason("wrong.example.test").find("192.0.2.10 is not this host"), std::string::npos);
  // An AAAA that is not ours does not hide the matching A.
  EXPECT_TRUE(passed("v6.example.test")) << reason("v6.example.test");
  EXPECT_NE(reason("v6.example.test").find("IPv6 2001:db8::1 is not this host"), std::string::npos);
  // Through a proxy that redirects twice (301 to another name, 302 to the host): followed like
  // the CA does.
  EXPECT_TRUE(passed("redirect.example.test")) << reason("redirect.example.test");
  EXPECT_FALSE(passed("badport.example.test"));
  EXPECT_NE(reason("badport.example.test").find("port 8081"), std::string::npos);
  EXPECT_FALSE(passed("proxied.example.test"));
  EXPECT_NE(reason("proxied.example.test").find("HTTP 404"), std::string::npos)
      << reason("proxied.example.test");
  EXPECT_TRUE(passed("alias.example.test")) << reason("alias.example.test");
  // A and AAAA both ours: the token is fetched over IPv4 and over IPv6.
  EXPECT_TRUE(passed("both.example.test")) << reason("both.example.test");
  EXPECT_NE(reason("both.example.test").find("reachable over IPv4 and IPv6"), std::string::npos)
      << reason("both.example.test");
  // The server certificate is held, with every failing name listed, not shrunk.
  const auto& server = plan["certificates"][0];
  EXPECT_EQ(server["status"], "held");
  EXPECT_EQ(server["failing"].size(), 5u) << server.dump();
  EXPECT_EQ(server["names"].size(), 11u);
}

}  // namespace
}  // namespace mailcert::testing
