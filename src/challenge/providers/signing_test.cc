// Request signatures of the DNS providers against published known-good values: AWS's
// Signature Version 4 test suite (credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service "service") and the
// signatures in OVH's own client tests (python-ovh tests/test_client.py, test_call_signature).
// Label: unit.

#include <gtest/gtest.h>

#include "challenge/providers/api_common.h"
#include "challenge/providers/aws_sigv4.h"
#include "challenge/providers/ovh.h"

namespace mailcert::challenge::api {
namespace {

const SigV4Credentials kSuiteCredentials = {"AKIDEXAMPLE",
                                            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const SigV4Scope kSuiteScope = {"us-east-1", "service"};
constexpr char kSuiteDate[] = "20150830T123600Z";
constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kCredential[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

net::HeaderList SuiteHeaders() {
  return {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kSuiteDate}};
}

TEST(SigV4Test, GetVanilla) {
  auto signature = ComputeSigV4("GET", "https://example.amazonaws.com/", SuiteHeaders(), "",
                                kSuiteCredentials, kSuiteScope, kSuiteDate);
  ASSERT_TRUE(signature) << signature.error().ToString();
  EXPECT_EQ(signature->canonical_request,
            std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "host;x-amz-date\n") +
                kEmptyHash);
  EXPECT_EQ(signature->string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(signature->authorization,
            std::string(kCredential) +
                ", SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCaseSortsTheQuery) {
  auto signature = ComputeSigV4("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                                SuiteHeaders(), "", kSuiteCredentials, kSuiteScope, kSuiteDate);
  ASSERT_TRUE(signature) << signature.error().ToString();
  EXPECT_NE(signature->canonical_request.find("\n/\nParam1=value1&Param2=value2\n"),
            std::string::npos)
      << signature->canonical_request;
  EXPECT_EQ(signature->signature,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Test, PostXWwwFormUrlencodedSignsContentTypeAndBody) {
  net::HeaderList headers = SuiteHeaders();
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  auto signature = ComputeSigV4("POST", "https://example.amazonaws.com/", headers, "Param1=value1",
                                kSuiteCredentials, kSuiteScope, kSuiteDate);
  ASSERT_TRUE(signature) << signature.error().ToString();
  EXPECT_EQ(signature->signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(signature->string_to_sign.substr(signature->string_to_sign.rfind('\n') + 1),
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(signature->signature,
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Test, PostStsHeaderAfterSignsTheSessionToken) {
  const std::string token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp"
      "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQD"
      "YwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scq"
      "Kmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  net::HeaderList headers = SuiteHeaders();
  headers.emplace_back("X-Amz-Security-Token", token);
  SigV4Credentials credentials = kSuiteCredentials;
  credentials.session_token = token;
  auto signature = ComputeSigV4("POST", "https://example.amazonaws.com/", headers, "", credentials,
                                kSuiteScope, kSuiteDate);
  ASSERT_TRUE(signature) << signature.error().ToString();
  EXPECT_EQ(signature->authorization,
            std::string(kCredential) +
                ", SignedHeaders=host;x-amz-date;x-amz-security-token, "
                "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST(SigV4Test, SignRequestAddsDateTokenAndAuthorizationForRoute53) {
  net::HttpRequest request;
  request.method = "GET";
  request.url = "https://route53.amazonaws.com/2013-04-01/hostedzonesbyname?dnsname=example.org";
  SigV4Credentials credentials = kSuiteCredentials;
  credentials.session_token = "session-token-1";
  // 2015-08-30T12:36:00Z
  util::TimePoint when = std::chrono::system_clock::from_time_t(1440938160);
  ASSERT_TRUE(SignSigV4(request, credentials, {"us-east-1", "route53"}, when));
  EXPECT_EQ(AmzDate(when), kSuiteDate);
  ASSERT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(request.headers[0], (std::pair<std::string, std::string>{"X-Amz-Date", kSuiteDate}));
  EXPECT_EQ(request.headers[1].second, "session-token-1");
  EXPECT_EQ(request.headers[2].first, "Authorization");
  EXPECT_TRUE(request.headers[2].second.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/route53/aws4_request, "
      "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="))
      << request.headers[2].second;
  // The secret never appears in what is sent.
  for (const auto& [name, value] : request.headers) {
    EXPECT_EQ(value.find(kSuiteCredentials.secret_access_key), std::string::npos) << name;
  }
}

TEST(OvhSignatureTest, MatchesTheOfficialClientsTestValues) {
  // python-ovh test_call_signature: AS "fake application secret", CK "fake consumer key",
  // method "MeThOd" (signed upper-cased), timestamp 1404395931.
  EXPECT_EQ(OvhSignature("fake application secret", "fake consumer key", "MeThOd",
                         "https://eu.api.ovh.com/1.0/unit/test", "", "1404395931"),
            "$1$16ae5ba8c63841b1951575be905867991d5f49dc");
  EXPECT_EQ(OvhSignature("fake application secret", "fake consumer key", "MeThOd",
                         "https://eu.api.ovh.com/1.0/unit/test",
                         "{\"some\": \"random\", \"data\": 42}", "1404395931"),
            "$1$9acb1ac0120006d16261a635aed788e83ab172d2");
}

TEST(OvhSignatureTest, EndpointNamesAndUrls) {
  EXPECT_EQ(OvhEndpointUrl("ovh-eu"), "https://eu.api.ovh.com/1.0");
  EXPECT_EQ(OvhEndpointUrl("OVH-CA"), "https://ca.api.ovh.com/1.0");
  EXPECT_EQ(OvhEndpointUrl("soyoustart-eu"), "https://eu.api.soyoustart.com/1.0");
  EXPECT_EQ(OvhEndpointUrl("http://127.0.0.1:8080/1.0/"), "http://127.0.0.1:8080/1.0");
  EXPECT_EQ(OvhEndpointUrl("runabove-ca"), std::nullopt);
}

}  // namespace
}  // namespace mailcert::challenge::api
