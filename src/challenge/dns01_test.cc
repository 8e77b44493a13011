// Unit tests of the dns-01 pieces that need no DNS server: the TXT value, the choice of route,
// the crash journal, credentials files and PowerDNS's TXT syntax. Against real BIND and
// PowerDNS: tests/dns/dns01_*_test.cc and tests/integration/dns01_test.cc.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "challenge/dns01.h"
#include "challenge/dns_journal.h"
#include "challenge/dns_routes.h"
#include "challenge/dns_settings.h"
#include "challenge/powerdns_provider.h"
#include "sys/fs.h"

namespace mailcert::challenge {
namespace {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-dns01-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(dir_); }
  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = sys::JoinPath(dir_, name);
    EXPECT_TRUE(sys::WriteFileAtomic(sys::RealFs(), path, text, mode));
    return path;
  }
  std::string dir_;
};

TEST(Dns01ValueTest, IsBase64UrlOfSha256WithoutPadding) {
  // RFC 8555 §8.4; SHA-256("abc") is the FIPS 180-2 test vector.
  EXPECT_EQ(Dns01TxtValue("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  EXPECT_EQ(Dns01TxtValue("tok-123.thumbprint-xyz"), "mVgq8p-Q_gLVy0KUtfK0Jmtzj6cx8L1kuw2lf69Ysno");
}

DnsRoute Route(std::string provider, std::vector<std::string> zones,
               std::vector<std::string> domains = {}) {
  DnsRoute route;
  route.provider = std::move(provider);
  route.zones = std::move(zones);
  route.domains = std::move(domains);
  return route;
}

TEST(PickRouteTest, LongestSuffixWinsAndTheDefaultTakesTheRest) {
  std::vector<DnsRoute> routes = {Route("default", {}), Route("org", {"example.org"}),
                                  Route("sub", {"sub.example.org"}),
                                  Route("by-domain", {}, {"shop.example.net"})};
  struct Case {
    std::string identifier, zone;
    size_t route;
  } cases[] = {
      {"mail.example.org", "example.org", 1},
      {"*.example.org", "example.org", 1},
      {"a.sub.example.org", "sub.example.org", 2},
      {"sub.example.org", "example.org", 1},  // the zone decides, not the name
      {"www.shop.example.net", "example.net", 3},
      {"*.shop.example.net", "shop.example.net", 3},
      {"mail.example.com", "example.com", 0},
      {"xexample.org", "xexample.org", 0},  // whole labels only
  };
  for (const Case& c : cases) {
    auto picked = PickRoute(routes, c.identifier, c.zone);
    ASSERT_TRUE(picked) << c.identifier;
    EXPECT_EQ(routes[*picked].provider, routes[c.route].provider) << c.identifier;
  }
}

TEST(PickRouteTest, NothingCoversANameWithoutADefault) {
  std::vector<DnsRoute> routes = {Route("org", {"example.org"})};
  EXPECT_FALSE(PickRoute(routes, "mail.example.com", "example.com"));
  EXPECT_EQ(DescribeCoverage(routes), "example.org");
}

TEST(PickRouteTest, KeysNameProviderCoverageAndCredentialsButNoSecret) {
  DnsRoute route = Route("rfc2136", {"example.org", "example.net"});
  route.credentials_file = "/etc/mailcert/tsig.env";
  route.settings["key_secret"] = "c2VjcmV0";
  EXPECT_EQ(route.Key(), "rfc2136 zones=example.org,example.net credentials=/etc/mailcert/tsig.env");
}

TEST_F(TempDirTest, JournalNotesHeldByALiveRunAreNoLeftovers) {
  DnsJournal journal(sys::RealFs(), sys::JoinPath(dir_, "dns-01"));
  JournalRecord record{"rfc2136 zones=example.org", "example.org", "_acme-challenge.example.org",
                       "value-1", "*.example.org", std::chrono::system_clock::now()};
  std::vector<std::string> problems;
  {
    auto entry = journal.Remember(record);
    ASSERT_TRUE(entry) << entry.error().message;
    auto stat = sys::RealFs().Stat(entry->path);
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->mode & 0777, 0600u);
    // Another run (a second journal object, its own lock) sees a live note: hands off.
    DnsJournal other(sys::RealFs(), sys::JoinPath(dir_, "dns-01"));
    auto live = other.Leftovers(problems);
    ASSERT_TRUE(live);
    EXPECT_TRUE(live->empty());
  }  // the run "dies": its lock is gone, its note stays
  auto leftovers = journal.Leftovers(problems);
  ASSERT_TRUE(leftovers);
  ASSERT_EQ(leftovers->size(), 1u);
  EXPECT_EQ((*leftovers)[0].record.fqdn, record.fqdn);
  EXPECT_EQ((*leftovers)[0].record.value, record.value);
  EXPECT_EQ((*leftovers)[0].record.route_key, record.route_key);
  EXPECT_EQ((*leftovers)[0].record.identifier, record.identifier);
  ASSERT_TRUE(journal.Forget((*leftovers)[0]));
  leftovers->clear();
  auto none = journal.Leftovers(problems);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(problems.empty());
  auto names = sys::RealFs().ListDir(sys::JoinPath(dir_, "dns-01"));
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->empty()) << "note and lock file are both removed";
}

TEST_F(TempDirTest, JournalWithoutDirectoryHasNoLeftovers) {
  DnsJournal journal(sys::RealFs(), sys::JoinPath(dir_, "never-made"));
  std::vector<std::string> problems;
  auto leftovers = journal.Leftovers(problems);
  ASSERT_TRUE(leftovers);
  EXPECT_TRUE(leftovers->empty());
}

TEST_F(TempDirTest, CredentialsFileIsReadAsDataAndMustBePrivate) {
  std::string path = Write("dns-01.conf",
                           "# mailcow's dns-01.conf\nCF_Token=\"tok-secret-1\"\n"
                           "export CF_Account_ID='acc'\nthis line has tok-secret-2 in it\n",
                           0600);
  std::vector<std::string> warnings;
  auto settings = ReadCredentialsFile(sys::RealFs(), path, warnings);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ((*settings)["CF_Token"], "tok-secret-1");
  EXPECT_EQ((*settings)["CF_Account_ID"], "acc");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], path + ":4: not a KEY=VALUE line, ignored");

  for (mode_t mode : {0640, 0604}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto refused = ReadCredentialsFile(sys::RealFs(), path, warnings);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, util::ErrorCode::kInvalidInput);
    EXPECT_NE(refused.error().message.find("chmod 600 " + path), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(refused.error().message.find("tok-secret"), std::string::npos);
  }
  auto missing = ReadCredentialsFile(sys::RealFs(), path + ".missing", warnings);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
}

TEST(DnsSettingsTest, SecretsAreRecognisedByName) {
  for (const char* key : {"key_secret", "api_key", "PDNS_Token", "RFC2136_TSIG_SECRET", "CF_Token",
                          "CF_Key", "AWS_SECRET_ACCESS_KEY", "SERVERCOW_API_Password",
                          "DO_API_KEY"}) {
    EXPECT_TRUE(IsSecretSetting(key)) << key;
  }
  for (const char* key : {"server", "key_file", "key_name", "NSUPDATE_KEY", "api_url", "program",
                          "CF_Account_ID"}) {
    EXPECT_FALSE(IsSecretSetting(key)) << key;
  }
}

TEST(DnsSettingsTest, ProviderNamesAndNumbers) {
  EXPECT_EQ(CoreProviderName("dns_nsupdate"), "rfc2136");
  EXPECT_EQ(CoreProviderName("dns_pdns"), "powerdns");
  EXPECT_EQ(CoreProviderName("exec"), "hook");
  EXPECT_FALSE(CoreProviderName("dns_cf"));
  ProviderSettings settings = {{"port", "5353"}, {"ttl", "0"}, {"bad", "12x"}};
  EXPECT_EQ(*NumberSetting(settings, {"port"}, 53, 1, 65535, "rfc2136"), 5353u);
  EXPECT_EQ(*NumberSetting(settings, {"missing"}, 53, 1, 65535, "rfc2136"), 53u);
  auto zero = NumberSetting(settings, {"ttl"}, 60, 1, 86400, "rfc2136");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message, "rfc2136: ttl must be a number from 1 to 86400, not \"0\"");
  EXPECT_FALSE(NumberSetting(settings, {"bad"}, 60, 1, 86400, "rfc2136"));
}

TEST(PowerDnsTxtTest, ContentRoundTripsThroughZoneFileSyntax) {
  EXPECT_EQ(PowerDnsTxtContent("abc"), "\"abc\"");
  EXPECT_EQ(PowerDnsTxtText("\"abc\""), "abc");
  EXPECT_EQ(PowerDnsTxtText("\"a\\\"b\\\\c\""), "a\"b\\c");
  EXPECT_EQ(PowerDnsTxtText("\"part one\" \"part two\""), "part onepart two");
  EXPECT_EQ(PowerDnsTxtText("\"\\065\""), "A");
  std::string longer(300, 'x');
  std::string content = PowerDnsTxtContent(longer);
  EXPECT_EQ(content, "\"" + std::string(255, 'x') + "\" \"" + std::string(45, 'x') + "\"");
  EXPECT_EQ(PowerDnsTxtText(content), longer);
  EXPECT_EQ(PowerDnsTxtText(PowerDnsTxtContent("q\"uote")), "q\"uote");
}

}  // namespace
}  // namespace mailcert::challenge
