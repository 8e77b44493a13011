// hetznercloud against a local fake of the Hetzner Cloud API's DNS part. The real service cannot
// be reached from the tests, so this fake implements the documented requests and answers
// (docs.hetzner.cloud/reference/cloud: Get a Zone by id or name, Get an RRSet, the add_records
// and remove_records actions with their TTL rule, Get an Action, Bearer authentication, the
// {"error":{"code","message"}} body, token_readonly, 429) — the one kind of fake mailcert's tests
// allow (issue #5). Its 401 code, its 404s for an unknown zone or RRSet, its 422 for a value
// added twice or removed while absent, and Retry-After are assumptions (see hetznercloud.cc).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "challenge/api_providers.h"
#include "challenge/providers/fake_api.h"
#include "util/log.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kToken[] = "hc-LRK9DAWQ1ZAEFSrCNEEzLCUwhYX1U3g7wMg4dTlkkDC96fyDuyJ39n";
constexpr char kReadOnlyToken[] = "hc-readonly-9fK2mQ7xV4bN1cZ8";
constexpr char kZone[] = "example.test";
constexpr char kName[] = "_acme-challenge.example.test";
constexpr int kZoneTtl = 3600;

class HetznerCloudFake : public FakeApi {
 public:
  // The next `count` requests are answered 429 rate_limit_exceeded with Retry-After: 0.
  void RateLimitNext(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    rate_limited_ = count;
  }
  // Actions stay "running" for `polls` GET /actions/{id} before they end; 0: done at once.
  void ActionPolls(int polls) {
    std::lock_guard<std::mutex> lock(mu_);
    polls_ = polls;
  }
  // The next action ends in error with `code` and `message`, changing nothing.
  void FailNextAction(std::string code, std::string message) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_code_ = std::move(code);
    fail_message_ = std::move(message);
  }
  void MakeSecondary(const std::string& zone) {
    std::lock_guard<std::mutex> lock(mu_);
    secondary_.push_back(zone);
  }
  // The bodies of the change requests (POST), in order.
  std::vector<util::Json> ChangeBodies() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (rate_limited_ > 0) {
      --rate_limited_;
      net::ServerResponse response = Error(429, "rate_limit_exceeded",
                                           "limit of 3600 requests "
                                           "per hour reached");
      response.headers.emplace_back("Retry-After", "0");
      return response;
    }
    std::string authorization = request.Header("authorization").value_or("");
    bool read_only = authorization == std::string("Bearer ") + kReadOnlyToken;
    if (authorization != std::string("Bearer ") + kToken && !read_only) {
      return Error(401, "unauthorized", "unable to authenticate");
    }
    if (read_only && request.method != "GET") {
      return Error(403, "token_readonly", "The token is only allowed to perform GET requests");
    }
    std::vector<std::string> path = Segments(ParseTarget(request.target).path);
    if (path.size() < 3 || path[0] != "v1") return Error(404, "not_found", "not found");
    if (path[1] == "actions" && path.size() == 3 && request.method == "GET") {
      return PollAction(path[2]);
    }
    if (path[1] != "zones") return Error(404, "not_found", "not found");
    std::string zone = ZoneOf(path[2]);
    if (zone.empty()) return Error(404, "not_found", "zone not found");
    if (path.size() == 3 && request.method == "GET") {
      bool secondary = std::find(secondary_.begin(), secondary_.end(), zone) != secondary_.end();
      return JsonResponse(200, {{"zone",
                                 {{"id", std::stoll(zones().at(zone))},
                                  {"name", zone},
                                  {"mode", secondary ? "secondary" : "primary"},
                                  {"ttl", kZoneTtl},
                                  {"status", "ok"}}}});
    }
    if (path.size() < 6 || path[3] != "rrsets") return Error(404, "not_found", "not found");
    const std::string& name = path[4];
    const std::string& type = path[5];
    if (name != ToLowerAscii(name) || name.ends_with(".") || name.ends_with(zone)) {
      return Error(400, "invalid_input", "invalid rr_name " + name);
    }
    std::string fqdn = name == "@" ? zone : name + "." + zone;
    if (path.size() == 6 && request.method == "GET") return GetRrSet(zone, name, fqdn, type);
    if (path.size() == 8 && path[6] == "actions" && request.method == "POST") {
      util::Json body = util::Json::parse(request.body, nullptr, false);
      bodies_.push_back(body);
      if (path[7] == "add_records") return AddRecords(zone, fqdn, type, body);
      if (path[7] == "remove_records") return RemoveRecords(zone, fqdn, type, body);
    }
    return Error(404, "not_found", "not found");
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return Error(status, "invalid_input", message);
  }

 private:
  struct Action {
    int64_t id = 0;
    std::string command;
    int polls_left = 0;
    std::string status = "running";
    std::string error_code, error_message;
    std::function<void()> apply;
  };

  static net::ServerResponse Error(int status, const std::string& code,
                                   const std::string& message) {
    return JsonResponse(
        status,
        {{"error", {{"code", code}, {"message", message}, {"details", util::Json::object()}}}});
  }

  static std::string ToLowerAscii(std::string text) {
    for (char& c : text) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
  }

  // A zone by id or by name (the API takes either).
  std::string ZoneOf(const std::string& id_or_name) const {
    for (const auto& [name, id] : zones()) {
      if (id_or_name == name || id_or_name == id) return name;
    }
    return "";
  }

  std::vector<FakeRecord*> RrSet(const std::string& fqdn, const std::string& type) {
    std::vector<FakeRecord*> found;
    for (FakeRecord& record : records()) {
      if (record.name == fqdn && record.type == type) found.push_back(&record);
    }
    return found;
  }

  net::ServerResponse GetRrSet(const std::string& zone, const std::string& name,
                               const std::string& fqdn, const std::string& type) {
    std::vector<FakeRecord*> rrset = RrSet(fqdn, type);
    if (rrset.empty()) return Error(404, "not_found", "rrset not found");
    util::Json values = util::Json::array();
    for (const FakeRecord* record : rrset) {
      values.push_back({{"value", type == "TXT" ? "\"" + record->value + "\"" : record->value},
                        {"comment", ""}});
    }
    return JsonResponse(200, {{"rrset",
                               {{"id", name + "/" + type},
                                {"name", name},
                                {"type", type},
                                {"ttl", rrset[0]->ttl},
                                {"labels", util::Json::object()},
                                {"zone", std::stoll(zones().at(zone))},
                                {"records", values}}}});
  }

  // The record values of a change body, unquoted; an error response when they are not valid.
  std::optional<net::ServerResponse> Values(const util::Json& body, std::vector<std::string>& out) {
    if (!body.is_object() || !body.contains("records") || !body["records"].is_array() ||
        body["records"].empty()) {
      return Error(400, "invalid_input", "invalid input in field 'records': must not be empty");
    }
    for (const util::Json& record : body["records"]) {
      std::string value = record.value("value", "");
      if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
        return Error(400, "invalid_input",
                     "invalid input in field 'records': TXT values must be quoted");
      }
      value = value.substr(1, value.size() - 2);
      if (std::find(out.begin(), out.end(), value) != out.end()) {
        return Error(400, "invalid_input", "invalid input in field 'records': not distinct");
      }
      out.push_back(value);
    }
    return std::nullopt;
  }

  net::ServerResponse AddRecords(const std::string& zone, const std::string& fqdn,
                                 const std::string& type, const util::Json& body) {
    std::vector<std::string> values;
    if (auto invalid = Values(body, values)) return *invalid;
    std::vector<FakeRecord*> rrset = RrSet(fqdn, type);
    int ttl = rrset.empty() ? kZoneTtl : rrset[0]->ttl;
    if (body.contains("ttl") && body["ttl"].is_number_integer()) {
      if (!rrset.empty() && body["ttl"].get<int>() != ttl) {
        return Error(422, "invalid_input", "ttl must match the TTL of the existing RRSet");
      }
      ttl = body["ttl"].get<int>();
    }
    for (const FakeRecord* record : rrset) {
      if (std::find(values.begin(), values.end(), record->value) != values.end()) {
        return Error(422, "invalid_input", "record " + record->value + " already exists");
      }
    }
    return StartAction("add_rrset_records", [this, zone, fqdn, type, values, ttl] {
      for (const std::string& value : values) {
        records().push_back({NewId(), zone, fqdn, type, value, ttl, 0});
      }
    });
  }

  net::ServerResponse RemoveRecords(const std::string&, const std::string& fqdn,
                                    const std::string& type, const util::Json& body) {
    std::vector<std::string> values;
    if (auto invalid = Values(body, values)) return *invalid;
    std::vector<FakeRecord*> rrset = RrSet(fqdn, type);
    if (rrset.empty()) return Error(404, "not_found", "rrset not found");
    for (const std::string& value : values) {
      bool present = std::any_of(rrset.begin(), rrset.end(),
                                 [&](const FakeRecord* record) { return record->value == value; });
      if (!present) return Error(422, "invalid_input", "record " + value + " not found");
    }
    return StartAction("remove_rrset_records", [this, fqdn, type, values] {
      std::erase_if(records(), [&](const FakeRecord& r) {
        return r.name == fqdn && r.type == type &&
               std::find(values.begin(), values.end(), r.value) != values.end();
      });
    });
  }

  util::Json ActionJson(const Action& action) const {
    util::Json error = nullptr;
    if (action.status == "error") {
      error = {{"code", action.error_code}, {"message", action.error_message}};
    }
    return {{"id", action.id},
            {"command", action.command},
            {"status", action.status},
            {"progress", action.status == "running" ? 0 : 100},
            {"started", "2026-11-22T10:00:00+00:00"},
            {"finished", action.status == "running" ? util::Json(nullptr)
                                                    : util::Json("2026-11-22T10:00:01+00:00")},
            {"resources", util::Json::array()},
            {"error", error}};
  }

  void Finish(Action& action) {
    if (!action.error_code.empty()) {
      action.status = "error";
      return;
    }
    action.apply();
    action.status = "success";
  }

  net::ServerResponse StartAction(std::string command, std::function<void()> apply) {
    Action action;
    action.id = next_action_++;
    action.command = std::move(command);
    action.apply = std::move(apply);
    action.polls_left = polls_;
    action.error_code = std::exchange(fail_code_, "");
    action.error_message = std::exchange(fail_message_, "");
    if (action.polls_left == 0) Finish(action);
    Action& kept = actions_[action.id] = std::move(action);
    return JsonResponse(201, {{"action", ActionJson(kept)}});
  }

  net::ServerResponse PollAction(const std::string& id) {
    auto found = actions_.find(std::stoll(id));
    if (found == actions_.end()) return Error(404, "not_found", "action not found");
    Action& action = found->second;
    if (action.status == "running" && --action.polls_left <= 0) Finish(action);
    return JsonResponse(200, {{"action", ActionJson(action)}});
  }

  int rate_limited_ = 0;
  int polls_ = 1;
  std::string fail_code_, fail_message_;
  std::vector<std::string> secondary_;
  std::vector<util::Json> bodies_;
  std::map<int64_t, Action> actions_;
  int64_t next_action_ = 13;
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<HetznerCloudFake>("4711"); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"HETZNER_TOKEN", kToken}, {"HETZNER_API", fake.base_url() + "/v1"}};
}

class HetznerCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_holder_ = MakeFake();
    fake_ = static_cast<HetznerCloudFake*>(fake_holder_.get());
    http_ = MakeTestHttpClient();
    ASSERT_NE(http_, nullptr);
  }

  std::unique_ptr<DnsProvider> Make(ProviderSettings settings = {}) {
    ProviderSettings all = Settings(*fake_);
    for (const auto& [key, value] : settings) all[key] = value;
    auto provider = MakeApiProvider("dns_hetznercloud", all, *http_);
    EXPECT_TRUE(provider) << provider.error().ToString();
    return provider ? std::move(*provider) : nullptr;
  }

  size_t Count(const std::string& request) const {
    size_t count = 0;
    for (const std::string& line : fake_->RequestLog()) count += line == request ? 1 : 0;
    return count;
  }
  size_t CountPrefix(const std::string& prefix) const {
    size_t count = 0;
    for (const std::string& line : fake_->RequestLog()) count += line.starts_with(prefix) ? 1 : 0;
    return count;
  }

  static void ExpectNoToken(const std::string& text) {
    for (const char* token : {kToken, kReadOnlyToken, "hc-wrong-token-0000"}) {
      EXPECT_EQ(text.find(token), std::string::npos) << "token in: " << text;
    }
  }

  std::unique_ptr<FakeApi> fake_holder_;
  HetznerCloudFake* fake_ = nullptr;
  std::unique_ptr<net::HttpClient> http_;
};

TEST_F(HetznerCloudTest, LooksUpTheZoneOnceByNameAndWritesThroughItsId) {
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-a"));
  ASSERT_TRUE(provider->AddTxt(kZone, "_acme-challenge.mail.example.test", "value-b"));
  EXPECT_EQ(Count("GET /v1/zones/example.test"), 1u);
  EXPECT_EQ(Count("POST /v1/zones/4711/rrsets/_acme-challenge/TXT/actions/add_records"), 1u);
  EXPECT_EQ(Count("POST /v1/zones/4711/rrsets/_acme-challenge.mail/TXT/actions/add_records"), 1u);
}

TEST_F(HetznerCloudTest, AddWaitsUntilTheRunningActionSucceeds) {
  fake_->ActionPolls(3);
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kName, "value-polled");
  ASSERT_TRUE(added) << added.error().ToString();
  EXPECT_EQ(CountPrefix("GET /v1/actions/"), 3u);
  std::vector<FakeRecord> records = fake_->Records(kName);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "value-polled");
  EXPECT_EQ(records[0].ttl, 120);
  // A new RRSet gets HETZNER_TTL; the value travels as a quoted TXT string.
  std::vector<util::Json> bodies = fake_->ChangeBodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0]["ttl"], 120);
  EXPECT_EQ(bodies[0]["records"][0]["value"], "\"value-polled\"");
}

TEST_F(HetznerCloudTest, ActionEndingInErrorIsAnErrorWithItsCodeAndMessage) {
  fake_->FailNextAction("incorrect_zone_mode",
                        "This operation is not supported for this Zone's "
                        "mode.");
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kName, "value-x");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kProtocol);
  const std::string& message = added.error().message;
  EXPECT_NE(message.find("hetznercloud: add TXT _acme-challenge.example.test: action "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(add_rrset_records) failed: incorrect_zone_mode: This operation is not "
                         "supported for this Zone's mode."),
            std::string::npos)
      << message;
  EXPECT_TRUE(fake_->TxtValues(kName).empty());
}

TEST_F(HetznerCloudTest, ActionStillRunningAfterTheWaitIsATimeout) {
  fake_->ActionPolls(100000);
  auto provider = Make({{"HETZNER_MAX_ATTEMPTS", "1"}});
  ASSERT_NE(provider, nullptr);
  auto started = std::chrono::steady_clock::now();
  auto added = provider->AddTxt(kZone, kName, "value-slow");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kTimeout);
  EXPECT_NE(added.error().message.find("(add_rrset_records) still running after"),
            std::string::npos)
      << added.error().message;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(HetznerCloudTest, RemoveTakesOnlyItsValueAndTheLastValueTheRrset) {
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-apex"));
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-wildcard"));
  auto removed = provider->RemoveTxt(kZone, kName, "value-apex");
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-wildcard"});
  std::vector<util::Json> bodies = fake_->ChangeBodies();
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[2], (util::Json{{"records", {{{"value", "\"value-apex\""}}}}}));
  ASSERT_TRUE(provider->RemoveTxt(kZone, kName, "value-wildcard"));
  EXPECT_TRUE(fake_->Records(kName).empty());
}

TEST_F(HetznerCloudTest, RemovingAnAbsentValueIsSuccessAndWritesNothing) {
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  auto no_rrset = provider->RemoveTxt(kZone, kName, "value-gone");  // the RRSet answers 404
  ASSERT_TRUE(no_rrset) << no_rrset.error().ToString();
  fake_->AddRecord({"", kZone, kName, "TXT", "value-other", 120, 0});
  auto other_value = provider->RemoveTxt(kZone, kName, "value-gone");
  ASSERT_TRUE(other_value) << other_value.error().ToString();
  EXPECT_EQ(CountPrefix("POST "), 0u);
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-other"});
}

TEST_F(HetznerCloudTest, WildcardAndApexValuesShareOneRrsetAndItsTtl) {
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-apex"));
  ASSERT_TRUE(provider->AddTxt(kZone, kName, "value-wildcard"));
  EXPECT_EQ(fake_->TxtValues(kName), (std::vector<std::string>{"value-apex", "value-wildcard"}));
  for (const FakeRecord& record : fake_->Records(kName)) EXPECT_EQ(record.ttl, 120);
  // The second add goes to an existing RRSet: sending a TTL there is allowed only when it equals
  // the RRSet's, so none is sent.
  std::vector<util::Json> bodies = fake_->ChangeBodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_TRUE(bodies[0].contains("ttl"));
  EXPECT_FALSE(bodies[1].contains("ttl"));
}

TEST_F(HetznerCloudTest, ApexRrsetKeepsItsOwnTtlAndRecords) {
  // A record at the zone's apex (a CNAME'd _acme-challenge can point there): "@", and the SPF
  // record's RRSet with the zone's TTL is appended to, not replaced.
  fake_->AddRecord({"", kZone, kZone, "TXT", "v=spf1 mx -all", kZoneTtl, 0});
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kZone, "value-at-apex");
  ASSERT_TRUE(added) << added.error().ToString();
  EXPECT_EQ(Count("POST /v1/zones/4711/rrsets/@/TXT/actions/add_records"), 1u);
  EXPECT_EQ(fake_->TxtValues(kZone), (std::vector<std::string>{"v=spf1 mx -all", "value-at-apex"}));
  ASSERT_TRUE(provider->RemoveTxt(kZone, kZone, "value-at-apex"));
  EXPECT_EQ(fake_->TxtValues(kZone), std::vector<std::string>{"v=spf1 mx -all"});
}

TEST_F(HetznerCloudTest, WrongTokenIsA401SayingSoWithoutTheToken) {
  auto provider = Make({{"HETZNER_TOKEN", "hc-wrong-token-0000"}});
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kName, "value-x");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  const std::string text = added.error().ToString();
  EXPECT_NE(text.find("hetznercloud: look up zone example.test: HTTP 401: unable to authenticate "
                      "(unauthorized) — HETZNER_TOKEN was not accepted"),
            std::string::npos)
      << text;
  ExpectNoToken(text);
}

TEST_F(HetznerCloudTest, ReadOnlyTokenIsSaidToBeReadOnly) {
  auto provider = Make({{"HETZNER_TOKEN", kReadOnlyToken}});
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kName, "value-x");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(added.error().message.find("HTTP 403: The token is only allowed to perform GET "
                                       "requests (token_readonly) — HETZNER_TOKEN is read-only"),
            std::string::npos)
      << added.error().message;
  ExpectNoToken(added.error().ToString());
}

TEST_F(HetznerCloudTest, RateLimitIsWaitedOutOnce) {
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  fake_->RateLimitNext(1);
  auto added = provider->AddTxt(kZone, kName, "value-after-429");
  ASSERT_TRUE(added) << added.error().ToString();
  EXPECT_EQ(fake_->TxtValues(kName), std::vector<std::string>{"value-after-429"});

  fake_->RateLimitNext(2);
  auto limited = provider->AddTxt(kZone, kName, "value-limited");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, util::ErrorCode::kRateLimited);
  EXPECT_NE(limited.error().message.find("HTTP 429: limit of 3600 requests per hour reached "
                                         "(rate_limit_exceeded)"),
            std::string::npos)
      << limited.error().message;
}

TEST_F(HetznerCloudTest, SecondaryZoneIsRefusedBeforeAnyChange) {
  fake_->MakeSecondary(kZone);
  auto provider = Make();
  ASSERT_NE(provider, nullptr);
  auto added = provider->AddTxt(kZone, kName, "value-x");
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("secondary zone"), std::string::npos)
      << added.error().message;
  EXPECT_EQ(CountPrefix("POST "), 0u);
}

TEST_F(HetznerCloudTest, NoTokenInAnyLogLineOrError) {
  util::LogLevel saved = util::GetLogLevel();
  util::SetLogLevel(util::LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  std::vector<std::string> errors;
  auto keep = [&](const util::Result<void>& result) {
    if (!result) errors.push_back(result.error().ToString());
  };
  {
    fake_->ActionPolls(2);
    auto provider = Make();
    keep(provider->AddTxt(kZone, kName, "value-logged"));
    keep(provider->RemoveTxt(kZone, kName, "value-logged"));
    fake_->FailNextAction("invalid_input", "rejected");
    keep(provider->AddTxt(kZone, kName, "value-failed"));
    fake_->RateLimitNext(2);
    keep(provider->AddTxt(kZone, kName, "value-limited"));
    keep(provider->AddTxt("missing.test", "_acme-challenge.missing.test", "value-x"));
    errors.push_back(provider->Describe());
  }
  for (const char* token : {"hc-wrong-token-0000", kReadOnlyToken}) {
    auto provider = Make({{"HETZNER_TOKEN", token}});
    keep(provider->AddTxt(kZone, kName, "value-x"));
    errors.push_back(provider->Describe());
  }
  std::string log = ::testing::internal::GetCapturedStderr();
  util::SetLogLevel(saved);
  EXPECT_NE(log.find("http: "), std::string::npos) << "nothing logged at debug level?";
  EXPECT_NE(log.find("rate limited"), std::string::npos) << log;
  EXPECT_GE(errors.size(), 6u);
  ExpectNoToken(log);
  for (const std::string& error : errors) ExpectNoToken(error);
}

TEST_F(HetznerCloudTest, SettingsAreCheckedAndTheOldTokenNamed) {
  auto bad_ttl =
      MakeApiProvider("hetznercloud", {{"HETZNER_TOKEN", kToken}, {"HETZNER_TTL", "2m"}}, *http_);
  ASSERT_FALSE(bad_ttl);
  EXPECT_EQ(bad_ttl.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(bad_ttl.error().message.find("HETZNER_TTL must be a whole number of seconds"),
            std::string::npos)
      << bad_ttl.error().message;

  auto old_token =
      MakeApiProvider("hetznercloud", {{"HETZNER_Token", "hz-dns-console-5521"}}, *http_);
  ASSERT_FALSE(old_token);
  EXPECT_NE(old_token.error().message.find("HETZNER_TOKEN is not set"), std::string::npos)
      << old_token.error().message;
  EXPECT_NE(old_token.error().message.find("provider hetzner (dns_hetzner)"), std::string::npos)
      << old_token.error().message;
  EXPECT_EQ(old_token.error().message.find("hz-dns-console-5521"), std::string::npos);

  auto ttl = Make({{"HETZNER_TTL", "300"}});
  ASSERT_NE(ttl, nullptr);
  ASSERT_TRUE(ttl->AddTxt(kZone, kName, "value-ttl"));
  EXPECT_EQ(fake_->Records(kName).at(0).ttl, 300);
}

}  // namespace

ProviderCase HetznerCloudCase() {
  return TokenCase("hetznercloud", "dns_hetznercloud", "HETZNER_TOKEN", kToken, 120, MakeFake,
                   Settings);
}

}  // namespace mailcert::challenge::testing
