// OVH against a local fake of the OVH API v1 /domain/zone calls. The real service cannot be
// reached from the tests, so this fake implements the documented requests and answers
// (api.ovh.com: /auth/time, the X-Ovh-* headers whose signature it recomputes with the
// application secret, record listing by fieldType and subDomain, record details with the TXT
// target quoted, create, delete, /refresh; {"errorCode","httpCode","message"} and
// {"class","message"} errors) — the one kind of fake mailcert's tests allow (issue #5).
// Its clock runs 1000 s ahead, so requests only pass when the provider signs with the API's time.

#include "challenge/providers/ovh.h"

#include <gtest/gtest.h>

#include <chrono>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kAppKey[] = "7kbG7Bk7S9Nt7ZSV";
constexpr char kAppSecret[] = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF";
constexpr char kConsumerKey[] = "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1";
constexpr int64_t kClockAhead = 1000;

int64_t ServerNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         kClockAhead;
}

class OvhFake : public FakeApi {
 public:
  int refreshes = 0;

 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);  // 1.0 …
    if (path == std::vector<std::string>{"1.0", "auth", "time"}) {
      return TextResponse(200, "application/json", std::to_string(ServerNow()));
    }
    if (request.Header("x-ovh-application") != kAppKey) {
      return Error(403, "INVALID_KEY", "This application key is invalid");
    }
    if (request.Header("x-ovh-consumer") != kConsumerKey) {
      return Error(403, "INVALID_CREDENTIAL", "This credential does not exist");
    }
    std::string timestamp = request.Header("x-ovh-timestamp").value_or("0");
    if (std::llabs(std::stoll(timestamp) - ServerNow()) > 30) {
      return Error(400, "QUERY_TIME_OUT", "Query out of time");
    }
    if (request.Header("x-ovh-signature") !=
        api::OvhSignature(kAppSecret, kConsumerKey, request.method,
                          "http://" + request.host + request.target, request.body, timestamp)) {
      return Error(400, "INVALID_SIGNATURE", "Invalid signature");
    }
    if (path.size() < 4 || path[1] != "domain" || path[2] != "zone") return NotFound();
    const std::string& zone = path[3];
    if (!zones().count(zone)) return NotFound();
    if (path.size() == 4) return JsonResponse(200, {{"name", zone}, {"dnssecSupported", true}});
    if (path.size() == 5 && path[4] == "refresh" && request.method == "POST") {
      ++refreshes;
      return JsonResponse(200, nullptr);
    }
    if (path[4] != "record") return NotFound();
    if (path.size() == 5 && request.method == "GET") {
      util::Json ids = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.zone != zone || record.type != target.query["fieldType"]) continue;
        std::string sub = api::RelativeName(record.name, zone);
        if ((sub == "@" ? "" : sub) != target.query["subDomain"]) continue;
        ids.push_back(std::stol(record.id));
      }
      return JsonResponse(200, ids);
    }
    if (path.size() == 5 && request.method == "POST") {
      util::Json body = util::Json::parse(request.body);
      std::string sub = body["subDomain"];
      FakeRecord record =
          CreateRecord(zone, sub, "", body["fieldType"], body["target"], body["ttl"]);
      return JsonResponse(200, {{"id", std::stol(record.id)},
                                {"zone", zone},
                                {"subDomain", sub},
                                {"fieldType", record.type},
                                {"target", api::QuoteTxt(record.value)},
                                {"ttl", record.ttl}});
    }
    if (path.size() == 6) {
      auto& all = records();
      auto found = std::find_if(all.begin(), all.end(),
                                [&](const FakeRecord& r) { return r.id == path[5]; });
      if (found == all.end()) return NotFound();
      if (request.method == "DELETE") {
        all.erase(found);
        return JsonResponse(200, nullptr);
      }
      std::string sub = api::RelativeName(found->name, zone);
      return JsonResponse(
          200, {{"id", std::stol(found->id)},
                {"zone", zone},
                {"subDomain", sub == "@" ? "" : sub},
                {"fieldType", found->type},
                {"target", found->type == "TXT" ? api::QuoteTxt(found->value) : found->value},
                {"ttl", found->ttl}});
    }
    return NotFound();
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{"class", "Client::BadRequest"}, {"message", message}});
  }

 private:
  static net::ServerResponse Error(int status, const std::string& code,
                                   const std::string& message) {
    return JsonResponse(status, {{"errorCode", code},
                                 {"httpCode", std::to_string(status) +
                                                  (status == 403 ? " Forbidden" : " Bad Request")},
                                 {"message", message}});
  }
  static net::ServerResponse NotFound() {
    return JsonResponse(
        404, {{"class", "Client::NotFound"}, {"message", "This service does not exist"}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<OvhFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"OVH_AK", kAppKey},
          {"OVH_AS", kAppSecret},
          {"OVH_CK", kConsumerKey},
          {"OVH_END_POINT", fake.base_url() + "/1.0"}};
}

TEST(OvhTest, EveryChangeIsFollowedByAZoneRefresh) {
  auto fake = std::make_unique<OvhFake>();
  fake->Start();
  fake->AddZone("example.test");
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_ovh", Settings(*fake), *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  EXPECT_EQ(fake->refreshes, 1);
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "a"));
  EXPECT_EQ(fake->refreshes, 2);
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "a"));
  EXPECT_EQ(fake->refreshes, 2);  // nothing removed, nothing to refresh
}

TEST(OvhTest, WrongApplicationSecretIsAnInvalidSignature) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["OVH_AS"] = "not-the-application-secret";
  auto provider = MakeApiProvider("ovh", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(added.error().message.find("HTTP 400: INVALID_SIGNATURE: Invalid signature"),
            std::string::npos)
      << added.error().message;
}

TEST(OvhTest, UnknownEndpointNameIsRefused) {
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("ovh",
                                  {{"OVH_AK", kAppKey},
                                   {"OVH_AS", kAppSecret},
                                   {"OVH_CK", kConsumerKey},
                                   {"OVH_END_POINT", "ovh-mars"}},
                                  *http);
  ASSERT_FALSE(provider);
  EXPECT_NE(provider.error().message.find("OVH_END_POINT \"ovh-mars\""), std::string::npos);
}

}  // namespace

ProviderCase OvhCase() {
  ProviderCase c;
  c.name = "ovh";
  c.acme_sh_name = "dns_ovh";
  c.required = {"OVH_AK", "OVH_AS", "OVH_CK"};
  c.secret_setting = "OVH_CK";
  c.ttl = 60;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kAppSecret, kConsumerKey};
  return c;
}

}  // namespace mailcert::challenge::testing
