// Linode against a local fake of API v4's domain endpoints. The real service cannot be reached
// from the tests, so this fake implements the documented requests and answers
// (techdocs.akamai.com/linode-api: List domains with the X-Filter header, paged List domain
// records, Create and Delete a domain record, {"errors":[{"reason","field"}]} failures such
// as "Invalid Token") — the one kind of fake mailcert's tests allow (issue #5). It serves two
// records per page, so the provider must follow the pages.

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kToken[] = "linode-pat-0c9f8e7d6c5b4a39";
constexpr size_t kPageSize = 2;

class LinodeFake : public FakeApi {
 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.Header("authorization") != std::string("Bearer ") + kToken) {
      return Errors(401, {{{"reason", "Invalid Token"}}});
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);  // v4 domains [id records [rid]]
    if (path.size() < 2 || path[0] != "v4" || path[1] != "domains")
      return Errors(404, {{{"reason", "Not found"}}});
    if (path.size() == 2 && request.method == "GET") {
      util::Json filter = util::Json::parse(request.Header("x-filter").value_or("{}"));
      util::Json data = util::Json::array();
      for (const auto& [name, id] : zones()) {
        if (!filter.contains("domain") || filter["domain"] == name) {
          data.push_back({{"id", std::stol(id)}, {"domain", name}, {"type", "master"}});
        }
      }
      return JsonResponse(200,
                          {{"data", data}, {"page", 1}, {"pages", 1}, {"results", data.size()}});
    }
    std::string zone = path.size() >= 3 ? ZoneNameById(path[2]) : "";
    if (zone.empty() || path.size() < 4 || path[3] != "records")
      return Errors(404, {{{"reason", "Not found"}}});
    if (path.size() == 4 && request.method == "GET") {
      std::vector<util::Json> all;
      for (const FakeRecord& record : records()) {
        if (record.zone != zone) continue;
        std::string name = api::RelativeName(record.name, zone);
        all.push_back({{"id", std::stol(record.id)},
                       {"type", record.type},
                       {"name", name == "@" ? "" : name},
                       {"target", record.value},
                       {"ttl_sec", record.ttl},
                       {"priority", record.priority}});
      }
      size_t page = target.query.count("page") ? std::stoul(target.query["page"]) : 1;
      size_t pages = std::max<size_t>(1, (all.size() + kPageSize - 1) / kPageSize);
      util::Json data = util::Json::array();
      for (size_t i = (page - 1) * kPageSize; i < all.size() && i < page * kPageSize; ++i)
        data.push_back(all[i]);
      return JsonResponse(
          200, {{"data", data}, {"page", page}, {"pages", pages}, {"results", all.size()}});
    }
    if (path.size() == 4 && request.method == "POST") {
      util::Json body = util::Json::parse(request.body);
      if (body["target"].get<std::string>().empty())
        return Errors(400, {{{"field", "target"}, {"reason", "target is required"}}});
      std::string name = body["name"];
      FakeRecord record =
          CreateRecord(zone, name, "", body["type"], body["target"], body["ttl_sec"]);
      return JsonResponse(200,
                          {{"id", std::stol(record.id)}, {"name", name}, {"type", record.type}});
    }
    if (path.size() == 5 && request.method == "DELETE") {
      size_t before = records().size();
      std::erase_if(records(), [&](const FakeRecord& r) { return r.id == path[4]; });
      if (before == records().size()) return Errors(404, {{{"reason", "Not found"}}});
      return JsonResponse(200, util::Json::object());
    }
    return Errors(405, {{{"reason", "Method Not Allowed"}}});
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return Errors(status, {{{"field", "target"}, {"reason", message}}});
  }

 private:
  static net::ServerResponse Errors(int status, util::Json errors) {
    return JsonResponse(status, {{"errors", errors}});
  }
};

std::unique_ptr<FakeApi> MakeFake() {
  auto fake = std::make_unique<LinodeFake>();
  fake->Start();
  fake->AddZone("other.test", "1233");
  fake->AddZone("example.test", "1234");
  return fake;
}

ProviderSettings Settings(const FakeApi& fake) {
  return {{"LINODE_V4_API_KEY", kToken}, {"LINODE_V4_API_BASE", fake.base_url() + "/v4"}};
}

TEST(LinodeTest, AV3KeyAloneIsExplained) {
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_linode", {{"LINODE_API_KEY", "old-v3-key-123"}}, *http);
  ASSERT_FALSE(provider);
  EXPECT_NE(provider.error().message.find("LINODE_V4_API_KEY is not set"), std::string::npos);
  EXPECT_NE(provider.error().message.find("retired v3 API"), std::string::npos);
  EXPECT_EQ(provider.error().message.find("old-v3-key-123"), std::string::npos);
}

TEST(LinodeTest, WrongTokenShowsTheApisReason) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider(
      "linode",
      {{"LINODE_V4_API_KEY", "wrong-token"}, {"LINODE_V4_API_BASE", fake->base_url() + "/v4"}},
      *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("HTTP 401: Invalid Token"), std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase LinodeCase() {
  return TokenCase("linode", "dns_linode_v4", "LINODE_V4_API_KEY", kToken, 300, MakeFake, Settings);
}

}  // namespace mailcert::challenge::testing
