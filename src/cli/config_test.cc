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

TEST(Config, MissingFileSaysWhichFile) {
  auto missing = LoadConfigFile("/nonexistent/mailcert.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/mailcert.toml"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::cli
