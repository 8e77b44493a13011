#include "cli/config.h"

#include <gtest/gtest.h>

namespace mailcert::cli {
namespace {

TEST(Config, ReadsGlobalKeysAndCertificates) {
  auto config = ParseConfig(R"(
server = "https://127.0.0.1:14000/dir"
ca_bundle = "/etc/pebble/ca.pem"
state_dir = "/var/lib/mailcert"
email = "postmaster@example.org"
http_listen = ["0.0.0.0:80", "[::]:80"]
concurrency = 8

[[certificate]]
name = "mail"
domains = ["mail.example.org", "autoconfig.example.org"]
key_type = "rsa2048"

[[certificate]]
domains = ["mx2.example.org"]
webroot = "/var/www/html"
)", "mailcert.toml");
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->server, "https://127.0.0.1:14000/dir");
  EXPECT_EQ(config->http_listen, "0.0.0.0:80,[::]:80");
  EXPECT_EQ(config->concurrency, 8);
  ASSERT_EQ(config->certificates.size(), 2u);
  EXPECT_EQ(config->certificates[0].name, "mail");
  EXPECT_EQ(config->certificates[0].key_type, "rsa2048");
  EXPECT_EQ(config->certificates[1].domains, std::vector<std::string>{"mx2.example.org"});
  EXPECT_EQ(config->certificates[1].webroot, "/var/www/html");
  EXPECT_EQ(config->certificates[1].origin, "mailcert.toml:14:1");
}

TEST(Config, ErrorsNameFileLineAndKey) {
  auto typo = ParseConfig("sever = \"https://x/dir\"\n", "/etc/mailcert.toml");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().message.rfind("/etc/mailcert.toml:1:", 0), 0u) << typo.error().message;
  EXPECT_NE(typo.error().message.find("unknown key \"sever\""), std::string::npos);

  auto type = ParseConfig("email = \"a@b.c\"\nconcurrency = \"many\"\n", "m.toml");
  ASSERT_FALSE(type);
  EXPECT_EQ(type.error().message.rfind("m.toml:2:", 0), 0u) << type.error().message;
  EXPECT_NE(type.error().message.find("concurrency"), std::string::npos);

  auto syntax = ParseConfig("server = \n", "m.toml");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_EQ(syntax.error().message.rfind("m.toml:1:", 0), 0u) << syntax.error().message;

  auto no_domains = ParseConfig("[[certificate]]\nname = \"x\"\n", "m.toml");
  ASSERT_FALSE(no_domains);
  EXPECT_NE(no_domains.error().message.find("needs domains"), std::string::npos);

  auto bad_cert_key = ParseConfig("[[certificate]]\ndomains = [\"a.b\"]\nkeytype = \"rsa\"\n",
                                  "m.toml");
  ASSERT_FALSE(bad_cert_key);
  EXPECT_NE(bad_cert_key.error().message.find("m.toml:3:"), std::string::npos);
}

TEST(Config, DanePortsAreAListOfPortsAndAnEmptyListTurnsTheGuardOff) {
  auto set = ParseConfig("[[deploy]]\ntype = \"postfix\"\ndir = \"/d\"\ndane_ports = [25, 465]\n"
                         "dns_servers = [\"127.0.0.1:53\"]\n",
                         "m.toml");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->deploy[0].dane_ports, (std::vector<int>{25, 465}));
  EXPECT_EQ(set->deploy[0].dns_servers, std::vector<std::string>{"127.0.0.1:53"});

  auto off = ParseConfig("[[deploy]]\ntype = \"postfix\"\ndane_ports = []\n", "m.toml");
  ASSERT_TRUE(off) << off.error().message;
  ASSERT_TRUE(off->deploy[0].dane_ports.has_value());
  EXPECT_TRUE(off->deploy[0].dane_ports->empty());

  auto unset = ParseConfig("[[deploy]]\ntype = \"postfix\"\n", "m.toml");
  ASSERT_TRUE(unset);
  EXPECT_FALSE(unset->deploy[0].dane_ports.has_value()) << "the default is the target's";

  for (const char* bad : {"dane_ports = [25, 70000]", "dane_ports = 25", "dane_ports = [\"25\"]"}) {
    auto refused = ParseConfig(std::string("[[deploy]]\ntype = \"postfix\"\n") + bad + "\n",
                               "m.toml");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().message.rfind("m.toml:3:", 0), 0u) << refused.error().message;
    EXPECT_NE(refused.error().message.find("\"dane_ports\" must be a list of ports"),
              std::string::npos)
        << refused.error().message;
  }
}

TEST(Config, ReadsDnsTablesWithProviderSettings) {
  auto config = ParseConfig(R"(
challenge = "dns-01"

[[dns]]
zones = ["Example.ORG.", "example.net"]
provider = "rfc2136"
server = "192.0.2.53"
port = 5353
key_file = "/etc/mailcert/tsig.key"
propagation_timeout = 300
resolvers = ["127.0.0.1:53"]
nameserver_addresses = { "ns2.example.org" = ["192.0.2.54", "[2001:db8::54]:53"] }

[[dns]]
domains = ["shop.example.com"]
provider = "dns_cf"
credentials_file = "/etc/mailcert/cloudflare.env"
check_authoritative = false

[[certificate]]
domains = ["*.example.org", "example.org"]
challenge = "dns-01"
)", "mailcert.toml");
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->challenge, "dns-01");
  ASSERT_EQ(config->dns.size(), 2u);
  const DnsConfig& rfc2136 = config->dns[0];
  EXPECT_EQ(rfc2136.origin, "mailcert.toml:4:1");
  EXPECT_EQ(rfc2136.zones, (std::vector<std::string>{"example.org", "example.net"}));
  EXPECT_EQ(rfc2136.provider, "rfc2136");
  EXPECT_EQ(rfc2136.settings, (std::map<std::string, std::string>{
                                  {"server", "192.0.2.53"},
                                  {"port", "5353"},
                                  {"key_file", "/etc/mailcert/tsig.key"}}));
  EXPECT_EQ(rfc2136.propagation_timeout, 300);
  EXPECT_TRUE(rfc2136.check_authoritative);
  EXPECT_EQ(rfc2136.nameserver_addresses.at("ns2.example.org").size(), 2u);
  const DnsConfig& cloudflare = config->dns[1];
  EXPECT_EQ(cloudflare.domains, std::vector<std::string>{"shop.example.com"});
  EXPECT_EQ(cloudflare.credentials_file, "/etc/mailcert/cloudflare.env");
  EXPECT_FALSE(cloudflare.check_authoritative);
  EXPECT_EQ(config->certificates[0].challenge, "dns-01");

  auto no_provider = ParseConfig("[[dns]]\nzones = [\"example.org\"]\n", "m.toml");
  ASSERT_FALSE(no_provider);
  EXPECT_NE(no_provider.error().message.find("m.toml:1:1: [[dns]] needs provider"),
            std::string::npos)
      << no_provider.error().message;
  auto timeout = ParseConfig("[[dns]]\nprovider = \"hook\"\npropagation_timeout = 0\n", "m.toml");
  ASSERT_FALSE(timeout);
  EXPECT_NE(timeout.error().message.find("m.toml:3:"), std::string::npos);
  auto nested = ParseConfig("[[dns]]\nprovider = \"hook\"\nprogram = [\"a\"]\n", "m.toml");
  ASSERT_FALSE(nested);
  EXPECT_NE(nested.error().message.find("provider setting"), std::string::npos);
  auto challenge = ParseConfig("challenge = \"tls-alpn-01\"\n", "m.toml");
  ASSERT_FALSE(challenge);
  EXPECT_NE(challenge.error().message.find("\"http-01\" or \"dns-01\""), std::string::npos);
}

TEST(Config, MissingFileSaysWhichFile) {
  auto missing = LoadConfigFile("/nonexistent/mailcert.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/mailcert.toml"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::cli
