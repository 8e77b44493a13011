// Unit tests of the ACME transport and objects through a recording HttpClient (no sockets).
// The real protocol is exercised against Pebble in tests/integration.
#include <gtest/gtest.h>

#include <deque>

#include "acme/account.h"
#include "acme/client.h"
#include "acme/order.h"
#include "acme/poll.h"
#include "acme/problem.h"
#include "util/base64.h"
#include "util/json.h"

namespace mailcert::acme {
namespace {

class FakeClock : public sys::Clock {
 public:
  util::TimePoint Now() override { return now; }
  void SleepFor(std::chrono::milliseconds duration) override {
    sleeps.push_back(duration);
    now += duration;
  }
  util::TimePoint now = util::TimePoint(std::chrono::seconds(1700000000));
  std::vector<std::chrono::milliseconds> sleeps;
};

// Answers requests from a script, records what was sent.
class ScriptedHttp : public net::HttpClient {
 public:
  util::Result<net::HttpResponse> Send(const net::HttpRequest& request) override {
    sent.push_back(request);
    if (request.method == "HEAD") {
      net::HttpResponse nonce;
      nonce.status = 200;
      nonce.headers = {{"replay-nonce", "head-nonce-" + std::to_string(sent.size())}};
      return nonce;
    }
    if (request.url == kDirectoryUrl) return Directory();
    if (script.empty()) return util::Fail(util::ErrorCode::kNetwork, "script exhausted");
    net::HttpResponse response = script.front();
    script.pop_front();
    return response;
  }

  static net::HttpResponse Directory() {
    net::HttpResponse response;
    response.status = 200;
    response.body = R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/acct",
      "newOrder":"https://ca/order","revokeCert":"https://ca/revoke","keyChange":"https://ca/kc",
      "meta":{"termsOfService":"https://ca/tos","externalAccountRequired":false}})";
    return response;
  }

  void Add(long status, std::string body, net::HeaderList headers = {}) {
    net::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    script.push_back(std::move(response));
  }

  static constexpr const char* kDirectoryUrl = "https://ca/dir";
  std::deque<net::HttpResponse> script;
  std::vector<net::HttpRequest> sent;
};

class FakeSigner : public crypto::JwsSigner {
 public:
  std::string Algorithm() const override { return "ES256"; }
  std::string PublicJwkJson() const override {
    return R"({"crv":"P-256","kty":"EC","x":"eA","y":"eQ"})";
  }
  util::Result<std::string> Sign(std::string_view) const override { return std::string("sig"); }
};

util::Json ProtectedHeader(const net::HttpRequest& request) {
  util::Json body = util::ParseJson(request.body, "body").value();
  std::string decoded = util::Base64Decode(body["protected"].get<std::string>()).value();
  return util::ParseJson(decoded, "header").value();
}

util::Json Payload(const net::HttpRequest& request) {
  util::Json body = util::ParseJson(request.body, "body").value();
  std::string decoded = util::Base64Decode(body["payload"].get<std::string>()).value();
  if (decoded.empty()) return nullptr;
  return util::ParseJson(decoded, "payload").value();
}

class AcmeTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  ScriptedHttp http_;
  FakeSigner signer_;
  AcmeClient client_{http_, clock_, ScriptedHttp::kDirectoryUrl};
  SignAs account_{&signer_, "https://ca/acct/1"};
};

TEST_F(AcmeTest, BadNonceIsRetriedWithTheNonceItCarriesAndNeverSurfaces) {
  const std::string bad = R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"})";
  http_.Add(400, bad, {{"replay-nonce", "fresh-1"}});
  http_.Add(400, bad, {{"replay-nonce", "fresh-2"}});
  http_.Add(200, R"({"status":"valid"})", {{"replay-nonce", "fresh-3"}});
  auto response = client_.Post("https://ca/acct/1", std::nullopt, account_, "read account");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(client_.bad_nonce_retries(), 2);
  // Request 1 used a HEAD nonce; requests 2 and 3 used the nonces the badNonce answers carried.
  std::vector<std::string> nonces;
  for (const auto& request : http_.sent) {
    if (request.method == "POST") nonces.push_back(ProtectedHeader(request)["nonce"]);
  }
  ASSERT_EQ(nonces.size(), 3u);
  EXPECT_EQ(nonces[1], "fresh-1");
  EXPECT_EQ(nonces[2], "fresh-2");
}

TEST_F(AcmeTest, EndlessBadNonceEventuallyFailsInsteadOfLooping) {
  for (int i = 0; i < 20; ++i) {
    http_.Add(400, R"({"type":"urn:ietf:params:acme:error:badNonce"})",
              {{"replay-nonce", "n" + std::to_string(i)}});
  }
  auto response = client_.Post("https://ca/x", std::nullopt, account_, "fetch x");
  ASSERT_FALSE(response);
  EXPECT_EQ(client_.bad_nonce_retries(), 10);
}

TEST_F(AcmeTest, KidAndJwkHeadersFollowRfc8555Section6_2) {
  http_.Add(200, R"({"status":"valid"})", {{"replay-nonce", "n1"}});
  http_.Add(201, R"({"status":"valid","contact":["mailto:a@example.test"]})",
            {{"location", "https://ca/acct/7"}, {"replay-nonce", "n2"}});
  ASSERT_TRUE(client_.Post("https://ca/acct/1", std::nullopt, account_, "read"));
  NewAccountOptions options;
  options.contact = {"mailto:a@example.test"};
  auto account = NewAccount(client_, signer_, options);
  ASSERT_TRUE(account) << account.error().ToString();
  EXPECT_EQ(account->url, "https://ca/acct/7");
  EXPECT_TRUE(account->created);

  std::vector<net::HttpRequest> posts;
  for (const auto& request : http_.sent) {
    if (request.method == "POST") posts.push_back(request);
  }
  ASSERT_EQ(posts.size(), 2u);
  util::Json with_kid = ProtectedHeader(posts[0]);
  EXPECT_EQ(with_kid["kid"], "https://ca/acct/1");
  EXPECT_FALSE(with_kid.contains("jwk"));
  EXPECT_EQ(with_kid["url"], "https://ca/acct/1");
  EXPECT_EQ(with_kid["alg"], "ES256");
  EXPECT_TRUE(Payload(posts[0]).is_null()) << "POST-as-GET has an empty payload (§6.3)";

  util::Json with_jwk = ProtectedHeader(posts[1]);
  EXPECT_FALSE(with_jwk.contains("kid"));
  EXPECT_EQ(with_jwk["jwk"]["kty"], "EC");
  util::Json payload = Payload(posts[1]);
  EXPECT_EQ(payload["termsOfServiceAgreed"], true);
  EXPECT_EQ(payload["contact"][0], "mailto:a@example.test");
  for (const auto& request : posts) {
    ASSERT_EQ(request.headers.size(), 1u);
    EXPECT_EQ(request.headers[0].second, "application/jose+json");
  }
}

TEST_F(AcmeTest, ExternalAccountBindingIsRequiredWhenTheDirectorySaysSo) {
  // Replace the directory with one that requires EAB.
  struct EabHttp : ScriptedHttp {
    util::Result<net::HttpResponse> Send(const net::HttpRequest& request) override {
      if (request.url == kDirectoryUrl) {
        net::HttpResponse response = Directory();
        response.body.replace(response.body.find("\"externalAccountRequired\":false"),
                              31, "\"externalAccountRequired\":true");
        return response;
      }
      return ScriptedHttp::Send(request);
    }
  } eab_http;
  AcmeClient eab_client(eab_http, clock_, ScriptedHttp::kDirectoryUrl);
  auto account = NewAccount(eab_client, signer_, NewAccountOptions{});
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(account.error().message.find("--eab-kid"), std::string::npos);
}

TEST_F(AcmeTest, RateLimitSaysWhenToRetryInBothRetryAfterForms) {
  http_.Add(429, R"({"type":"urn:ietf:params:acme:error:rateLimited",
      "detail":"too many certificates (5) already issued for this exact set of identifiers"})",
            {{"retry-after", "7200"}});
  auto first = NewOrder(client_, account_, {MakeIdentifier("mail.example.test")}, {});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, util::ErrorCode::kRateLimited);
  EXPECT_NE(first.error().message.find("retry after 2 h 0 min"), std::string::npos)
      << first.error().message;

  // Retry-After as an HTTP-date, one day after the fake clock's now.
  http_.Add(429, R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"})",
            {{"retry-after", "Wed, 15 Nov 2023 22:13:20 GMT"}});
  auto second = NewOrder(client_, account_, {MakeIdentifier("mail.example.test")}, {});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("retry after 1 d 0 h"), std::string::npos)
      << second.error().message;
}

TEST_F(AcmeTest, ProblemWithSubproblemsNamesEveryIdentifier) {
  http_.Add(400, R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier",
      "detail":"Error creating new order","status":400,"subproblems":[
        {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"policy forbids",
         "identifier":{"type":"dns","value":"blocked.example.test"}},
        {"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids",
         "identifier":{"type":"dns","value":"caa.example.test"}}]})");
  auto order = NewOrder(client_, account_,
                        {MakeIdentifier("blocked.example.test"), MakeIdentifier("caa.example.test")},
                        {});
  ASSERT_FALSE(order);
  const std::string& message = order.error().message;
  EXPECT_NE(message.find("create order: Error creating new order [rejectedIdentifier]"),
            std::string::npos) << message;
  EXPECT_NE(message.find("blocked.example.test: policy forbids [rejectedIdentifier]"),
            std::string::npos);
  EXPECT_NE(message.find("caa.example.test: CAA forbids [caa]"), std::string::npos);
  EXPECT_NE(message.find("CAA record"), std::string::npos) << "hint for caa";
  EXPECT_EQ(order.error().code, util::ErrorCode::kAcmeProblem);
  EXPECT_TRUE(IsProblem(order.error(), "rejectedIdentifier"));
  EXPECT_FALSE(IsProblem(order.error(), "rejected"));
  EXPECT_FALSE(IsProblem(order.error(), "caa"));
}

TEST_F(AcmeTest, GarbageInsteadOfJsonIsAClearProtocolError) {
  http_.Add(201, "<html>proxy error</html>", {{"location", "https://ca/order/1"}});
  auto order = NewOrder(client_, account_, {MakeIdentifier("mail.example.test")}, {});
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error().code, util::ErrorCode::kProtocol);
  EXPECT_NE(order.error().message.find("not valid JSON"), std::string::npos);
}

TEST_F(AcmeTest, DirectoryThatIsNotOneNamesTheUrl) {
  auto parsed = ParseDirectory(R"({"hello":"world"})", "https://ca/dir");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message,
            "https://ca/dir is not an ACME directory: field \"newNonce\" is missing; check --server");
  EXPECT_FALSE(ParseDirectory("not json", "https://ca/dir"));
}

TEST_F(AcmeTest, PollingBacksOffHonoursRetryAfterAndHasADeadline) {
  PollPolicy policy;
  policy.first_delay = std::chrono::milliseconds(25);
  policy.max_delay = std::chrono::milliseconds(200);
  policy.deadline = std::chrono::seconds(5);
  Poller poller(clock_, policy);
  ASSERT_TRUE(poller.Wait(std::nullopt, "x"));
  ASSERT_TRUE(poller.Wait(std::nullopt, "x"));
  ASSERT_TRUE(poller.Wait(util::Seconds(2), "x"));  // server asks for longer: honoured
  ASSERT_TRUE(poller.Wait(util::Seconds(0), "x"));  // zero never means a hot loop
  ASSERT_TRUE(poller.Wait(std::nullopt, "x"));
  EXPECT_EQ(clock_.sleeps, (std::vector<std::chrono::milliseconds>{
                               std::chrono::milliseconds(25), std::chrono::milliseconds(50),
                               std::chrono::milliseconds(2000), std::chrono::milliseconds(200),
                               std::chrono::milliseconds(200)}));
  auto late = poller.Wait(util::Seconds(4), "validation of mail.example.test");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, util::ErrorCode::kTimeout);
  auto huge = Poller(clock_, policy).Wait(util::Seconds(86400), "order");
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("check back in 1 d 0 h"), std::string::npos);
}

TEST_F(AcmeTest, OrderFlowObjectsParse) {
  http_.Add(201, R"({"status":"pending","identifiers":[{"type":"dns","value":"mail.example.test"}],
      "authorizations":["https://ca/authz/1"],"finalize":"https://ca/finalize/1"})",
            {{"location", "https://ca/order/1"}, {"retry-after", "3"}});
  auto order = NewOrder(client_, account_, {MakeIdentifier("mail.example.test")}, {});
  ASSERT_TRUE(order) << order.error().ToString();
  EXPECT_EQ(order->url, "https://ca/order/1");
  EXPECT_EQ(order->authorizations, std::vector<std::string>{"https://ca/authz/1"});
  EXPECT_EQ(order->retry_after, util::Seconds(3));

  http_.Add(200, R"({"status":"invalid","identifier":{"type":"dns","value":"mail.example.test"},
      "challenges":[{"type":"http-01","url":"https://ca/chall/1","token":"tok","status":"invalid",
      "error":{"type":"urn:ietf:params:acme:error:connection","detail":"refused"}}]})");
  auto authorization = FetchAuthorization(client_, account_, "https://ca/authz/1");
  ASSERT_TRUE(authorization);
  EXPECT_EQ(authorization->Find("http-01")->token, "tok");
  EXPECT_EQ(authorization->Find("dns-01"), nullptr);
  ASSERT_TRUE(authorization->FailedChallengeError());
  EXPECT_EQ(authorization->FailedChallengeError()->ShortType(), "connection");
}

TEST_F(AcmeTest, ProfileAndReplacesGoIntoTheNewOrderOnlyWhenSet) {
  const std::string order = R"({"status":"pending","authorizations":[],"finalize":"https://ca/f"})";
  http_.Add(201, order, {{"location", "https://ca/order/1"}});
  http_.Add(201, order, {{"location", "https://ca/order/2"}});
  ASSERT_TRUE(NewOrder(client_, account_, {MakeIdentifier("mail.example.test")}, {}));
  ASSERT_TRUE(NewOrder(client_, account_, {MakeIdentifier("mail.example.test")},
                       {"tlsserver", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"}));
  std::vector<util::Json> payloads;
  for (const auto& request : http_.sent) {
    if (request.method == "POST") payloads.push_back(Payload(request));
  }
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_FALSE(payloads[0].contains("profile"));
  EXPECT_FALSE(payloads[0].contains("replaces"));
  EXPECT_EQ(payloads[1]["profile"], "tlsserver");
  EXPECT_EQ(payloads[1]["replaces"], "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST_F(AcmeTest, AlternateChainsAreDownloadedFromLinkHeaders) {
  http_.Add(200, "DEFAULT PEM",
            {{"link", "<https://ca/cert/1/1>;rel=\"alternate\""},
             {"link", "<https://ca/dir>;rel=\"index\""}});
  http_.Add(200, "ALTERNATE PEM");
  auto chains = DownloadCertificateChains(client_, account_, "https://ca/cert/1");
  ASSERT_TRUE(chains) << chains.error().ToString();
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[0].pem, "DEFAULT PEM");
  EXPECT_EQ((*chains)[1].url, "https://ca/cert/1/1");
  EXPECT_EQ((*chains)[1].pem, "ALTERNATE PEM");
}

TEST(Revocation, ReasonNamesAndCodes) {
  EXPECT_EQ(ParseRevocationReason("keyCompromise"), 1);
  EXPECT_EQ(ParseRevocationReason("superseded"), 4);
  EXPECT_EQ(ParseRevocationReason("4"), 4);
  EXPECT_FALSE(ParseRevocationReason("removeFromCRL"));
  EXPECT_FALSE(ParseRevocationReason("whatever"));
}

TEST(Identifiers, IpLiteralsBecomeIpIdentifiers) {
  EXPECT_EQ(MakeIdentifier("192.0.2.1").type, "ip");
  EXPECT_EQ(MakeIdentifier("2001:db8::1").type, "ip");
  EXPECT_EQ(MakeIdentifier("mail.example.test").type, "dns");
}

}  // namespace
}  // namespace mailcert::acme
