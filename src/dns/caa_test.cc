// Table tests of the CAA decision (RFC 8659, RFC 8657): no DNS, only lookup results.

#include "dns/caa.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>

namespace mailcert::dns {
namespace {

constexpr char kAccount[] = "https://acme.example/acct/42";

CaaStep Empty(const std::string& name) { return CaaStep{name, "", {}, std::nullopt}; }

CaaStep With(const std::string& name, std::vector<CaaRecord> records) {
  return CaaStep{name, "", std::move(records), std::nullopt};
}

CaaStep Failed(const std::string& name, QueryFailure failure, Rcode rcode) {
  CaaStep step{name, "", {}, std::nullopt};
  step.failure =
      MakeQueryError(failure, name, RrType::kCaa, "127.0.0.1:53", RcodeName(rcode), rcode);
  return step;
}

CaaRequest Request(const std::string& identifier, const std::string& method = "dns-01") {
  return CaaRequest{identifier, {"letsencrypt.org"}, kAccount, method};
}

struct Case {
  const char* label;
  CaaRequest request;
  std::vector<CaaStep> steps;
  CaaVerdict verdict;
  const char* reason_part;  // must appear in the reason
};

// gtest would otherwise print the struct's bytes as the parameter.
void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name;
  for (const char* p = info.param.label; *p != '\0'; ++p) {
    if (std::isalnum(static_cast<unsigned char>(*p))) name += *p;
    if (*p == ' ') name += '_';
  }
  return name;
}

class CaaTableTest : public ::testing::TestWithParam<Case> {};

TEST_P(CaaTableTest, Decides) {
  const Case& c = GetParam();
  CaaDecision decision = EvaluateCaa(c.request, c.steps);
  EXPECT_EQ(CaaVerdictName(decision.verdict), std::string(CaaVerdictName(c.verdict)))
      << c.label << ": " << decision.reason;
  EXPECT_NE(decision.reason.find(c.reason_part), std::string::npos)
      << c.label << ": reason was: " << decision.reason;
  if (decision.verdict != CaaVerdict::kPermitted) {
    EXPECT_FALSE(decision.hint.empty()) << c.label;
  }
}

const Case kCases[] = {
    {"no records anywhere",
     Request("mail.example.com"),
     {Empty("mail.example.com"), Empty("example.com"), Empty("com")},
     CaaVerdict::kPermitted,
     "no CAA records"},
    {"issue for our CA at the parent",
     Request("mail.example.com"),
     {Empty("mail.example.com"), With("example.com", {{0, "issue", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"closest set wins over a permissive parent",
     Request("mail.example.com"),
     {With("mail.example.com", {{0, "issue", "digicert.com"}}),
      With("example.com", {{0, "issue", "letsencrypt.org"}})},
     CaaVerdict::kRefused,
     "another CA"},
    {"another CA only",
     Request("example.com"),
     {With("example.com", {{0, "issue", "digicert.com"}, {0, "issue", "sectigo.com"}})},
     CaaVerdict::kRefused,
     "sectigo.com"},
    {"one of several issuers",
     Request("example.com"),
     {With("example.com", {{0, "issue", "digicert.com"}, {0, "issue", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"issuer domain case-insensitive",
     Request("example.com"),
     {With("example.com", {{0, "issue", "LetsEncrypt.ORG"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"tag case-insensitive",
     Request("example.com"),
     {With("example.com", {{0, "ISSUE", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"empty issuer forbids all",
     Request("example.com"),
     {With("example.com", {{0, "issue", ";"}})},
     CaaVerdict::kRefused,
     "forbids issuance"},
    {"malformed value authorizes nobody",
     Request("example.com"),
     {With("example.com", {{0, "issue", "%%%%%"}})},
     CaaVerdict::kRefused,
     "grammar"},
    {"malformed parameter authorizes nobody",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org; novalue"}})},
     CaaVerdict::kRefused,
     "grammar"},
    {"unknown parameter is ignored",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org; policy=ev"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"whitespace around parameters",
     Request("example.com"),
     {With("example.com",
           {{0, "issue", "  letsencrypt.org ;  accounturi = " + std::string(kAccount) + " "}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"only iodef does not restrict",
     Request("example.com"),
     {With("example.com", {{0, "iodef", "mailto:security@example.com"}})},
     CaaVerdict::kPermitted,
     "does not restrict"},
    {"issuewild ignored for a plain name",
     Request("example.com"),
     {With("example.com", {{0, "issuewild", "digicert.com"}})},
     CaaVerdict::kPermitted,
     "no issue property"},
    {"wildcard falls back to issue",
     Request("*.example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"issuewild overrides issue for a wildcard",
     Request("*.example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org"}, {0, "issuewild", "digicert.com"}})},
     CaaVerdict::kRefused,
     "issuewild"},
    {"issuewild authorizes the wildcard",
     Request("*.example.com"),
     {With("example.com", {{0, "issue", ";"}, {0, "issuewild", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"issuewild forbids, issue allows: apex still fine",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org"}, {0, "issuewild", ";"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"critical unknown tag refuses",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org"}, {128, "tbs", "x"}})},
     CaaVerdict::kRefused,
     "critical"},
    {"non-critical unknown tag ignored",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org"}, {0, "tbs", "x"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"critical known tag is fine",
     Request("example.com"),
     {With("example.com", {{128, "issue", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"accounturi matches",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org; accounturi=" + std::string(kAccount)}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"accounturi of another account",
     Request("example.com"),
     {With("example.com",
           {{0, "issue", "letsencrypt.org; accounturi=https://acme.example/acct/7"}})},
     CaaVerdict::kRefused,
     "bound to account https://acme.example/acct/7"},
    {"accounturi without an account yet",
     CaaRequest{"example.com", {"letsencrypt.org"}, "", "dns-01"},
     {With("example.com",
           {{0, "issue", "letsencrypt.org; accounturi=https://acme.example/acct/7"}})},
     CaaVerdict::kRefused,
     "no account"},
    {"accounturi of another account but a second record without",
     Request("example.com"),
     {With("example.com", {{0, "issue", "letsencrypt.org; accounturi=https://acme.example/acct/7"},
                           {0, "issue", "letsencrypt.org"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"validationmethods includes ours",
     Request("example.com", "dns-01"),
     {With("example.com", {{0, "issue", "letsencrypt.org; validationmethods=http-01,dns-01"}})},
     CaaVerdict::kPermitted,
     "authorizes"},
    {"validationmethods excludes ours",
     Request("example.com", "dns-01"),
     {With("example.com", {{0, "issue", "letsencrypt.org; validationmethods=http-01"}})},
     CaaVerdict::kRefused,
     "allows only http-01, not dns-01"},
    {"validationmethods are case-sensitive",
     Request("example.com", "dns-01"),
     {With("example.com", {{0, "issue", "letsencrypt.org; validationmethods=DNS-01"}})},
     CaaVerdict::kRefused,
     "lowercase"},
    {"both parameters must hold",
     Request("example.com", "http-01"),
     {With("example.com", {{0, "issue",
                            "letsencrypt.org; accounturi=" + std::string(kAccount) +
                                "; validationmethods=dns-01"}})},
     CaaVerdict::kRefused,
     "not http-01"},
    {"SERVFAIL before any record",
     Request("mail.example.com"),
     {Empty("mail.example.com"), Failed("example.com", QueryFailure::kServFail, Rcode::kServFail)},
     CaaVerdict::kLookupFailed,
     "SERVFAIL"},
    {"timeout is a failure too",
     Request("mail.example.com"),
     {Failed("mail.example.com", QueryFailure::kTimeout, Rcode::kNoError)},
     CaaVerdict::kLookupFailed,
     "failed"},
    {"no CA identities known",
     CaaRequest{"example.com", {}, kAccount, "dns-01"},
     {With("example.com", {{0, "issue", "letsencrypt.org"}})},
     CaaVerdict::kUndetermined,
     "no CAA identities"},
};

INSTANTIATE_TEST_SUITE_P(Rfc8659, CaaTableTest, ::testing::ValuesIn(kCases), CaseName);

TEST(CaaTest, AliasIsNamedInTheReason) {
  CaaStep step = With("_x.example.com", {{0, "issue", "digicert.com"}});
  step.alias_target = "ca-policy.example.net";
  CaaDecision decision = EvaluateCaa(Request("_x.example.com"), {step});
  EXPECT_EQ(decision.verdict, CaaVerdict::kRefused);
  EXPECT_NE(decision.reason.find("alias of ca-policy.example.net"), std::string::npos)
      << decision.reason;
  EXPECT_EQ(decision.relevant_name, "_x.example.com");
}

TEST(CaaTest, HintSaysWhatToAdd) {
  CaaDecision decision = EvaluateCaa(Request("*.example.com"),
                                     {With("example.com", {{0, "issuewild", "digicert.com"}})});
  EXPECT_NE(decision.hint.find("example.com. CAA 0 issuewild \"letsencrypt.org\""),
            std::string::npos)
      << decision.hint;
}

TEST(CaaTest, ParsesIssueValues) {
  CaaIssueValue plain = ParseCaaIssueValue("letsencrypt.org");
  EXPECT_TRUE(plain.well_formed);
  EXPECT_EQ(plain.issuer_domain, "letsencrypt.org");
  EXPECT_TRUE(plain.parameters.empty());

  CaaIssueValue with = ParseCaaIssueValue("ca.example; AccountURI=https://x/1; k=");
  ASSERT_TRUE(with.well_formed);
  ASSERT_EQ(with.parameters.size(), 2u);
  EXPECT_EQ(with.parameters[0].first, "accounturi");
  EXPECT_EQ(with.parameters[0].second, "https://x/1");
  EXPECT_EQ(with.parameters[1].second, "");

  EXPECT_TRUE(ParseCaaIssueValue(";").well_formed);
  EXPECT_EQ(ParseCaaIssueValue(";").issuer_domain, "");
  EXPECT_TRUE(ParseCaaIssueValue("ca.example;").well_formed);
  EXPECT_FALSE(ParseCaaIssueValue("ca.example.").well_formed);  // no trailing dot in the ABNF
  EXPECT_FALSE(ParseCaaIssueValue("-ca.example").well_formed);
  EXPECT_FALSE(ParseCaaIssueValue("ca.example; a=b;").well_formed);
  EXPECT_FALSE(ParseCaaIssueValue("ca.example; a=b c").well_formed);
}

}  // namespace
}  // namespace mailcert::dns
