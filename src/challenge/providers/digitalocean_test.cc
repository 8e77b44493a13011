// DigitalOcean against a local fake of API v2's domain endpoints. The real service cannot be
// reached from the tests, so this fake implements the documented requests and answers
// (docs.digitalocean.com/reference/api: Retrieve an Existing Domain, List All Domain Records
// filtered by type and fully qualified name, Create/Delete a Domain Record, {"id","message"}
// errors) — the one kind of fake mailcert's tests allow (issue #5).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kToken[] = "dop_v1_3f9c0a1b2c3d4e5f";

class DigitalOceanFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.Header("authorization") != std::string("Bearer ") + kToken) {
      return JsonResponse(401,
                          {{"id", "unauthorized"}, {"message", "Unable to authenticate you."}});
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);  // v2 domains {d} [records [id]]
    if (path.size() < 3 || path[0] != "v2" || path[1] != "domains") return NotFound();
    const std::string& zone = path[2];
    if (!zones().count(zone)) return NotFound();
    if (path.size() == 3 && request.method == "GET") {
      return JsonResponse(200, {{"domain", {{"name", zone}, {"ttl", 1800}}}});
    }
    if (path.size() == 4 && path[3] == "records" && request.method == "GET") {
      util::Json list = util::Json::array();
      for (const FakeRecord& record : records()) {
        if (record.zone != zone) continue;
        if (target.query.count("type") && record.type != target.query["type"]) continue;
        if (target.query.count("name") && record.name != target.query["name"]) continue;
        list.push_back({{"id", std::stol(record.id)},
                        {"type", record.type},
                        {"name", api::RelativeName(record.name, zone)},
                        {"data", record.value},
                        {"ttl", record.ttl}});
      }
      return JsonResponse(200, {{"domain_records", list},
                                {"links", util::Json::object()},
                                {"meta", {{"total", list.size()}}}});
    }
    if (path.size() == 4 && path[3] == "records" && request.method == "POST") {
      util::Json body = util::Json::parse(request.body);
      if (body["ttl"].get<int>() < 30) {
        return JsonResponse(
            422, {{"id", "unprocessable_entity"}, {"message", "TTL must be at least 30"}});
      }
      std::string name = body["name"];
      FakeRecord record = CreateRecord(zone, name, "@", body["type"], body["data"], body["ttl"]);
      return JsonResponse(201, {{"domain_record", {{"id", std::stol(record.id)}, {"name", name}}}});
    }
    if (path.size() == 5 && request.method == "DELETE") {
      size_t before = records().size();
      std::erase_if(records(), [&](const FakeRecord& r) { return r.id == path[4]; });
      return before == records().size() ? NotFound() : JsonResponse(204, nullptr);
    }
    return NotFound();
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{"id", "bad_request"}, {"message", message}});
  }

 private:
  static net::ServerResponse NotFound() {
    return JsonResponse(404, {{"id", "not_found"},
                              {"message", "The resource you were accessing could not be found."}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<DigitalOceanFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"DO_API_KEY", kToken}, {"DO_API_BASE", fake.base_url() + "/v2"}};
}

TEST(DigitalOceanTest, WrongTokenShowsTheApisMessage) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider(
      "dns_dgon", {{"DO_API_KEY", "dop_v1_wrong"}, {"DO_API_BASE", fake->base_url() + "/v2"}},
      *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find(
                "digitalocean: look up domain example.test: HTTP 401: unauthorized: Unable to "
                "authenticate you."),
            std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase DigitalOceanCase() {
  return TokenCase("digitalocean", "dns_dgon", "DO_API_KEY", kToken, 30, MakeFake, Settings);
}

}  // namespace mailcert::challenge::testing
