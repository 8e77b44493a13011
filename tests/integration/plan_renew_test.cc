// Issue #4 end to end: plan + issue in SNI mode for a host and six mail domains against Pebble,
// then remove one domain and add another — only the certificates of those two domains change.
#include <gtest/gtest.h>

#include "cli_support.h"

namespace mailcert::testing {
namespace {

class PlanRenewTest : public PebbleTest {
 protected:
  CommandResult Renew(const std::vector<std::string>& domains) {
    std::string list;
    for (const auto& domain : domains) list += (list.empty() ? "\"" : ", \"") + domain + "\"";
    const std::string config =
        "server = \"" + pebble().DirectoryUrl() + "\"\nca_bundle = \"" +
        pebble().CaBundlePath().string() + "\"\nstate_dir = \"" + state_.path().string() +
        "\"\nhttp_listen = \"" + Listen(pebble()) + "\"\n[mail]\nhostname = \"mail.example.test\"\n"
        "sni = true\ndomains = [" + list + "]\nown_addresses = [\"127.0.0.1\"]\n"
        "dns_servers = [\"127.0.0.1:" + std::to_string(pebble().DnsPort()) + "\"]\n"
        "http_check_port = " + std::to_string(pebble().HttpPort()) + "\ncheck_listen = \"127.0.0.1:" +
        std::to_string(pebble().HttpPort()) + "\"\n";
    EXPECT_TRUE(WriteFile(work_ / "mail.toml", config));
    return RunMailcert({"renew", "--config", (work_ / "mail.toml").string(), "--json"});
  }

  // lineage → current version number
  std::map<std::string, std::string> Versions() {
    std::map<std::string, std::string> versions;
    for (const auto& entry : std::filesystem::directory_iterator(state_.path() / "certs")) {
      auto link = entry.path() / "current";
      if (std::filesystem::is_symlink(link)) {
        versions[entry.path().filename()] = std::filesystem::read_symlink(link).string();
      }
    }
    return versions;
  }

  TempDir state_{"mailcert-state"};
  TempDir work_{"mailcert-work"};
};

TEST_F(PlanRenewTest, AddingAndRemovingOneDomainChangesOnlyTheirCertificates) {
  std::vector<std::string> domains = {"one.test", "two.test", "three.test",
                                      "four.test", "five.test", "six.test"};
  CommandResult first = Renew(domains);
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  EXPECT_EQ(ParseJsonOutput(first)["issued"], 7) << "the server certificate and six domains";
  auto before = Versions();
  ASSERT_EQ(before.size(), 7u);
  for (const auto& [lineage, version] : before) {
    EXPECT_TRUE(VerifyChainWithOpenssl(state_.path() / "certs" / lineage / "current/fullchain.pem",
                                       pebble().RootPem()));
  }
  EXPECT_NE(ReadFile(state_.path() / "certs/two.test/current/cert.pem"), "");

  // Nothing changed: nothing is issued.
  CommandResult again = Renew(domains);
  EXPECT_EQ(again.exit_code, 2) << Describe(again);

  domains.erase(domains.begin() + 2);  // three.test is gone
  domains.push_back("seven.test");
  CommandResult changed = Renew(domains);
  ASSERT_EQ(changed.exit_code, 0) << Describe(changed);
  nlohmann::json json = ParseJsonOutput(changed);
  EXPECT_EQ(json["issued"], 1) << "only seven.test";
  auto after = Versions();
  for (const auto& [lineage, version] : before) {
    EXPECT_EQ(after[lineage], version) << lineage << " must not change";
  }
  EXPECT_EQ(after["seven.test"], "versions/1");
  // The removed domain's certificate is retired: kept, no longer renewed.
  bool mentioned = false;
  for (const auto& result : json["results"]) mentioned |= result["lineage"] == "three.test";
  EXPECT_FALSE(mentioned) << "a retired certificate is not renewed";
  EXPECT_TRUE(std::filesystem::exists(state_.path() / "certs/three.test/current/cert.pem"));
}

}  // namespace
}  // namespace mailcert::testing
