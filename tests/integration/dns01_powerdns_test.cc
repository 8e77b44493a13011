// End to end, DNS-01 through a real PowerDNS Authoritative Server (sqlite3 backend, HTTP API on
// loopback): Pebble validates through PowerDNS itself, mailcert writes the records through the
// API with acme.sh's variable names (dns_pdns, PDNS_Url, PDNS_Token) read from a credentials
// file. A wrong API key is one clear line, without the key, with nothing left in DNS.
#include <gtest/gtest.h>

#include "dns01_support.h"
#include "powerdns.h"

namespace mailcert::testing {
namespace {

class Dns01PowerDnsTest : public Dns01CliTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pdns_.Start());
    ASSERT_TRUE(pdns_.CreateZone("example.test", {"mail 60 A 127.0.0.1"}));
    StartPebble(pdns_.Address());
  }

  std::string ConfigWithToken(const std::string& token) {
    const std::string credentials =
        Credentials("pdns.env", "# as acme.sh's dns_pdns reads it\nPDNS_Url=\"" + pdns_.ApiUrl() +
                                    "\"\nPDNS_ServerId=localhost\nPDNS_Token=\"" + token + "\"\n");
    return Config("[[dns]]\nzones = [\"example.test\"]\nprovider = \"dns_pdns\"\n"
                  "credentials_file = \"" + credentials + "\"\n" +
                  DnsServerLines({pdns_.Address()}, {{"ns1.example.test", pdns_.Port()}}));
  }

  PowerDnsServer pdns_;
};

TEST_F(Dns01PowerDnsTest, WildcardAndApexThroughTheApiAndNothingLeftInDns) {
  const std::string config = ConfigWithToken(pdns_.ApiKey());
  CommandResult issued = Mailcert({"issue", "-d", "example.test", "-d", "*.example.test",
                                   "-d", "mail.example.test", "--config", config, "--json"});
  ASSERT_EQ(issued.exit_code, 0) << Describe(issued) << pdns_.LogTail();
  ExpectVerifies("example.test");
  std::string text = X509Field(Current(state_.path(), "example.test") / "cert.pem", "-text");
  EXPECT_NE(text.find("DNS:*.example.test"), std::string::npos);
  EXPECT_NE(text.find("DNS:mail.example.test"), std::string::npos);
  EXPECT_TRUE(pdns_.DigShort("_acme-challenge.example.test", "TXT").empty());
  EXPECT_TRUE(pdns_.DigShort("_acme-challenge.mail.example.test", "TXT").empty());
  EXPECT_EQ(JournalNotes(), 0u);
  EXPECT_EQ(issued.stdout_text.find(pdns_.ApiKey()), std::string::npos);
  EXPECT_EQ(issued.stderr_text.find(pdns_.ApiKey()), std::string::npos);
}

TEST_F(Dns01PowerDnsTest, AWrongApiKeyIsOneClearLineWithoutTheKey) {
  const std::string wrong = "not-the-api-key-0815";
  const std::string config = ConfigWithToken(wrong);
  CommandResult failed = Mailcert({"issue", "-d", "example.test", "--config", config});
  ASSERT_EQ(failed.exit_code, 1) << Describe(failed);
  EXPECT_EQ(LineCount(failed.stderr_text), 1) << failed.stderr_text;
  EXPECT_NE(failed.stderr_text.find("mailcert: failed example.test: example.test: dns-01: "
                                    "powerdns at " + pdns_.ApiUrl() +
                                    ": read zone example.test: HTTP 401: \"Unauthorized\" — the "
                                    "API key was not accepted"),
            std::string::npos)
      << failed.stderr_text;
  EXPECT_EQ(failed.stderr_text.find(wrong), std::string::npos);
  CommandResult json = Mailcert({"issue", "-d", "example.test", "--config", config, "--json"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_NE(json.stdout_text.find("HTTP 401"), std::string::npos) << json.stdout_text;
  EXPECT_EQ(json.stdout_text.find(wrong), std::string::npos);
  EXPECT_TRUE(pdns_.DigShort("_acme-challenge.example.test", "TXT").empty());
  EXPECT_EQ(JournalNotes(), 0u);
}

}  // namespace
}  // namespace mailcert::testing
