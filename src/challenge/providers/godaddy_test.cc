// GoDaddy against a local fake of the Domains API v1. The real service cannot be reached from
// the tests, so this fake implements the documented requests and answers
// (developer.godaddy.com/doc/endpoint/domains: get, recordGet, recordReplaceTypeName with its
// 600-second minimum TTL, recordDeleteTypeName; "sso-key" authentication and
// {"code","message","fields"} errors such as UNABLE_TO_AUTHENTICATE) — the one kind of fake
// mailcert's tests allow (issue #5).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kKey[] = "dKD4Tz5vZVrG_9w2xJqL6bR1T8nE3cK";
constexpr char kSecret[] = "GdSecret7uJ2mQx";

class GoDaddyFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.Header("authorization") != std::string("sso-key ") + kKey + ":" + kSecret) {
      return JsonResponse(
          401, {{"code", "UNABLE_TO_AUTHENTICATE"}, {"message", "Unable to authenticate request"}});
    }
    std::vector<std::string> path = Segments(ParseTarget(request.target).path);
    if (path.size() < 3 || path[0] != "v1" || path[1] != "domains") return NotFound("not found");
    const std::string& zone = path[2];
    if (!zones().count(zone)) {
      return NotFound("Domain " + zone + " not found for shopper 2341");
    }
    if (path.size() == 3) return JsonResponse(200, {{"domain", zone}, {"status", "ACTIVE"}});
    if (path.size() != 6 || path[3] != "records") return NotFound("not found");
    const std::string& type = path[4];
    std::string fqdn = path[5] == "@" ? zone : path[5] + "." + zone;
    if (request.method == "GET") {
      util::Json list = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.name == fqdn && record.type == type) {
          list.push_back(
              {{"data", record.value}, {"name", path[5]}, {"ttl", record.ttl}, {"type", type}});
        }
      }
      return JsonResponse(200, list);
    }
    if (request.method == "PUT") {
      util::Json body = util::Json::parse(request.body);
      for (size_t i = 0; i < body.size(); ++i) {
        if (body[i]["ttl"].get<int>() < 600) {
          return JsonResponse(
              422, {{"code", "INVALID_BODY"},
                    {"message", "Request body doesn't fulfill schema, see details in `fields`"},
                    {"fields",
                     {{{"code", "UNEXPECTED_TYPE"},
                       {"message", "is less than minimum 600"},
                       {"path", "records[" + std::to_string(i) + "].ttl"}}}}});
        }
      }
      std::erase_if(records(),
                    [&](const FakeRecord& r) { return r.name == fqdn && r.type == type; });
      for (const util::Json& item : body) {
        records().push_back({NewId(), zone, fqdn, type, item["data"], item["ttl"], 0});
      }
      return JsonResponse(200, nullptr);
    }
    if (request.method == "DELETE") {
      size_t before = records().size();
      std::erase_if(records(),
                    [&](const FakeRecord& r) { return r.name == fqdn && r.type == type; });
      if (before == records().size()) return NotFound("Record not found");
      return JsonResponse(204, nullptr);
    }
    return NotFound("not found");
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{"code", "INVALID_BODY"}, {"message", message}});
  }

 private:
  static net::ServerResponse NotFound(const std::string& message) {
    return JsonResponse(404, {{"code", "NOT_FOUND"}, {"message", message}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<GoDaddyFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"GD_Key", kKey}, {"GD_Secret", kSecret}, {"GD_API_BASE", fake.base_url()}};
}

TEST(GoDaddyTest, WrongSecretShowsTheApisCode) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["GD_Secret"] = "GdWrongSecret";
  auto provider = MakeApiProvider("dns_gd", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("HTTP 401: UNABLE_TO_AUTHENTICATE: Unable to authenticate "
                                       "request"),
            std::string::npos)
      << added.error().message;
  EXPECT_EQ(added.error().message.find(kKey), std::string::npos);
}

}  // namespace

ProviderCase GoDaddyCase() {
  ProviderCase c;
  c.name = "godaddy";
  c.acme_sh_name = "dns_gd";
  c.required = {"GD_Key", "GD_Secret"};
  c.secret_setting = "GD_Secret";
  c.ttl = 600;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kKey, kSecret};
  return c;
}

}  // namespace mailcert::challenge::testing
