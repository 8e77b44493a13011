#include "cli/settings.h"

#include <gtest/gtest.h>

namespace mailcert::cli {
namespace {

TEST(Names, NormalizationAndRejection) {
  EXPECT_EQ(NormalizeName("Mail.Example.ORG.", "-d").value(), "mail.example.org");
  EXPECT_EQ(NormalizeName("*.example.org", "-d").value(), "*.example.org");
  EXPECT_EQ(NormalizeName("2001:db8::1", "-d").value(), "2001:db8::1");
  for (const char* bad : {"", "localhost", "a..b", "-a.b", "a_b.example", "mail.*.org",
                          "exa mple.org"}) {
    auto result = NormalizeName(bad, "-d");
    EXPECT_FALSE(result) << bad;
    if (!result) {
      EXPECT_EQ(result.error().code, util::ErrorCode::kInvalidInput);
    }
  }
}

TEST(Settings, FlagsWinOverDefaults) {
  Flags flags;
  flags.domains = {"mail.example.org", "autoconfig.example.org,autodiscover.example.org"};
  flags.server = "https://127.0.0.1:14000/dir";
  flags.state_dir = "/tmp/state";
  flags.key_type = "rsa3072";
  auto settings = ResolveSettings(flags);
  ASSERT_TRUE(settings) << settings.error().ToString();
  auto specs = SpecsToIssue(flags, *settings);
  ASSERT_TRUE(specs) << specs.error().ToString();
  ASSERT_EQ(specs->size(), 1u);
  const LineageSpec& spec = specs->front();
  EXPECT_EQ(spec.lineage, "mail.example.org");
  EXPECT_EQ(spec.names.size(), 3u);
  EXPECT_EQ(spec.key_type, crypto::KeyType::kRsa3072);
  EXPECT_EQ(spec.http_listen, ":80");
  EXPECT_EQ(spec.server, "https://127.0.0.1:14000/dir");
}

TEST(Settings, ContradictionsAndBadValuesAreRefused) {
  Flags both;
  both.domains = {"mail.example.org"};
  both.webroot = "/var/www";
  both.http_listen = ":80";
  auto settings = ResolveSettings(both);
  ASSERT_TRUE(settings);
  EXPECT_FALSE(SpecsToIssue(both, *settings));

  Flags key;
  key.domains = {"mail.example.org"};
  key.key_type = "dsa1024";
  auto bad_key = SpecsToIssue(key, ResolveSettings(key).value());
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find("unknown key type \"dsa1024\""), std::string::npos);

  Flags http;
  http.server = "http://insecure/dir";
  EXPECT_FALSE(ResolveSettings(http));

  Flags eab;
  eab.eab_kid = "kid-1";
  auto half_eab = ResolveSettings(eab);
  ASSERT_FALSE(half_eab);
  EXPECT_NE(half_eab.error().message.find("--eab-hmac-key"), std::string::npos);

  Flags wildcard;
  wildcard.domains = {"*.example.org"};
  auto wild = SpecsToIssue(wildcard, ResolveSettings(wildcard).value());
  ASSERT_FALSE(wild);
  EXPECT_NE(wild.error().message.find("DNS-01"), std::string::npos);

  Flags relative;
  relative.domains = {"mail.example.org"};
  relative.webroot = "www";
  EXPECT_FALSE(SpecsToIssue(relative, ResolveSettings(relative).value()));
}

TEST(Settings, Dns01IsChosenByFlagConfigOrRecordAndAllowsWildcards) {
  Flags flags;
  flags.domains = {"*.example.org", "example.org"};
  flags.dns = "rfc2136";
  flags.dns_credentials = "/etc/mailcert/tsig.env";
  auto specs = SpecsToIssue(flags, ResolveSettings(flags).value());
  ASSERT_TRUE(specs) << specs.error().ToString();
  EXPECT_EQ(specs->front().challenge, "dns-01");
  EXPECT_EQ(specs->front().lineage, "example.org");
  EXPECT_EQ(specs->front().http_listen, "");
  store::IssueRequest record = specs->front().ToRecord();
  EXPECT_EQ(record.challenge, "dns-01");
  EXPECT_EQ(record.dns_provider, "rfc2136");
  EXPECT_EQ(record.dns_credentials, "/etc/mailcert/tsig.env");

  // renew repeats it from state.json; --webroot switches back to HTTP-01 (and refuses the
  // wildcard).
  Flags none;
  auto renew = SpecToRenew("example.org", record, none, ResolveSettings(none).value());
  ASSERT_TRUE(renew) << renew.error().ToString();
  EXPECT_EQ(renew->challenge, "dns-01");
  EXPECT_EQ(renew->dns_provider, "rfc2136");
  Flags webroot;
  webroot.webroot = "/srv/www";
  EXPECT_FALSE(SpecToRenew("example.org", record, webroot, ResolveSettings(webroot).value()));

  Flags both = flags;
  both.http_listen = ":80";
  auto contradiction = SpecsToIssue(both, ResolveSettings(both).value());
  ASSERT_FALSE(contradiction);
  EXPECT_NE(contradiction.error().message.find("give one way"), std::string::npos);
  Flags orphan;
  orphan.domains = {"example.org"};
  orphan.dns_credentials = "/x";
  EXPECT_FALSE(SpecsToIssue(orphan, ResolveSettings(orphan).value()));
}

TEST(Settings, RenewRepeatsTheRecordedRequestWithFlagOverrides) {
  store::IssueRequest recorded;
  recorded.names = {"mail.example.org"};
  recorded.key_type = "ec384";
  recorded.server = "https://ca.example/dir";
  recorded.webroot = "/srv/www";
  Flags flags;
  auto settings = ResolveSettings(flags).value();
  auto spec = SpecToRenew("mail", recorded, flags, settings);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(spec->key_type, crypto::KeyType::kEc384);
  EXPECT_EQ(spec->server, "https://ca.example/dir");
  EXPECT_EQ(spec->webroot, "/srv/www");
  flags.http_listen = "127.0.0.1:5002";
  spec = SpecToRenew("mail", recorded, flags, settings);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->webroot, "");
  EXPECT_EQ(spec->http_listen, "127.0.0.1:5002");
  EXPECT_FALSE(SpecToRenew("ghost", store::IssueRequest{}, flags, settings));
}

}  // namespace
}  // namespace mailcert::cli
