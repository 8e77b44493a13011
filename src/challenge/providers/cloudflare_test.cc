// Cloudflare against a local fake of API v4. The real service cannot be reached from the tests,
// so this fake implements the documented requests and answers (developers.cloudflare.com/api:
// List Zones, Zone Details, List/Create/Delete DNS Records, the {"success","errors","result"}
// envelope, a malformed token's 6003/6111 error chain) — the one kind of fake mailcert's tests
// allow (issue #5).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kToken[] = "cf-token-Zk3qY8wQ1pL0";
constexpr char kGlobalKey[] = "cf-global-key-77aa";
constexpr char kEmail[] = "admin@example.test";

util::Json Envelope(bool success, util::Json result, util::Json errors = util::Json::array()) {
  return {{"success", success},
          {"errors", errors},
          {"messages", util::Json::array()},
          {"result", result}};
}

class CloudflareFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    std::string authorization = request.Header("authorization").value_or("");
    bool global =
        request.Header("x-auth-key") == kGlobalKey && request.Header("x-auth-email") == kEmail;
    if (!global) {
      if (!authorization.starts_with("Bearer ") || authorization.size() < 12) {
        return JsonResponse(
            400,
            Envelope(
                false, nullptr,
                {{{"code", 6003},
                  {"message", "Invalid request headers"},
                  {"error_chain",
                   {{{"code", 6111}, {"message", "Invalid format for Authorization header"}}}}}}));
      }
      if (authorization != std::string("Bearer ") + kToken) {
        return JsonResponse(
            403,
            Envelope(false, nullptr, {{{"code", 10000}, {"message", "Authentication error"}}}));
      }
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);
    if (request.method == "GET" && path == std::vector<std::string>{"zones"}) {
      util::Json zones = util::Json::array();
      for (const auto& [name, id] : this->zones()) {
        if (name == target.query["name"]) zones.push_back({{"id", id}, {"name", name}});
      }
      return JsonResponse(200, Envelope(true, zones));
    }
    if (path.size() >= 2 && path[0] == "zones") {
      std::string zone = ZoneNameById(path[1]);
      if (zone.empty()) {
        return JsonResponse(404, Envelope(false, nullptr,
                                          {{{"code", 7003},
                                            {"message", "Could not route to /zones/" + path[1] +
                                                            ", perhaps your object identifier "
                                                            "is invalid?"}}}));
      }
      if (path.size() == 2)
        return JsonResponse(200, Envelope(true, {{"id", path[1]}, {"name", zone}}));
      if (path.size() >= 3 && path[2] == "dns_records") return Records(request, target, path, zone);
    }
    return JsonResponse(404, Envelope(false, nullptr, {{{"code", 7000}, {"message", "No route"}}}));
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, Envelope(false, nullptr, {{{"code", 1004}, {"message", message}}}));
  }

 private:
  net::ServerResponse Records(const net::ServerRequest& request, Target& target,
                              const std::vector<std::string>& path, const std::string& zone) {
    if (request.method == "GET" && path.size() == 3) {
      util::Json list = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.zone != zone || record.type != target.query["type"]) continue;
        if (target.query.count("name") && record.name != target.query["name"]) continue;
        list.push_back({{"id", record.id},
                        {"type", record.type},
                        {"name", record.name},
                        {"content", record.value},
                        {"ttl", record.ttl}});
      }
      return JsonResponse(200, Envelope(true, list));
    }
    if (request.method == "POST" && path.size() == 3) {
      util::Json body = util::Json::parse(request.body);
      for (const FakeRecord& record : records()) {
        if (record.name == body["name"] && record.type == body["type"] &&
            record.value == body["content"]) {
          return JsonResponse(
              400,
              Envelope(false, nullptr,
                       {{{"code", 81058}, {"message", "An identical record already exists."}}}));
        }
      }
      FakeRecord record{NewId(), zone, body["name"], body["type"], body["content"], body["ttl"], 0};
      records().push_back(record);
      return JsonResponse(200, Envelope(true, {{"id", record.id},
                                               {"name", record.name},
                                               {"type", record.type},
                                               {"content", record.value}}));
    }
    if (request.method == "DELETE" && path.size() == 4) {
      auto& all = records();
      auto found = std::find_if(all.begin(), all.end(),
                                [&](const FakeRecord& r) { return r.id == path[3]; });
      if (found == all.end()) {
        return JsonResponse(
            404,
            Envelope(false, nullptr, {{{"code", 81044}, {"message", "Record does not exist."}}}));
      }
      all.erase(found);
      return JsonResponse(200, Envelope(true, {{"id", path[3]}}));
    }
    return JsonResponse(
        405, Envelope(false, nullptr, {{{"code", 10405}, {"message", "Method not allowed"}}}));
  }
};

std::unique_ptr<FakeApi> MakeFake() {
  auto fake = std::make_unique<CloudflareFake>();
  fake->Start();
  fake->AddZone("example.test", "023e105f4ecef8ad9ca31a8372d0c353");
  fake->AddZone("other.test", "9a7806061c88ada191ed06f989cc3dac");
  return fake;
}

ProviderSettings Settings(const FakeApi& fake) {
  return {{"CF_Token", kToken}, {"CF_API_BASE", fake.base_url()}};
}

TEST(CloudflareTest, ZoneIdSettingIsUsedWithoutAZoneSearch) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["CF_Zone_ID"] = fake->ZoneId("example.test");
  auto provider = MakeApiProvider("dns_cf", settings, *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "v1"));
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), std::vector<std::string>{"v1"});
  for (const std::string& line : fake->RequestLog()) {
    EXPECT_FALSE(line.starts_with("GET /zones?")) << line;
  }
}

TEST(CloudflareTest, GlobalKeyWithEmailAuthenticates) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider(
      "cloudflare",
      {{"CF_Key", kGlobalKey}, {"CF_Email", kEmail}, {"CF_API_BASE", fake->base_url()}}, *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  EXPECT_EQ((*provider)->Describe().find(kGlobalKey), std::string::npos);
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "v1"));
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), std::vector<std::string>{"v1"});
}

TEST(CloudflareTest, MalformedTokenShowsCloudflaresErrorChain) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider =
      MakeApiProvider("cloudflare", {{"CF_Token", "x"}, {"CF_API_BASE", fake->base_url()}}, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "v1");
  ASSERT_FALSE(added);
  EXPECT_NE(
      added.error().message.find("look up zone example.test: HTTP 400: Invalid request headers "
                                 "(code 6003); Invalid format for Authorization header "
                                 "(code 6111)"),
      std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase CloudflareCase() {
  return TokenCase("cloudflare", "dns_cf", "CF_Token", kToken, 120, MakeFake, Settings);
}

}  // namespace mailcert::challenge::testing
