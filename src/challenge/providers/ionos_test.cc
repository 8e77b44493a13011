// IONOS against a local fake of the IONOS hosting DNS API v1. The real service cannot be
// reached from the tests, so this fake implements the documented requests and answers
// (developer.hosting.ionos.com/docs/dns: X-API-Key "prefix.secret", Get zones, Get a zone with
// recordName/recordType filters, Create records from an array, Delete a record,
// [{"code","message"}] errors such as UNAUTHORIZED) — the one kind of fake mailcert's tests
// allow (issue #5). It returns TXT content quoted, which the provider must read either way.

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kPrefix[] = "b1f4e3c2a1d04f5e";
constexpr char kSecret[] = "IonosSecret-r7Y2w9Q4";

class IonosFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.Header("x-api-key") != std::string(kPrefix) + "." + kSecret) {
      return JsonResponse(401,
                          {{{"code", "UNAUTHORIZED"},
                            {"message", "The customer is not authorized to do this operation."}}});
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);  // dns v1 zones [id [records [rid]]]
    if (path.size() < 3 || path[0] != "dns" || path[1] != "v1" || path[2] != "zones")
      return NotFound();
    if (path.size() == 3) {
      util::Json list = util::Json::array();
      for (const auto& [name, id] : zones())
        list.push_back({{"name", name}, {"id", id}, {"type", "NATIVE"}});
      return JsonResponse(200, list);
    }
    std::string zone = ZoneNameById(path[3]);
    if (zone.empty()) return NotFound();
    if (path.size() == 4 && request.method == "GET") {
      util::Json list = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.zone != zone) continue;
        if (target.query.count("recordName") && record.name != target.query["recordName"]) continue;
        if (target.query.count("recordType") && record.type != target.query["recordType"]) continue;
        list.push_back(
            {{"id", record.id},
             {"name", record.name},
             {"rootName", zone},
             {"type", record.type},
             {"content", record.type == "TXT" ? api::QuoteTxt(record.value) : record.value},
             {"changeDate", "2026-11-22T10:00:00.000Z"},
             {"ttl", record.ttl},
             {"prio", record.priority},
             {"disabled", false}});
      }
      return JsonResponse(200,
                          {{"name", zone}, {"id", path[3]}, {"type", "NATIVE"}, {"records", list}});
    }
    if (path.size() == 5 && path[4] == "records" && request.method == "POST") {
      util::Json created = util::Json::array();
      for (const util::Json& item : util::Json::parse(request.body)) {
        FakeRecord record{NewId(),     zone, item["name"], item["type"], item["content"],
                          item["ttl"], 0};
        records().push_back(record);
        created.push_back({{"id", record.id}, {"name", record.name}});
      }
      return JsonResponse(201, created);
    }
    if (path.size() == 6 && request.method == "DELETE") {
      size_t before = records().size();
      std::erase_if(records(), [&](const FakeRecord& r) { return r.id == path[5]; });
      return before == records().size() ? NotFound() : JsonResponse(200, nullptr);
    }
    return NotFound();
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{{"code", "INVALID_RECORD"}, {"message", message}}});
  }

 private:
  static net::ServerResponse NotFound() {
    return JsonResponse(404, {{{"code", "NOT_FOUND"}, {"message", "Zone not found"}}});
  }
};

std::unique_ptr<FakeApi> MakeFake() {
  return StartFake<IonosFake>("11af3414-ebba-11e9-8df5-66fbe8a334b4");
}

ProviderSettings Settings(const FakeApi& fake) {
  return {{"IONOS_PREFIX", kPrefix},
          {"IONOS_SECRET", kSecret},
          {"IONOS_API_BASE", fake.base_url() + "/dns/v1"}};
}

TEST(IonosTest, SingleApiKeyVariableWorksToo) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_ionos",
                                  {{"IONOS_API_KEY", std::string(kPrefix) + "." + kSecret},
                                   {"IONOS_API_BASE", fake->base_url() + "/dns/v1"}},
                                  *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  EXPECT_NE((*provider)->Describe().find(kPrefix), std::string::npos);
  EXPECT_EQ((*provider)->Describe().find(kSecret), std::string::npos);
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), std::vector<std::string>{"a"});

  auto malformed = MakeApiProvider("ionos", {{"IONOS_API_KEY", "no-dot-here"}}, *http);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().message.find("no-dot-here"), std::string::npos);
}

TEST(IonosTest, WrongSecretShowsTheApisCode) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["IONOS_SECRET"] = "wrong-secret";
  auto provider = MakeApiProvider("ionos", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("HTTP 401: UNAUTHORIZED: The customer is not authorized"),
            std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase IonosCase() {
  ProviderCase c;
  c.name = "ionos";
  c.acme_sh_name = "dns_ionos";
  c.required = {"IONOS_PREFIX", "IONOS_SECRET"};
  c.secret_setting = "IONOS_SECRET";
  c.ttl = 300;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kSecret};
  return c;
}

}  // namespace mailcert::challenge::testing
