// Servercow against a local fake of its DNS API v1. The real service cannot be reached from the
// tests, so this fake implements the documented requests (wiki.servercow.de "API Syntax": GET,
// POST with "content" as a string or an array, DELETE {"type","name"} on /dns/v1/domains/
// <domain>, headers X-Auth-Username/X-Auth-Password) — the one kind of fake mailcert's tests
// allow (issue #5). The error bodies and statuses are not documented; the fake answers
// {"error": …} with 401/404, which is what the provider must cope with at the least.

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kUser[] = "api-user-mailcow";
constexpr char kPassword[] = "scow-pass-2Rt9xQ";

class ServercowFake : public FakeApi {
 public:
  int posts_with_arrays = 0;

 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.Header("x-auth-username") != kUser ||
        request.Header("x-auth-password") != kPassword) {
      return JsonResponse(401, {{"error", "Unauthorized"}});
    }
    std::vector<std::string> path = Segments(ParseTarget(request.target).path);
    if (path.size() != 4 || path[0] != "dns" || path[1] != "v1" || path[2] != "domains") {
      return JsonResponse(404, {{"error", "Not found"}});
    }
    const std::string& zone = path[3];
    if (!zones().count(zone)) return JsonResponse(404, {{"error", "Domain not found"}});
    if (request.method == "GET") return List(zone);
    util::Json body = util::Json::parse(request.body);
    std::string name = body["name"];
    std::string fqdn = name.empty() || name == "@" ? zone : name + "." + zone;
    std::string type = body["type"];
    std::erase_if(records(), [&](const FakeRecord& r) { return r.name == fqdn && r.type == type; });
    if (request.method == "POST") {
      std::vector<std::string> values;
      if (body["content"].is_array()) {
        ++posts_with_arrays;
        for (const auto& value : body["content"]) values.push_back(value);
      } else {
        values.push_back(body["content"]);
      }
      for (const std::string& value : values) {
        records().push_back({NewId(), zone, fqdn, type, value, body["ttl"], 0});
      }
    }
    return JsonResponse(200, {{"message", "ok"}});
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{"error", message}});
  }

 private:
  // One entry per name and type; several TXT values come as an array.
  net::ServerResponse List(const std::string& zone) {
    util::Json list = util::Json::array();
    std::map<std::pair<std::string, std::string>, std::vector<const FakeRecord*>> sets;
    for (const FakeRecord& record : records()) {
      if (record.zone == zone) sets[{record.name, record.type}].push_back(&record);
    }
    for (const auto& [key, members] : sets) {
      std::string name =
          key.first == zone ? "" : key.first.substr(0, key.first.size() - zone.size() - 1);
      util::Json content;
      if (members.size() == 1) {
        content = members[0]->value;
      } else {
        for (const FakeRecord* record : members) content.push_back(record->value);
      }
      list.push_back(
          {{"name", name}, {"ttl", members[0]->ttl}, {"type", key.second}, {"content", content}});
    }
    return JsonResponse(200, list);
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<ServercowFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"SERVERCOW_API_Username", kUser},
          {"SERVERCOW_API_Password", kPassword},
          {"SERVERCOW_API_BASE", fake.base_url() + "/dns/v1"}};
}

TEST(ServercowTest, SeveralValuesAreOneSetWrittenAsAnArray) {
  auto fake = std::make_unique<ServercowFake>();
  fake->Start();
  fake->AddZone("example.test");
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_servercow", Settings(*fake), *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "b"));
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fake->posts_with_arrays, 2);
  // The last value goes by DELETE of the set.
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "b"));
  EXPECT_TRUE(fake->TxtValues("_acme-challenge.example.test").empty());
  EXPECT_EQ(fake->RequestLog().back(), "DELETE /dns/v1/domains/example.test");
}

}  // namespace

ProviderCase ServercowCase() {
  ProviderCase c;
  c.name = "servercow";
  c.acme_sh_name = "dns_servercow";
  c.required = {"SERVERCOW_API_Username", "SERVERCOW_API_Password"};
  c.secret_setting = "SERVERCOW_API_Password";
  c.ttl = 20;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kPassword};
  return c;
}

}  // namespace mailcert::challenge::testing
