// DNSimple against a local fake of API v2. The real service cannot be reached from the tests,
// so this fake implements the documented requests and answers (developer.dnsimple.com/v2:
// whoami, Retrieve a zone, List zone records filtered by name and type, Create and Delete a
// zone record, {"message"} errors such as "Authentication failed") — the one kind of fake
// mailcert's tests allow (issue #5).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kToken[] = "dnsimple-acct-token-A1b2C3d4";
constexpr char kUserToken[] = "dnsimple-user-token-Z9y8";
constexpr int kAccount = 1385;

class DnsimpleFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    std::string authorization = request.Header("authorization").value_or("");
    bool user_token = authorization == std::string("Bearer ") + kUserToken;
    if (authorization != std::string("Bearer ") + kToken && !user_token) {
      return JsonResponse(401, {{"message", "Authentication failed"}});
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);  // v2 …
    if (path == std::vector<std::string>{"v2", "whoami"}) {
      if (user_token) {
        return JsonResponse(
            200,
            {{"data", {{"user", {{"id", 7}, {"email", "u@example.test"}}}, {"account", nullptr}}}});
      }
      return JsonResponse(
          200,
          {{"data",
            {{"user", nullptr}, {"account", {{"id", kAccount}, {"email", "a@example.test"}}}}}});
    }
    if (path.size() < 4 || path[0] != "v2" || path[1] != std::to_string(kAccount) ||
        path[2] != "zones") {
      return JsonResponse(
          404, {{"message", "Account `" + (path.size() > 1 ? path[1] : "") + "` not found"}});
    }
    const std::string& zone = path[3];
    if (!zones().count(zone))
      return JsonResponse(404, {{"message", "Zone `" + zone + "` not found"}});
    if (path.size() == 4)
      return JsonResponse(200, {{"data", {{"id", 1}, {"account_id", kAccount}, {"name", zone}}}});
    if (path[4] != "records") return JsonResponse(404, {{"message", "Not found"}});
    if (path.size() == 5 && request.method == "GET") {
      util::Json data = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.zone != zone) continue;
        std::string name = api::RelativeName(record.name, zone);
        if (name == "@") name = "";
        if (target.query.count("name") && name != target.query["name"]) continue;
        if (target.query.count("type") && record.type != target.query["type"]) continue;
        data.push_back({{"id", std::stol(record.id)},
                        {"zone_id", zone},
                        {"name", name},
                        {"content", record.value},
                        {"ttl", record.ttl},
                        {"type", record.type}});
      }
      return JsonResponse(200, {{"data", data},
                                {"pagination",
                                 {{"current_page", 1},
                                  {"per_page", 100},
                                  {"total_entries", data.size()},
                                  {"total_pages", 1}}}});
    }
    if (path.size() == 5 && request.method == "POST") {
      util::Json body = util::Json::parse(request.body);
      std::string name = body["name"];
      FakeRecord record = CreateRecord(zone, name, "", body["type"], body["content"], body["ttl"]);
      return JsonResponse(201, {{"data", {{"id", std::stol(record.id)}, {"name", name}}}});
    }
    if (path.size() == 6 && request.method == "DELETE") {
      size_t before = records().size();
      std::erase_if(records(), [&](const FakeRecord& r) { return r.id == path[5]; });
      if (before == records().size())
        return JsonResponse(404, {{"message", "Record `" + path[5] + "` not found"}});
      return JsonResponse(204, nullptr);
    }
    return JsonResponse(405, {{"message", "Method not allowed"}});
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status,
                        {{"message", "Validation failed"}, {"errors", {{"content", {message}}}}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<DnsimpleFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"DNSimple_OAUTH_TOKEN", kToken}, {"DNSimple_API_BASE", fake.base_url() + "/v2"}};
}

TEST(DnsimpleTest, UserTokenNeedsTheAccountId) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = {{"DNSimple_OAUTH_TOKEN", kUserToken},
                               {"DNSimple_API_BASE", fake->base_url() + "/v2"}};
  auto provider = MakeApiProvider("dnsimple", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("set DNSimple_ACCOUNT_ID"), std::string::npos)
      << added.error().message;

  settings["DNSimple_ACCOUNT_ID"] = std::to_string(kAccount);
  auto with_account = MakeApiProvider("dnsimple", settings, *http);
  ASSERT_TRUE(with_account);
  auto ok = (*with_account)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), std::vector<std::string>{"a"});
}

}  // namespace

ProviderCase DnsimpleCase() {
  return TokenCase("dnsimple", "dns_dnsimple", "DNSimple_OAUTH_TOKEN", kToken, 60, MakeFake,
                   Settings);
}

}  // namespace mailcert::challenge::testing
