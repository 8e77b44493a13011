// Azure DNS against local fakes of the Microsoft identity platform's token endpoint and of
// Azure Resource Manager's DNS API. The real services cannot be reached from the tests, so the
// fake implements the documented requests and answers (client-credentials grant with its
// {"error":"invalid_client","error_description":"AADSTS7000215: …"} failure; Zones - List with
// nextLink paging; Record Sets - Get/Create Or Update/Delete for TXT, {"error":{"code",
// "message"}} failures) — the one kind of fake mailcert's tests allow (issue #5).

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kTenant[] = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr char kApp[] = "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab";
constexpr char kSecret[] = "azure~Client.Secret_9f8e7d";
constexpr char kSubscription[] = "sub-5f1c";
constexpr char kAccessToken[] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-azure-token";

class AzureFake : public FakeApi {
 public:
  int token_requests = 0;

 protected:
  bool IsWrite(const net::ServerRequest& request) const override {
    return request.method != "GET" && request.target.find("/oauth2/") == std::string::npos;
  }

  net::ServerResponse Handle(const net::ServerRequest& request) override {
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);
    if (request.method == "POST" && path.size() == 4 && path[1] == "oauth2") {
      return Token(path[0], ParseForm(request.body));
    }
    if (request.Header("authorization") != std::string("Bearer ") + kAccessToken) {
      return JsonResponse(401, {{"error",
                                 {{"code", "AuthenticationFailed"},
                                  {"message",
                                   "Authentication failed. The 'Authorization' header "
                                   "is missing or invalid."}}}});
    }
    if (target.query["api-version"] != "2018-05-01") {
      return JsonResponse(
          400, {{"error", {{"code", "InvalidApiVersionParameter"}, {"message", "bad"}}}});
    }
    // /subscriptions/{sub}/providers/Microsoft.Network/dnszones
    if (path.size() == 5 && path[4] == "dnszones") {
      if (path[1] != kSubscription) {
        return JsonResponse(404, {{"error",
                                   {{"code", "SubscriptionNotFound"},
                                    {"message", "The subscription could not be found."}}}});
      }
      return ListZones(target);
    }
    // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/dnszones/{zone}/TXT/{name}
    if (path.size() == 10 && path[6] == "dnszones" && path[8] == "TXT") {
      return RecordSet(request, path[7], path[9]);
    }
    return JsonResponse(404, {{"error", {{"code", "NotFound"}, {"message", "no such resource"}}}});
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return JsonResponse(status, {{"error", {{"code", "BadRequest"}, {"message", message}}}});
  }

 private:
  net::ServerResponse Token(const std::string& tenant, std::map<std::string, std::string> form) {
    ++token_requests;
    if (tenant != kTenant) {
      return JsonResponse(400, {{"error", "invalid_request"},
                                {"error_description", "AADSTS90002: Tenant '" + tenant +
                                                          "' not found.\r\nTrace ID: 1\r\n"}});
    }
    if (form["grant_type"] != "client_credentials" ||
        form["scope"] != "https://management.azure.com/.default") {
      return JsonResponse(400,
                          {{"error", "invalid_request"}, {"error_description", "AADSTS900144"}});
    }
    if (form["client_id"] != kApp || form["client_secret"] != kSecret) {
      return JsonResponse(401, {{"error", "invalid_client"},
                                {"error_description",
                                 "AADSTS7000215: Invalid client secret provided. Ensure the "
                                 "secret being sent in the request is the client secret value, "
                                 "not the client secret ID, for a secret added to app '" +
                                     std::string(kApp) + "'.\r\nTrace ID: 2\r\nCorrelation ID: 3"},
                                {"error_codes", {7000215}}});
    }
    return JsonResponse(200, {{"token_type", "Bearer"},
                              {"expires_in", 3599},
                              {"ext_expires_in", 3599},
                              {"access_token", kAccessToken}});
  }

  // Two pages: an unrelated zone first, the rest behind nextLink.
  net::ServerResponse ListZones(Target& target) {
    std::string base = "/subscriptions/" + std::string(kSubscription) +
                       "/providers/Microsoft.Network/dnszones?api-version=2018-05-01";
    if (!target.query.count("$skipToken")) {
      return JsonResponse(200, {{"value",
                                 {{{"id", "/subscriptions/" + std::string(kSubscription) +
                                              "/resourceGroups/rg0/providers/"
                                              "Microsoft.Network/dnszones/unrelated.test"},
                                   {"name", "unrelated.test"}}}},
                                {"nextLink", base_url() + base + "&$skipToken=page2"}});
    }
    util::Json value = util::Json::array();
    for (const auto& [name, id] : zones()) {
      value.push_back(
          {{"id", ZoneResource(name)}, {"name", name}, {"type", "Microsoft.Network/dnszones"}});
    }
    return JsonResponse(200, {{"value", value}});
  }

  static std::string ZoneResource(const std::string& zone) {
    return "/subscriptions/" + std::string(kSubscription) +
           "/resourceGroups/rg1/providers/Microsoft.Network/dnszones/" + zone;
  }

  net::ServerResponse RecordSet(const net::ServerRequest& request, const std::string& zone,
                                const std::string& relative) {
    std::string fqdn = relative == "@" ? zone : relative + "." + zone;
    auto set_json = [&]() {
      util::Json txt = util::Json::array();
      int ttl = 0;
      for (const FakeRecord& record : records()) {
        if (record.name == fqdn && record.type == "TXT") {
          txt.push_back({{"value", {record.value}}});
          ttl = record.ttl;
        }
      }
      return util::Json{{"id", ZoneResource(zone) + "/TXT/" + relative},
                        {"name", relative},
                        {"type", "Microsoft.Network/dnszones/TXT"},
                        {"etag", "etag-1"},
                        {"properties", {{"fqdn", fqdn + "."}, {"TTL", ttl}, {"TXTRecords", txt}}}};
    };
    bool exists = std::any_of(records().begin(), records().end(), [&](const FakeRecord& r) {
      return r.name == fqdn && r.type == "TXT";
    });
    if (request.method == "GET") {
      if (!exists) {
        return JsonResponse(404, {{"error",
                                   {{"code", "NotFound"},
                                    {"message", "The resource record '" + relative +
                                                    "' does not exist in resource group 'rg1' of "
                                                    "subscription '" +
                                                    kSubscription + "'."}}}});
      }
      return JsonResponse(200, set_json());
    }
    std::erase_if(records(),
                  [&](const FakeRecord& r) { return r.name == fqdn && r.type == "TXT"; });
    if (request.method == "PUT") {
      util::Json body = util::Json::parse(request.body);
      int ttl = body["properties"]["TTL"];
      for (const util::Json& record : body["properties"]["TXTRecords"]) {
        std::string value;
        for (const util::Json& part : record["value"]) value += part.get<std::string>();
        records().push_back({NewId(), zone, fqdn, "TXT", value, ttl, 0});
      }
      return JsonResponse(exists ? 200 : 201, set_json());
    }
    if (request.method == "DELETE") return JsonResponse(exists ? 200 : 204, nullptr);
    return JsonResponse(405, {{"error", {{"code", "MethodNotAllowed"}, {"message", "no"}}}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<AzureFake>(); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"AZUREDNS_SUBSCRIPTIONID", kSubscription},
          {"AZUREDNS_TENANTID", kTenant},
          {"AZUREDNS_APPID", kApp},
          {"AZUREDNS_CLIENTSECRET", kSecret},
          {"AZUREDNS_API_BASE", fake.base_url()},
          {"AZUREDNS_LOGIN_BASE", fake.base_url()}};
}

TEST(AzureTest, OneTokenServesManyCallsAndAWrongSecretShowsTheAadsError) {
  auto fake = std::make_unique<AzureFake>();
  fake->Start();
  fake->AddZone("example.test");
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("dns_azure", Settings(*fake), *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "a"));
  EXPECT_EQ(fake->token_requests, 1);

  ProviderSettings wrong = Settings(*fake);
  wrong["AZUREDNS_CLIENTSECRET"] = "azure~wrong.secret";
  auto bad = MakeApiProvider("azure", wrong, *http);
  ASSERT_TRUE(bad);
  auto added = (*bad)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("invalid_client: AADSTS7000215: Invalid client secret "
                                       "provided."),
            std::string::npos)
      << added.error().message;
  EXPECT_EQ(added.error().message.find("Trace ID"), std::string::npos);
  EXPECT_EQ(added.error().message.find("azure~wrong.secret"), std::string::npos);
}

TEST(AzureTest, UnknownTenantIsNamed) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["AZUREDNS_TENANTID"] = "no-such-tenant";
  auto provider = MakeApiProvider("azure", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(added.error().message.find("AADSTS90002: Tenant 'no-such-tenant' not found"),
            std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase AzureCase() {
  ProviderCase c;
  c.name = "azure";
  c.acme_sh_name = "dns_azure";
  c.required = {"AZUREDNS_SUBSCRIPTIONID", "AZUREDNS_TENANTID", "AZUREDNS_APPID",
                "AZUREDNS_CLIENTSECRET"};
  c.secret_setting = "AZUREDNS_CLIENTSECRET";
  c.ttl = 60;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kSecret, kAccessToken};
  return c;
}

}  // namespace mailcert::challenge::testing
