// Namecheap against a local fake of its XML API. The real service cannot be reached from the
// tests, so this fake implements the documented requests and answers (namecheap.com/support/
// api: the global ApiUser/ApiKey/UserName/ClientIp parameters, domains.dns.getHosts with
// EmailType and IsUsingOurDNS, domains.dns.setHosts replacing every host from HostNameN…TTLN,
// <ApiResponse Status="ERROR"> with numbered errors such as 1011102 and 2019166) — the one kind
// of fake mailcert's tests allow (issue #5).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"
#include "challenge/providers/xml.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kUser[] = "mailadmin";
constexpr char kKey[] = "d41474b94e7d4536baabb074a09c96bd";
constexpr char kClientIp[] = "203.0.113.9";

std::string Respond(const std::string& command, const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ApiResponse Status=\"OK\" "
         "xmlns=\"http://api.namecheap.com/xml.response\"><Errors /><RequestedCommand>" +
         command + "</RequestedCommand><CommandResponse Type=\"" + command + "\">" + inner +
         "</CommandResponse><Server>FAKE</Server><GMTTimeDifference>--5:00</GMTTimeDifference>"
         "<ExecutionTime>0.01</ExecutionTime></ApiResponse>";
}

std::string Failure(const std::string& number, const std::string& text) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ApiResponse Status=\"ERROR\" "
         "xmlns=\"http://api.namecheap.com/xml.response\"><Errors><Error Number=\"" +
         number + "\">" + api::XmlEscape(text) +
         "</Error></Errors><Warnings /><RequestedCommand />"
         "<Server>FAKE</Server><GMTTimeDifference>--5:00</GMTTimeDifference><ExecutionTime>0"
         "</ExecutionTime></ApiResponse>";
}

class NamecheapFake : public FakeApi {
 public:
  std::string email_type = "MX";
  std::string email_type_received;
  bool fail_get_hosts = false;
  int set_hosts_calls = 0;

 protected:
  bool IsWrite(const net::ServerRequest& request) const override {
    return ParseForm(request.body)["Command"] == "namecheap.domains.dns.setHosts";
  }

  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.target == "/ip")
      return TextResponse(200, "text/plain", std::string(kClientIp) + "\n");
    auto form = ParseForm(request.body);
    if (request.method != "POST" || request.target != "/xml.response")
      return Xml(Failure("1010101", "bad request"));
    if (form["ApiUser"] != kUser || form["UserName"] != kUser) {
      return Xml(Failure("1011101", "ApiUser is invalid"));
    }
    if (form["ApiKey"] != kKey) {
      return Xml(Failure("1011102", "API Key is invalid or API access has not been enabled"));
    }
    if (form["ClientIp"] != kClientIp) {
      return Xml(Failure("1011150", "Invalid request IP: " + form["ClientIp"]));
    }
    std::string zone = form["SLD"] + "." + form["TLD"];
    if (!zones().count(zone)) return Xml(Failure("2019166", "Domain not found"));
    if (form["Command"] == "namecheap.domains.dns.getHosts") {
      if (fail_get_hosts) return Xml(Failure("3050900", "Unknown error when retrieving hosts"));
      std::string hosts;
      for (const FakeRecord& record : records()) {
        if (record.zone != zone) continue;
        hosts += "<host HostId=\"" + record.id + "\" Name=\"" +
                 api::XmlEscape(api::RelativeName(record.name, zone)) + "\" Type=\"" + record.type +
                 "\" Address=\"" + api::XmlEscape(record.value) + "\" MXPref=\"" +
                 std::to_string(record.priority) + "\" TTL=\"" + std::to_string(record.ttl) +
                 "\" AssociatedAppTitle=\"\" FriendlyName=\"\" IsActive=\"true\" "
                 "IsDDNSEnabled=\"false\" />";
      }
      return Xml(Respond(form["Command"], "<DomainDNSGetHostsResult Domain=\"" + zone +
                                              "\" EmailType=\"" + email_type +
                                              "\" IsUsingOurDNS=\"true\">" + hosts +
                                              "</DomainDNSGetHostsResult>"));
    }
    if (form["Command"] == "namecheap.domains.dns.setHosts") {
      ++set_hosts_calls;
      email_type_received = form["EmailType"];
      std::erase_if(records(), [&](const FakeRecord& r) { return r.zone == zone; });
      for (int i = 1; form.count("HostName" + std::to_string(i)); ++i) {
        std::string n = std::to_string(i);
        std::string name = form["HostName" + n];
        int ttl = form.count("TTL" + n) ? std::stoi(form["TTL" + n]) : 1800;
        if (ttl < 60) return Xml(Failure("2050900", "TTL must be between 60 and 60000"));
        records().push_back({NewId(), zone, name == "@" ? zone : name + "." + zone,
                             form["RecordType" + n], form["Address" + n], ttl,
                             std::stoi(form["MXPref" + n])});
      }
      return Xml(Respond(form["Command"],
                         "<DomainDNSSetHostsResult Domain=\"" + zone +
                             "\" IsSuccess=\"true\"><Warnings /></DomainDNSSetHostsResult>"));
    }
    return Xml(Failure("1010102", "Parameter Command is missing"));
  }

  net::ServerResponse ErrorResponse(int, const std::string& message) override {
    return Xml(Failure("2050900", message));
  }

 private:
  static net::ServerResponse Xml(std::string body) {
    return TextResponse(200, "text/xml", std::move(body));
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<NamecheapFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"NAMECHEAP_USERNAME", kUser},
          {"NAMECHEAP_API_KEY", kKey},
          {"NAMECHEAP_SOURCEIP", kClientIp},
          {"NAMECHEAP_API_BASE", fake.base_url() + "/xml.response"}};
}

bool SameRecord(const FakeRecord& a, const FakeRecord& b) {
  return a.name == b.name && a.type == b.type && a.value == b.value && a.ttl == b.ttl &&
         a.priority == b.priority;
}

TEST(NamecheapTest, EveryOtherHostAndTheMailSettingSurviveAddAndRemove) {
  auto fake = std::make_unique<NamecheapFake>();
  fake->Start();
  fake->AddZone("example.test");
  fake->AddRecord({"", "example.test", "example.test", "MX", "mx1.example.test", 1800, 10});
  fake->AddRecord({"", "example.test", "example.test", "MX", "mx2.example.test", 1800, 20});
  fake->AddRecord({"", "example.test", "www.example.test", "CNAME", "example.test.", 300, 10});
  fake->AddRecord({"", "example.test", "old.example.test", "URL301",
                   "https://example.test/a?b=c&d=e", 1800, 10});
  fake->AddRecord({"", "example.test", "example.test", "TXT",
                   "v=spf1 include:_spf.example.test ~all", 1800, 10});
  fake->AddRecord({"", "example.test", "_dmarc.example.test", "TXT",
                   "v=DMARC1; p=reject; rua=mailto:d@example.test", 1800, 10});
  std::vector<FakeRecord> before = fake->AllRecords();

  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_namecheap", Settings(*fake), *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "b"));
  EXPECT_EQ(fake->email_type_received, "MX");
  EXPECT_EQ(fake->AllRecords().size(), before.size() + 2);
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "b"));

  std::vector<FakeRecord> after = fake->AllRecords();
  ASSERT_EQ(after.size(), before.size());
  for (const FakeRecord& record : before) {
    EXPECT_TRUE(std::any_of(after.begin(), after.end(),
                            [&](const FakeRecord& kept) { return SameRecord(kept, record); }))
        << record.type << " " << record.name << " " << record.value;
  }
  EXPECT_EQ(fake->set_hosts_calls, 4);
}

TEST(NamecheapTest, NothingIsWrittenWhenTheHostListCannotBeRead) {
  auto fake = std::make_unique<NamecheapFake>();
  fake->Start();
  fake->AddZone("example.test");
  fake->fail_get_hosts = true;
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("namecheap", Settings(*fake), *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("error 3050900: Unknown error when retrieving hosts"),
            std::string::npos)
      << added.error().message;
  EXPECT_EQ(fake->set_hosts_calls, 0);
}

TEST(NamecheapTest, SourceIpMayBeAUrlThatTellsIt) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["NAMECHEAP_SOURCEIP"] = fake->base_url() + "/ip";
  auto provider = MakeApiProvider("namecheap", settings, *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  EXPECT_NE((*provider)->Describe().find(kClientIp), std::string::npos);
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
}

TEST(NamecheapTest, IpNotWhitelistedIsACredentialError) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["NAMECHEAP_SOURCEIP"] = "198.51.100.1";
  auto provider = MakeApiProvider("namecheap", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(added.error().message.find("error 1011150: Invalid request IP: 198.51.100.1"),
            std::string::npos)
      << added.error().message;
  EXPECT_NE(added.error().message.find("198.51.100.1 is whitelisted"), std::string::npos);
}

}  // namespace

ProviderCase NamecheapCase() {
  ProviderCase c;
  c.name = "namecheap";
  c.acme_sh_name = "dns_namecheap";
  c.required = {"NAMECHEAP_USERNAME", "NAMECHEAP_API_KEY", "NAMECHEAP_SOURCEIP"};
  c.secret_setting = "NAMECHEAP_API_KEY";
  c.ttl = 60;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kKey};
  return c;
}

}  // namespace mailcert::challenge::testing
