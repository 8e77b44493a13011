// The building blocks of the DNS-01 propagation check against a primary and a lagging
// secondary BIND: after an RFC 2136 update, asking each authoritative server directly shows
// which one does not serve the value yet, until the secondary transfers the zone.

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "bind.h"
#include "dns/resolver.h"
#include "dns/update.h"
#include "dns/zone.h"

namespace mailcert::dns {
namespace {

using testing::BindKey;
using testing::BindOptions;
using testing::BindServer;

constexpr char kChallenge[] = "_acme-challenge.example.test";

// For each server address: does it serve `value` at kChallenge right now?
std::map<std::string, bool> Serving(Resolver& resolver, const std::vector<NameServer>& servers,
                                    const std::string& value) {
  std::map<std::string, bool> serving;
  for (const ServerAnswer& answer :
       QueryEachAuthoritative(resolver, servers, kChallenge, RrType::kTxt)) {
    bool found = false;
    if (answer.result) {
      for (const TxtRecord& txt : answer.result->Answers<TxtRecord>()) {
        found = found || txt.Joined() == value;
      }
    }
    serving[answer.host + "@" + answer.address.ToString()] = found;
  }
  return serving;
}

TEST(PropagationBindTest, EachAuthoritativeServerIsAskedAndTheLaggingOneShows) {
  BindKey key{"mailcert-update", "hmac-sha256", testing::RandomTsigSecret()};
  BindOptions primary_options;
  primary_options.keys = {key};
  primary_options.zones.push_back(testing::PrimaryZone(
      "example.test",
      testing::SimpleZoneFile(
          "example.test", {{"ns1.example.test", "127.0.0.1"}, {"ns2.example.test", "127.0.0.1"}},
          ""),
      {key.name}));
  BindServer primary(primary_options);
  ASSERT_TRUE(primary.Start());
  BindOptions secondary_options;
  secondary_options.zones.push_back(testing::SecondaryZone("example.test", primary.Port()));
  BindServer secondary(secondary_options);
  ASSERT_TRUE(secondary.Start());
  ASSERT_TRUE(secondary.WaitForSerial("example.test", 1));

  ServerAddress primary_address{"127.0.0.1", static_cast<uint16_t>(primary.Port())};
  ServerAddress secondary_address{"127.0.0.1", static_cast<uint16_t>(secondary.Port())};
  ResolverOptions resolver_options;
  resolver_options.servers = {primary_address};
  auto resolver = MakeResolver(resolver_options);
  ASSERT_TRUE(resolver);

  // Both name servers resolve to 127.0.0.1 in the zone; on one test host they differ by port.
  AuthorityOptions authority;
  authority.address_overrides["ns1.example.test"] = {primary_address};
  authority.address_overrides["ns2.example.test"] = {secondary_address};
  auto zone = FindZone(**resolver, kChallenge);
  ASSERT_TRUE(zone) << zone.error().ToString();
  auto servers = AuthoritativeServers(**resolver, zone->zone, authority);
  ASSERT_TRUE(servers) << servers.error().ToString();
  ASSERT_EQ(servers->size(), 2u);

  auto key_value = TsigKey::FromValues(key.name, key.algorithm, key.secret);
  ASSERT_TRUE(key_value);
  Rfc2136Client client(primary_address, *key_value);
  ASSERT_TRUE(client.AddTxt(zone->zone, kChallenge, "token-1"));

  const std::string ns1 = "ns1.example.test@" + primary_address.ToString();
  const std::string ns2 = "ns2.example.test@" + secondary_address.ToString();
  auto before = Serving(**resolver, *servers, "token-1");
  EXPECT_TRUE(before[ns1]);
  EXPECT_FALSE(before[ns2]) << "the secondary must lag until it is refreshed";

  ASSERT_TRUE(secondary.RefreshZone("example.test"));
  ASSERT_TRUE(secondary.WaitForSerial("example.test", 2));
  auto after = Serving(**resolver, *servers, "token-1");
  EXPECT_TRUE(after[ns1]);
  EXPECT_TRUE(after[ns2]);

  // Cleanup reaches the secondary the same way.
  ASSERT_TRUE(client.DeleteAllTxt(zone->zone, kChallenge));
  ASSERT_TRUE(secondary.RefreshZone("example.test"));
  ASSERT_TRUE(secondary.WaitForSerial("example.test", 3));
  auto cleaned = Serving(**resolver, *servers, "token-1");
  EXPECT_FALSE(cleaned[ns1]);
  EXPECT_FALSE(cleaned[ns2]);
}

}  // namespace
}  // namespace mailcert::dns
