// Google Cloud DNS against local fakes of Google's OAuth 2.0 token endpoint and of Cloud DNS
// API v1. The real services cannot be reached from the tests, so the fake implements the
// documented requests and answers: the JWT-bearer grant (the assertion's RS256 signature is
// verified with the service account's public key; a bad one gets {"error":"invalid_grant",
// "error_description":"Invalid JWT Signature."}), managedZones.list?dnsName=,
// resourceRecordSets.list, and changes.create, which refuses deletions that do not match the
// current set exactly — the one kind of fake mailcert's tests allow (issue #5).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/fake_api.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "util/base64.h"
#include "util/strings.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kEmail[] = "dns-acme@mail-project.iam.gserviceaccount.com";
constexpr char kProject[] = "mail-project";
constexpr char kAccessToken[] = "ya29.fake-google-access-token";

// Two RSA keys for the whole run: the service account's, and a stranger's.
const crypto::PrivateKey& Key(int which) {
  static const crypto::PrivateKey keys[2] = {
      *crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048),
      *crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048)};
  return keys[which];
}

std::string KeyJson(const std::string& token_uri, int which) {
  util::Json key = {{"type", "service_account"},
                    {"project_id", kProject},
                    {"private_key_id", "1f2e3d4c5b6a"},
                    {"private_key", *Key(which).ToPem()},
                    {"client_email", kEmail},
                    {"client_id", "1234567890"},
                    {"token_uri", token_uri}};
  return util::DumpJson(key, 2);
}

class GcloudFake : public FakeApi {
 protected:
  bool IsWrite(const net::ServerRequest& request) const override {
    return request.method != "GET" && request.target != "/token";
  }

  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (request.method == "POST" && request.target == "/token") return Token(request);
    if (request.Header("authorization") != std::string("Bearer ") + kAccessToken) {
      return Error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED");
    }
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);
    // /dns/v1/projects/{project}/managedZones[/{zone}/(rrsets|changes)]
    if (path.size() < 5 || path[2] != "projects" || path[4] != "managedZones") {
      return Error(404, "not found", "NOT_FOUND");
    }
    if (path[3] != kProject)
      return Error(403, "The caller does not have permission", "PERMISSION_DENIED");
    if (path.size() == 5) return ListZones(target.query["dnsName"]);
    std::string zone;
    for (const auto& [name, id] : zones()) {
      if (id == path[5]) zone = name;
    }
    if (zone.empty() || path.size() != 7) {
      return Error(404,
                   "The 'parameters.managedZone' resource named '" + path[5] + "' does not exist.",
                   "NOT_FOUND");
    }
    if (path[6] == "rrsets") return ListSets(target);
    if (path[6] == "changes" && request.method == "POST") return Change(zone, request.body);
    return Error(404, "not found", "NOT_FOUND");
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return Error(status, message, "INVALID_ARGUMENT");
  }

 private:
  static net::ServerResponse Error(int status, const std::string& message,
                                   const std::string& state) {
    return JsonResponse(status, {{"error",
                                  {{"code", status},
                                   {"message", message},
                                   {"errors", {{{"message", message}, {"domain", "global"}}}},
                                   {"status", state}}}});
  }

  net::ServerResponse Token(const net::ServerRequest& request) {
    auto form = ParseForm(request.body);
    if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return JsonResponse(400,
                          {{"error", "unsupported_grant_type"},
                           {"error_description", "Invalid grant_type: " + form["grant_type"]}});
    }
    std::vector<std::string> parts = util::Split(form["assertion"], '.');
    auto invalid = [](const std::string& why) {
      return JsonResponse(400, {{"error", "invalid_grant"}, {"error_description", why}});
    };
    if (parts.size() != 3) return invalid("Invalid JWT.");
    auto signature = util::Base64Decode(parts[2]);
    auto verified = crypto::VerifyJwsSignature(Key(0).PublicKeyDer(), "RS256",
                                               parts[0] + "." + parts[1], signature.value_or(""));
    if (!verified || !*verified) return invalid("Invalid JWT Signature.");
    util::Json claims = util::Json::parse(*util::Base64Decode(parts[1]));
    if (claims["iss"] != kEmail || claims["aud"] != base_url() + "/token" ||
        claims["scope"] != "https://www.googleapis.com/auth/ndev.clouddns.readwrite" ||
        claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>() > 3600) {
      return invalid("Invalid JWT: claims rejected.");
    }
    return JsonResponse(
        200, {{"access_token", kAccessToken}, {"expires_in", 3599}, {"token_type", "Bearer"}});
  }

  // A private zone of the same name is listed first.
  net::ServerResponse ListZones(const std::string& dns_name) {
    util::Json list = util::Json::array();
    for (const auto& [name, id] : zones()) {
      if (name + "." != dns_name) continue;
      list.push_back(
          {{"name", "private-" + id}, {"dnsName", name + "."}, {"visibility", "private"}});
      list.push_back({{"name", id}, {"dnsName", name + "."}, {"visibility", "public"}});
    }
    return JsonResponse(200, {{"kind", "dns#managedZonesListResponse"}, {"managedZones", list}});
  }

  util::Json SetJson(const std::string& name, const std::string& type) {
    util::Json rrdatas = util::Json::array();
    int ttl = 0;
    for (const FakeRecord& record : records()) {
      if (record.name == name && record.type == type) {
        rrdatas.push_back(api::QuoteTxt(record.value));
        ttl = record.ttl;
      }
    }
    if (rrdatas.empty()) return nullptr;
    return {{"kind", "dns#resourceRecordSet"},
            {"name", name + "."},
            {"type", type},
            {"ttl", ttl},
            {"rrdatas", rrdatas}};
  }

  net::ServerResponse ListSets(Target& target) {
    std::string name = target.query["name"];
    if (name.ends_with('.')) name.pop_back();
    util::Json set = SetJson(name, target.query["type"]);
    return JsonResponse(
        200, {{"kind", "dns#resourceRecordSetsListResponse"},
              {"rrsets", set.is_null() ? util::Json::array() : util::Json::array({set})}});
  }

  net::ServerResponse Change(const std::string& zone, const std::string& body_text) {
    util::Json body = util::Json::parse(body_text);
    if (body.contains("deletions")) {
      for (util::Json deletion : body["deletions"]) {
        std::string name = deletion["name"];
        name.pop_back();
        util::Json current = SetJson(name, deletion["type"]);
        deletion.erase("kind");
        if (!current.is_null()) current.erase("kind");
        if (current != deletion) {
          return Error(412, "Precondition not met for 'entity.change.deletions[" + name + ".]'",
                       "FAILED_PRECONDITION");
        }
        std::erase_if(records(), [&](const FakeRecord& r) {
          return r.name == name && r.type == deletion["type"];
        });
      }
    }
    if (body.contains("additions")) {
      for (const util::Json& addition : body["additions"]) {
        std::string name = addition["name"];
        name.pop_back();
        if (!SetJson(name, addition["type"]).is_null()) {
          return Error(409,
                       "The resource 'entity.change.additions[" + name + ".][TXT]' named '" + name +
                           ". (TXT)' already exists",
                       "ALREADY_EXISTS");
        }
        for (const util::Json& data : addition["rrdatas"]) {
          std::string value = data;
          if (value.size() < 2 || value.front() != '"')
            return Error(400, "Invalid value for 'entity.change.additions[0].rrdata[0]'",
                         "INVALID_ARGUMENT");
          records().push_back(
              {NewId(), zone, name, addition["type"], api::UnquoteTxt(value), addition["ttl"], 0});
        }
      }
    }
    return JsonResponse(200, {{"kind", "dns#change"}, {"id", NewId()}, {"status", "pending"}});
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<GcloudFake>("example-test-zone"); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"GCE_SERVICE_ACCOUNT", KeyJson(fake.base_url() + "/token", 0)},
          {"GCE_API_BASE", fake.base_url() + "/dns/v1"}};
}

ProviderSettings WrongKey(const ProviderSettings& good) {
  ProviderSettings wrong = good;
  util::Json key = util::Json::parse(good.at("GCE_SERVICE_ACCOUNT"));
  wrong["GCE_SERVICE_ACCOUNT"] = KeyJson(key["token_uri"], 1);
  return wrong;
}

// A key file in a fresh temporary directory, with `mode`.
std::string WriteKeyFile(const std::string& json, mode_t mode) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("mailcert-gcloud-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = dir + "/key.json";
  std::ofstream(path) << json;
  chmod(path.c_str(), mode);
  return path;
}

TEST(GcloudTest, KeyFileIsReadAndAGroupReadableOneIsRefused) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  std::string path = WriteKeyFile(settings["GCE_SERVICE_ACCOUNT"], 0600);
  settings.erase("GCE_SERVICE_ACCOUNT");
  settings["GCE_SERVICE_ACCOUNT_FILE"] = path;
  auto provider = MakeApiProvider("dns_gcloud", settings, *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  EXPECT_NE((*provider)->Describe().find(kEmail), std::string::npos);
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), std::vector<std::string>{"a"});

  chmod(path.c_str(), 0640);
  auto refused = MakeApiProvider("gcloud", settings, *http);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(refused.error().message.find("chmod 600 " + path), std::string::npos)
      << refused.error().message;
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(GcloudTest, MailcowsGcloudCliSettingIsExplained) {
  auto http = MakeTestHttpClient();
  auto provider =
      MakeApiProvider("dns_gcloud", {{"CLOUDSDK_ACTIVE_CONFIG_NAME", "default"}}, *http);
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(provider.error().message.find("GCE_SERVICE_ACCOUNT_FILE is not set"), std::string::npos)
      << provider.error().message;
  EXPECT_NE(provider.error().message.find("gcloud CLI configuration"), std::string::npos);
}

TEST(GcloudTest, ForeignKeyGetsGooglesInvalidGrant) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("gcloud", WrongKey(Settings(*fake)), *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(added.error().message.find("invalid_grant: Invalid JWT Signature."), std::string::npos)
      << added.error().message;
}

}  // namespace

ProviderCase GcloudCase() {
  ProviderCase c;
  c.name = "gcloud";
  c.acme_sh_name = "dns_gcloud";
  c.required = {"GCE_SERVICE_ACCOUNT"};
  c.ttl = 60;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.wrong_credential = WrongKey;
  // A line from the middle of each private key's PEM, and the access token.
  c.secrets = {kAccessToken};
  c.lazy_secrets = [] {
    std::vector<std::string> secrets;
    for (int which : {0, 1}) {
      std::string pem = *Key(which).ToPem();
      secrets.push_back(pem.substr(pem.size() / 2, 40));
    }
    return secrets;
  };
  return c;
}

}  // namespace mailcert::challenge::testing
