// Hetzner against a local fake of the DNS Console API v1. The real service cannot be reached
// from the tests, so this fake implements the documented requests and answers
// (dns.hetzner.com/api-docs: Get All Zones by name, Get All Records of a zone, Create Record,
// Delete Record, the Auth-API-Token header) — the one kind of fake mailcert's tests allow
// (issue #5). Its 401 and unknown-zone bodies are assumptions (see hetzner.cc).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kToken[] = "hz-LRK9DAWQ1ZAEFSrCNEEzLCUwhYX1U3g7";

class HetznerFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.Header("auth-api-token") != kToken) {
      return JsonResponse(401, {{"message", "Invalid authentication credentials"}});
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);  // api v1 zones|records [id]
    if (path.size() < 3 || path[0] != "api" || path[1] != "v1") return NotFound("not found");
    if (path[2] == "zones" && request.method == "GET") {
      util::Json list = util::Json::array();
      for (const auto& [name, id] : zones()) {
        if (name == target.query["name"])
          list.push_back({{"id", id}, {"name", name}, {"ttl", 86400}});
      }
      if (list.empty())
        return JsonResponse(
            404, {{"zones", list}, {"error", {{"message", "zone not found"}, {"code", 404}}}});
      return JsonResponse(200, {{"zones", list}, {"meta", {{"pagination", {{"page", 1}}}}}});
    }
    if (path[2] != "records") return NotFound("not found");
    if (request.method == "GET" && path.size() == 3) {
      std::string zone = ZoneNameById(target.query["zone_id"]);
      util::Json list = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.zone != zone) continue;
        list.push_back({{"id", record.id},
                        {"type", record.type},
                        {"name", api::RelativeName(record.name, zone)},
                        {"value", record.value},
                        {"zone_id", target.query["zone_id"]},
                        {"ttl", record.ttl}});
      }
      return JsonResponse(200, {{"records", list}});
    }
    if (request.method == "POST" && path.size() == 3) {
      util::Json body = util::Json::parse(request.body);
      std::string zone = ZoneNameById(body["zone_id"]);
      if (zone.empty())
        return JsonResponse(422, {{"error", {{"message", "invalid zone_id"}, {"code", 422}}}});
      std::string name = body["name"];
      FakeRecord record = CreateRecord(zone, name, "@", body["type"], body["value"], body["ttl"]);
      return JsonResponse(200, {{"record", {{"id", record.id}, {"name", name}}}});
    }
    if (request.method == "DELETE" && path.size() == 4) {
      size_t before = records().size();
      std::erase_if(records(), [&](const FakeRecord& r) { return r.id == path[3]; });
      return before == records().size() ? NotFound("record not found") : JsonResponse(200, nullptr);
    }
    return NotFound("not found");
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{"error", {{"message", message}, {"code", status}}}});
  }

 private:
  static net::ServerResponse NotFound(const std::string& message) {
    return JsonResponse(404, {{"error", {{"message", message}, {"code", 404}}}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<HetznerFake>("VqSAgJNbnX8uJD7HNp9gXj"); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"HETZNER_Token", kToken}, {"HETZNER_API_BASE", fake.base_url() + "/api/v1"}};
}

TEST(HetznerTest, WrongTokenShowsTheApisMessage) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider(
      "hetzner",
      {{"HETZNER_Token", "hz-wrong"}, {"HETZNER_API_BASE", fake->base_url() + "/api/v1"}}, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("HTTP 401: Invalid authentication credentials"),
            std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase HetznerCase() {
  return TokenCase("hetzner", "dns_hetzner", "HETZNER_Token", kToken, 60, MakeFake, Settings);
}

}  // namespace mailcert::challenge::testing
