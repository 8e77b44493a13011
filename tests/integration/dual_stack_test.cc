// Endpoints given by name are verified on every address of the name. BIND serves
// mail.example.test with an A (127.0.0.1) and an AAAA (::1) record; a real nginx serves the
// deployed files on 127.0.0.1 but has a separate [::1] server block still pointing at an old
// certificate — the stale IPv6 listener that a check of "the" address would never see.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bind.h"
#include "cli_support.h"
#include "nginx.h"

namespace mailcert::testing {
namespace {

constexpr char kName[] = "mail.example.test";

class DualStackTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    ASSERT_TRUE(HostHasIpv6Loopback()) << "this test needs IPv6 on loopback (::1)";
    BindOptions options;
    options.zones.push_back(
        PrimaryZone("example.test",
                    SimpleZoneFile("example.test", {}, "mail A 127.0.0.1\nmail AAAA ::1\n"), {}));
    bind_ = std::make_unique<BindServer>(options);
    ASSERT_TRUE(bind_->Start());

    // nginx starts on a throw-away certificate; [::1] has its own block on another old file.
    std::filesystem::create_directories(work_ / "nginx");
    const std::string stem = (work_ / "nginx" / (std::string(kName) + ".ec256")).string();
    CommandResult made =
        RunCommand({"sh", "-c",
                    "cd '" + work_.path().string() + "' && " + SnakeoilCommand("boot") + " && " +
                        SnakeoilCommand("stale") + " && cp boot.crt '" + stem +
                        ".crt' && cp boot.key '" + stem + ".key'"});
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
    nginx_.options().certificates = {{stem + ".crt", stem + ".key"}};
    nginx_.options().ipv6_certificates = {{work_ / "stale.crt", work_ / "stale.key"}};
    ASSERT_TRUE(nginx_.Start());

    ASSERT_TRUE(WriteFile(work_ / "root.pem", pebble().RootPem()));
    CommandResult issued = RunMailcert(
        Args(pebble(), state_.path(), {"issue", "-d", kName, "--http-listen", Listen(pebble())}));
    ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
    const std::string nginx = TomlItems(nginx_.CommandLine());
    ASSERT_TRUE(WriteFile(config_, "state_dir = \"" + state_.path().string() +
                                       "\"\n\n[[deploy]]\ntype = \"nginx\"\n"
                                       "dir = \"" +
                                       (work_ / "nginx").string() + "\"\nca_bundle = \"" +
                                       (work_ / "root.pem").string() + "\"\nprepare = [[" + nginx +
                                       ", \"-t\"]]\nreload = [[" + nginx +
                                       ", \"-s\", \"reload\"]]\nverify_timeout = 3\n"
                                       "endpoints = [\"https://" +
                                       kName + ":" + std::to_string(nginx_.HttpsPort()) +
                                       "\"]\ndns_servers = [\"" + bind_->Address() + "\"]\n"));
  }

  std::string Endpoint(const std::string& address) const {
    return "https " + std::string(kName) + ":" + std::to_string(nginx_.HttpsPort()) + " at " +
           address;
  }

  TempDir work_{"mailcert-dual-stack"};
  TempDir state_{"mailcert-state"};
  std::filesystem::path config_ = work_ / "mailcert.toml";
  std::unique_ptr<BindServer> bind_;
  NginxServer nginx_;
};

TEST_F(DualStackTest, AStaleIpv6ListenerFailsTheDeployAndEachAddressIsChecked) {
  CommandResult deployed = RunMailcert({"deploy", "--config", config_.string(), "--json"});
  EXPECT_EQ(deployed.exit_code, 1) << Describe(deployed);
  nlohmann::json outcome = ParseJsonOutput(deployed)["deploys"][0];
  EXPECT_EQ(outcome["status"], "rolled-back") << outcome.dump();
  const nlohmann::json& endpoints = outcome["endpoints"];
  ASSERT_EQ(endpoints.size(), 2u) << "one per address of " << kName << ": " << outcome.dump();
  EXPECT_EQ(endpoints[0]["endpoint"], Endpoint("127.0.0.1"));
  EXPECT_EQ(endpoints[0]["ok"], true) << endpoints[0].dump();
  EXPECT_EQ(endpoints[1]["endpoint"], Endpoint("[::1]"));
  EXPECT_EQ(endpoints[1]["ok"], false) << endpoints[1].dump();
  EXPECT_NE(outcome["error"].get<std::string>().find(Endpoint("[::1]")), std::string::npos)
      << outcome.dump();

  // The admin points the IPv6 block at the deployed files too; now both addresses take it.
  nginx_.options().ipv6_certificates.clear();
  ASSERT_TRUE(nginx_.WriteConfig());
  ASSERT_TRUE(nginx_.Reload());
  CommandResult fixed = RunMailcert({"deploy", "--config", config_.string()});
  ASSERT_EQ(fixed.exit_code, 0) << Describe(fixed);
  CommandResult check = RunMailcert({"check", "--config", config_.string(), "--json"});
  EXPECT_EQ(check.exit_code, 0) << Describe(check);
  nlohmann::json rows = ParseJsonOutput(check)["checks"];
  ASSERT_EQ(rows.size(), 2u) << rows.dump();
  EXPECT_EQ(rows[0]["endpoint"], Endpoint("127.0.0.1"));
  EXPECT_EQ(rows[1]["endpoint"], Endpoint("[::1]"));
  for (const auto& row : rows) {
    EXPECT_EQ(row["state"], "OK") << row.dump();
    EXPECT_EQ(row["served_sha256"], row["stored_sha256"]) << row.dump();
  }
}

}  // namespace
}  // namespace mailcert::testing
