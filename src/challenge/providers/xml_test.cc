// The small XML reader and the name/TXT helpers the providers share. Label: unit.

#include "challenge/providers/xml.h"

#include <gtest/gtest.h>

#include "challenge/providers/api_common.h"

namespace mailcert::challenge::api {
namespace {

TEST(XmlTest, ReadsRoute53ListingWithNamespaceAndEntities) {
  auto root = ParseXml(
      "<?xml version=\"1.0\"?>\n"
      "<ListResourceRecordSetsResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
      "<ResourceRecordSets><ResourceRecordSet><Name>_acme-challenge.example.org.</Name>"
      "<Type>TXT</Type><TTL>60</TTL><ResourceRecords>"
      "<ResourceRecord><Value>&quot;a&amp;b&quot;</Value></ResourceRecord>"
      "<ResourceRecord><Value>&#34;c&#x27;d&#34;</Value></ResourceRecord>"
      "</ResourceRecords></ResourceRecordSet></ResourceRecordSets>"
      "<IsTruncated>false</IsTruncated><!-- a comment --></ListResourceRecordSetsResponse>");
  ASSERT_TRUE(root) << root.error().ToString();
  const XmlElement* set = root->Find("ResourceRecordSet");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->ChildText("Name"), "_acme-challenge.example.org.");
  EXPECT_EQ(set->ChildText("TTL"), "60");
  std::vector<const XmlElement*> records =
      set->Child("ResourceRecords")->Children("ResourceRecord");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]->ChildText("Value"), "\"a&b\"");
  EXPECT_EQ(records[1]->ChildText("Value"), "\"c'd\"");
}

TEST(XmlTest, AttributesAndSelfClosingElementsCaseInsensitiveNames) {
  auto root = ParseXml(
      "<ApiResponse Status=\"OK\"><CommandResponse><DomainDNSGetHostsResult Domain='x.test' "
      "EmailType=\"MX\"><host Name=\"@\" Type=\"TXT\" Address=\"v=spf1 &lt;x&gt;\"/>"
      "<Host Name=\"www\" Type=\"A\" Address=\"192.0.2.1\" /></DomainDNSGetHostsResult>"
      "</CommandResponse></ApiResponse>");
  ASSERT_TRUE(root) << root.error().ToString();
  EXPECT_EQ(root->Attribute("status"), "OK");
  const XmlElement* result = root->Find("DomainDNSGetHostsResult");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->Attribute("EmailType"), "MX");
  std::vector<const XmlElement*> hosts = result->Children("host");
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0]->Attribute("Address"), "v=spf1 <x>");
  EXPECT_EQ(hosts[1]->Attribute("Name"), "www");
}

TEST(XmlTest, RefusesDoctypeAndBrokenDocuments) {
  for (const char* text : {
           "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>",
           "<a><b></a>",
           "<a>",
           "<a x=1/>",
           "<a>&unknown;</a>",
           "",
           "<a/><b/>",
       }) {
    auto root = ParseXml(text);
    EXPECT_FALSE(root) << text;
    if (!root) {
      EXPECT_EQ(root.error().code, util::ErrorCode::kProtocol);
    }
  }
}

TEST(XmlTest, EscapeRoundTrips) {
  std::string text = "a<b>&\"c'";
  auto root = ParseXml("<v a=\"" + XmlEscape(text) + "\">" + XmlEscape(text) + "</v>");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->text, text);
  EXPECT_EQ(root->Attribute("a"), text);
}

TEST(NamesTest, RelativeAndCanonicalNames) {
  EXPECT_EQ(RelativeName("_acme-challenge.Example.ORG.", "example.org"), "_acme-challenge");
  EXPECT_EQ(RelativeName("_acme-challenge.mail.example.org", "example.org"),
            "_acme-challenge.mail");
  EXPECT_EQ(RelativeName("example.org", "example.org."), "@");
  EXPECT_EQ(RelativeName("other.test", "example.org"), "other.test");
  EXPECT_EQ(RelativeName("notexample.org", "example.org"), "notexample.org");
  EXPECT_TRUE(SameName("A.example.org.", "a.EXAMPLE.org"));
}

TEST(NamesTest, TxtQuotingAsZoneFilesWriteIt) {
  EXPECT_EQ(UnquoteTxt("\"abc\""), "abc");
  EXPECT_EQ(UnquoteTxt("\"ab\" \"cd\""), "abcd");
  EXPECT_EQ(UnquoteTxt("\"a\\\"b\""), "a\"b");
  EXPECT_EQ(UnquoteTxt("plain"), "plain");
  EXPECT_EQ(UnquoteTxt("\"unterminated"), "\"unterminated");
  EXPECT_EQ(QuoteTxt("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(UnquoteTxt(QuoteTxt("x\\y\"z")), "x\\y\"z");
}

TEST(NamesTest, UrlAndFormEncoding) {
  EXPECT_EQ(UrlEncode("a b/c~d_e.f-g+h=&"), "a%20b%2Fc~d_e.f-g%2Bh%3D%26");
  EXPECT_EQ(FormEncode({{"Command", "x.y"}, {"Address1", "v=spf1 -all"}}),
            "Command=x.y&Address1=v%3Dspf1%20-all");
  EXPECT_EQ(HostOf("https://api.cloudflare.com/client/v4"), "api.cloudflare.com");
  EXPECT_EQ(HostOf("http://127.0.0.1:8080"), "127.0.0.1:8080");
}

TEST(ScrubTest, SecretsNeverSurviveInMessages) {
  class NoHttp : public net::HttpClient {
   public:
    util::Result<net::HttpResponse> Send(const net::HttpRequest&) override {
      return util::Fail(util::ErrorCode::kNetwork, "connect with token s3cr3t-token failed");
    }
  } http;
  ApiClient client("cloudflare", http, {"s3cr3t-token"});
  net::HttpResponse response;
  response.status = 403;
  response.body = "{\"echo\":\"s3cr3t-token\"}";
  util::Error failure = client.Failure("add TXT x", response, "");
  EXPECT_EQ(failure.code, util::ErrorCode::kInvalidInput);
  EXPECT_EQ(failure.message.find("s3cr3t-token"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find("cloudflare: add TXT x: HTTP 403"), std::string::npos);
  auto sent = client.Send({});
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().message, "cloudflare: connect with token [redacted] failed");
}

}  // namespace
}  // namespace mailcert::challenge::api
