// Route 53 against a local fake of its 2013-04-01 REST API. The real service cannot be reached
// from the tests, so this fake implements the documented requests and answers (Amazon Route 53
// API Reference: ListHostedZonesByName, ListResourceRecordSets, ChangeResourceRecordSets with
// CREATE/UPSERT/DELETE, ErrorResponse and InvalidChangeBatch bodies) and checks every request's
// Signature Version 4 the way AWS does, by computing it again with the secret — the one kind of
// fake mailcert's tests allow (issue #5). That the signer itself is right is shown against AWS's
// published test vectors in signing_test.cc.

#include <gtest/gtest.h>

#include "challenge/api_providers.h"
#include "challenge/providers/api_common.h"
#include "challenge/providers/aws_sigv4.h"
#include "challenge/providers/fake_api.h"
#include "challenge/providers/xml.h"
#include "util/strings.h"

namespace mailcert::challenge::testing {
namespace {

constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kNs[] = "https://route53.amazonaws.com/doc/2013-04-01/";

std::string ErrorXml(const std::string& code, const std::string& message) {
  return std::string("<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"") + kNs +
         "\"><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" +
         api::XmlEscape(message) + "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
}

class Route53Fake : public FakeApi {
 public:
  std::string session_token;         // required when set
  std::vector<std::string> actions;  // every Change's Action, in order

 protected:
  net::ServerResponse Handle(const net::ServerRequest& request) override {
    if (auto denied = CheckSignature(request)) return *denied;
    Target target = ParseTarget(request.target);
    std::vector<std::string> path = Segments(target.path);
    if (path.size() == 2 && path[1] == "hostedzonesbyname") return ListZones(target);
    if (path.size() == 4 && path[1] == "hostedzone" && path[3] == "rrset") {
      std::string zone = ZoneNameById(path[2]);
      if (zone.empty()) {
        return Xml(404, ErrorXml("NoSuchHostedZone", "No hosted zone found with ID: " + path[2]));
      }
      if (request.method == "GET") return ListSets(target);
      if (request.method == "POST") return Change(zone, request.body);
    }
    return Xml(404, ErrorXml("UnknownOperationException", "unknown operation"));
  }

  net::ServerResponse ErrorResponse(int status, const std::string& message) override {
    return Xml(status, ErrorXml("InvalidInput", message));
  }

 private:
  static net::ServerResponse Xml(int status, std::string body) {
    return TextResponse(status, "text/xml", std::move(body));
  }

  std::optional<net::ServerResponse> CheckSignature(const net::ServerRequest& request) {
    std::string authorization = request.Header("authorization").value_or("");
    const std::string prefix = std::string("AWS4-HMAC-SHA256 Credential=") + kKeyId + "/";
    if (!authorization.starts_with(prefix)) {
      return Xml(403, ErrorXml("InvalidClientTokenId",
                               "The security token included in the request is invalid."));
    }
    size_t signed_at = authorization.find("SignedHeaders=");
    size_t signature_at = authorization.find("Signature=");
    if (signed_at == std::string::npos || signature_at == std::string::npos ||
        authorization.find("/us-east-1/route53/aws4_request,") == std::string::npos) {
      return Xml(400, ErrorXml("IncompleteSignature", "malformed Authorization"));
    }
    std::string signed_list = authorization.substr(signed_at + 14);
    signed_list = signed_list.substr(0, signed_list.find(','));
    net::HeaderList headers;
    for (const std::string& name : util::Split(signed_list, ';')) {
      std::string value = name == "host" ? request.host : request.Header(name).value_or("");
      headers.emplace_back(name, value);
    }
    if (!session_token.empty() && request.Header("x-amz-security-token") != session_token) {
      return Xml(403, ErrorXml("InvalidClientTokenId",
                               "The security token included in the request is invalid."));
    }
    auto expected = api::ComputeSigV4(
        request.method, "http://" + request.host + request.target, headers, request.body,
        {kKeyId, kSecret, ""}, {"us-east-1", "route53"}, request.Header("x-amz-date").value_or(""));
    if (!expected || expected->authorization != authorization) {
      return Xml(403, ErrorXml("SignatureDoesNotMatch",
                               "The request signature we calculated does not match the signature "
                               "you provided. Check your AWS Secret Access Key and signing "
                               "method. Consult the service documentation for details."));
    }
    return std::nullopt;
  }

  // A private zone of the same name comes first, as Route 53 may list it.
  net::ServerResponse ListZones(Target& target) {
    std::string wanted = target.query["dnsname"];
    if (!wanted.ends_with('.')) wanted += ".";
    std::string zones_xml;
    for (const auto& [name, id] : zones()) {
      if (name + "." != wanted) continue;
      zones_xml += "<HostedZone><Id>/hostedzone/ZPRIVATE" + id + "</Id><Name>" + name +
                   ".</Name><CallerReference>p</CallerReference><Config><PrivateZone>true"
                   "</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount>"
                   "</HostedZone>";
      zones_xml += "<HostedZone><Id>/hostedzone/" + id + "</Id><Name>" + name +
                   ".</Name><CallerReference>c</CallerReference><Config><PrivateZone>false"
                   "</PrivateZone></Config><ResourceRecordSetCount>5</ResourceRecordSetCount>"
                   "</HostedZone>";
    }
    return Xml(
        200, std::string("<?xml version=\"1.0\"?>\n<ListHostedZonesByNameResponse xmlns=\"") + kNs +
                 "\"><HostedZones>" + zones_xml + "</HostedZones><DNSName>" + wanted +
                 "</DNSName><IsTruncated>false</IsTruncated><MaxItems>10</MaxItems>"
                 "</ListHostedZonesByNameResponse>");
  }

  // The set at the name, or — as the real listing, which starts at the name — the next set.
  net::ServerResponse ListSets(Target& target) {
    std::string name = target.query["name"];
    if (name.ends_with('.')) name.pop_back();
    std::vector<const FakeRecord*> members;
    for (const FakeRecord& record : records()) {
      if (record.name == name && record.type == target.query["type"]) members.push_back(&record);
    }
    if (members.empty()) {
      for (const FakeRecord& record : records()) {
        if (record.type == "A") members.push_back(&record);  // "www…": a later name
      }
    }
    std::string sets;
    if (!members.empty()) {
      std::string values;
      for (const FakeRecord* record : members) {
        values += "<ResourceRecord><Value>" + api::XmlEscape(api::QuoteTxt(record->value)) +
                  "</Value></ResourceRecord>";
      }
      sets = "<ResourceRecordSet><Name>" + members[0]->name + ".</Name><Type>" + members[0]->type +
             "</Type><TTL>" + std::to_string(members[0]->ttl) + "</TTL><ResourceRecords>" + values +
             "</ResourceRecords></ResourceRecordSet>";
    }
    return Xml(200,
               std::string("<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse xmlns=\"") +
                   kNs + "\"><ResourceRecordSets>" + sets +
                   "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1"
                   "</MaxItems></ListResourceRecordSetsResponse>");
  }

  net::ServerResponse Change(const std::string& zone, const std::string& body) {
    auto root = api::ParseXml(body);
    if (!root || root->name != "ChangeResourceRecordSetsRequest") {
      return Xml(400, ErrorXml("MalformedInput", "not a ChangeResourceRecordSetsRequest"));
    }
    for (const api::XmlElement* change : root->Find("Changes")->Children("Change")) {
      std::string action = change->ChildText("Action");
      actions.push_back(action);
      const api::XmlElement* set = change->Child("ResourceRecordSet");
      std::string name = set->ChildText("Name");
      if (name.ends_with('.')) name.pop_back();
      std::string type = set->ChildText("Type");
      int ttl = std::stoi(set->ChildText("TTL"));
      std::vector<std::string> values;
      for (const api::XmlElement* record :
           set->Child("ResourceRecords")->Children("ResourceRecord")) {
        std::string value = record->ChildText("Value");
        if (value.size() < 2 || value.front() != '"') {
          return Xml(400, ErrorXml("InvalidChangeBatch",
                                   "Invalid Resource Record: FATAL problem: "
                                   "InvalidCharacterString (Value should be "
                                   "enclosed in quotation marks)"));
        }
        values.push_back(api::UnquoteTxt(value));
      }
      std::vector<std::string> current;
      int current_ttl = 0;
      for (const FakeRecord& record : records()) {
        if (record.name == name && record.type == type) {
          current.push_back(record.value);
          current_ttl = record.ttl;
        }
      }
      if (action == "DELETE" && (current != values || current_ttl != ttl)) {
        return Xml(400, std::string("<?xml version=\"1.0\"?>\n<InvalidChangeBatch xmlns=\"") + kNs +
                            "\"><Messages><Message>Tried to delete resource record set [name='" +
                            name + ".', type='" + type +
                            "'] but the values provided do not match the current values"
                            "</Message></Messages><RequestId>r-2</RequestId></InvalidChangeBatch>");
      }
      std::erase_if(records(),
                    [&](const FakeRecord& r) { return r.name == name && r.type == type; });
      if (action != "DELETE") {
        for (const std::string& value : values)
          records().push_back({NewId(), zone, name, type, value, ttl, 0});
      }
    }
    return Xml(200,
               std::string("<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse xmlns=\"") +
                   kNs +
                   "\"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING"
                   "</Status><SubmittedAt>2026-11-22T10:00:00.000Z</SubmittedAt></ChangeInfo>"
                   "</ChangeResourceRecordSetsResponse>");
  }
};

std::unique_ptr<FakeApi> MakeFake() { return StartFake<Route53Fake>("Z1D633PJN98FT9"); }

ProviderSettings Settings(const FakeApi& fake) {
  return {{"AWS_ACCESS_KEY_ID", kKeyId},
          {"AWS_SECRET_ACCESS_KEY", kSecret},
          {"AWS_ROUTE53_API_BASE", fake.base_url()}};
}

TEST(Route53Test, PublicZoneIsChosenAndTheLastValueGoesByAnExactDelete) {
  auto fake = std::make_unique<Route53Fake>();
  fake->Start();
  fake->AddZone("example.test", "Z1D633PJN98FT9");
  auto http = MakeTestHttpClient();
  auto provider = MakeApiProvider("route53", Settings(*fake), *http);
  ASSERT_TRUE(provider) << provider.error().ToString();
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->AddTxt("example.test", "_acme-challenge.example.test", "b"));
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "a"));
  ASSERT_TRUE((*provider)->RemoveTxt("example.test", "_acme-challenge.example.test", "b"));
  EXPECT_EQ(fake->actions, (std::vector<std::string>{"UPSERT", "UPSERT", "UPSERT", "DELETE"}));
  for (const std::string& line : fake->RequestLog()) {
    EXPECT_EQ(line.find("ZPRIVATE"), std::string::npos) << line;
  }
}

TEST(Route53Test, SessionTokenIsSentAndSigned) {
  auto fake = std::make_unique<Route53Fake>();
  fake->Start();
  fake->AddZone("example.test", "Z1D633PJN98FT9");
  fake->session_token = "FwoGZXIvYXdzEBYaDEXAMPLETOKEN";
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  auto without = MakeApiProvider("route53", settings, *http);
  ASSERT_TRUE(without);
  auto denied = (*without)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(denied);
  EXPECT_NE(denied.error().message.find("InvalidClientTokenId"), std::string::npos);
  settings["AWS_SESSION_TOKEN"] = fake->session_token;
  auto with = MakeApiProvider("route53", settings, *http);
  ASSERT_TRUE(with);
  auto added = (*with)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_TRUE(added) << added.error().ToString();
  EXPECT_EQ(fake->TxtValues("_acme-challenge.example.test"), std::vector<std::string>{"a"});
}

TEST(Route53Test, WrongSecretSaysSignatureDoesNotMatch) {
  auto fake = MakeFake();
  auto http = MakeTestHttpClient();
  ProviderSettings settings = Settings(*fake);
  settings["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-0000";
  auto provider = MakeApiProvider("dns_aws", settings, *http);
  ASSERT_TRUE(provider);
  auto added = (*provider)->AddTxt("example.test", "_acme-challenge.example.test", "a");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(added.error().message.find("route53: look up hosted zone example.test: HTTP 403: "
                                       "SignatureDoesNotMatch: The request signature we "
                                       "calculated does not match"),
            std::string::npos)
      << added.error().message;
  EXPECT_EQ(added.error().message.find("not-the-secret-0000"), std::string::npos);
}

}  // namespace

ProviderCase Route53Case() {
  ProviderCase c;
  c.name = "route53";
  c.acme_sh_name = "dns_aws";
  c.required = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"};
  c.secret_setting = "AWS_SECRET_ACCESS_KEY";
  c.ttl = 60;
  c.make_fake = MakeFake;
  c.settings = Settings;
  c.secrets = {kSecret};
  return c;
}

}  // namespace mailcert::challenge::testing
