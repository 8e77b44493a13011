#include "cli/mail_setup_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "sys/fs.h"

namespace mailcert::cli {
namespace {

class MailSetupSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-setup-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(dir_); }
  FileConfig Config(const std::string& toml) {
    auto config = ParseConfig(toml, dir_ + "/mailcert.toml");
    EXPECT_TRUE(config) << config.error().ToString();
    return config.value_or(FileConfig{});
  }
  std::string dir_;
};

TEST_F(MailSetupSourceTest, DomainsFromListFileAndCommand) {
  auto listed = LoadMailSetup({}, Config("[mail]\nhostname = \"mx.example.org\"\n"
                                         "domains = [\"Example.org\"]\nsni = true\n"),
                              sys::RealProcessRunner());
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(listed->setup.hostname, "mx.example.org");
  EXPECT_EQ(listed->setup.domains, std::vector<std::string>{"Example.org"});
  EXPECT_TRUE(listed->setup.sni);

  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), dir_ + "/domains",
                                   "# mail domains\nexample.org\n\n Example.NET \n", 0644));
  auto filed = LoadMailSetup({}, Config("[mail]\nhostname = \"mx.example.org\"\ndomains_file = \"" +
                                        dir_ + "/domains\"\n"),
                             sys::RealProcessRunner());
  ASSERT_TRUE(filed) << filed.error().ToString();
  EXPECT_EQ(filed->setup.domains, (std::vector<std::string>{"example.org", "example.net"}));

  auto commanded = LoadMailSetup(
      {}, Config("[mail]\nhostname = \"mx.example.org\"\n"
                 "domains_command = \"printf 'a.example\\\\nb.example\\\\n'\"\n"),
      sys::RealProcessRunner());
  ASSERT_TRUE(commanded) << commanded.error().ToString();
  EXPECT_EQ(commanded->setup.domains, (std::vector<std::string>{"a.example", "b.example"}));
}

// A failing or silent domain command must never look like "every domain was removed".
TEST_F(MailSetupSourceTest, FailingOrEmptyDomainCommandIsAnErrorNotAnEmptyList) {
  auto failed = LoadMailSetup(
      {}, Config("[mail]\nhostname = \"mx.example.org\"\n"
                 "domains_command = \"echo 'ERROR 2002: cannot connect' >&2; exit 1\"\n"),
      sys::RealProcessRunner());
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("domains_command failed (exit 1): ERROR 2002"),
            std::string::npos)
      << failed.error().message;
  auto empty = LoadMailSetup({}, Config("[mail]\nhostname = \"mx.example.org\"\n"
                                        "domains_command = \"true\"\n"),
                             sys::RealProcessRunner());
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("printed no domains"), std::string::npos);
}

TEST_F(MailSetupSourceTest, MailcowDirectoryWithDomainsFromTheConfig) {
  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), dir_ + "/mailcow.conf",
                                   "MAILCOW_HOSTNAME=mail.example.org\nDBPASS=secret\n"
                                   "ENABLE_SSL_SNI=y\nSNAT6_TO_SOURCE=2001:db8::1\n",
                                   0600));
  SetupSource source;
  source.mailcow_dir = dir_;
  auto loaded = LoadMailSetup(source, Config("[mail]\ndomains = [\"example.org\"]\n"),
                              sys::RealProcessRunner());
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  EXPECT_EQ(loaded->setup.hostname, "mail.example.org");
  EXPECT_TRUE(loaded->setup.sni);
  EXPECT_TRUE(loaded->setup.skip_ipv6_compare);
  EXPECT_FALSE(loaded->setup.skip_ipv4_compare);
  for (const auto& line : loaded->ignored) EXPECT_EQ(line.find("secret"), std::string::npos);
}

TEST_F(MailSetupSourceTest, NoSourceOrTwoSourcesAreRefused) {
  EXPECT_FALSE(LoadMailSetup({}, std::nullopt, sys::RealProcessRunner()));
  SetupSource both;
  both.mailcow_dir = dir_;
  both.dms_env = dir_ + "/mailserver.env";
  EXPECT_FALSE(LoadMailSetup(both, std::nullopt, sys::RealProcessRunner()));
  auto config = ParseConfig("[mail]\ndomains = []\ndomains_file = \"/x\"\n", "m.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("one of domains, domains_file and domains_command"),
            std::string::npos);
  auto bad_key = ParseConfig("[mail]\nhost = \"x\"\n", "m.toml");
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find("unknown key \"host\" in [mail]"), std::string::npos);
}

}  // namespace
}  // namespace mailcert::cli
