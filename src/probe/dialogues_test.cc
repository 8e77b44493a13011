// Each STARTTLS dialogue against a scripted server: what the client must say, what it must
// refuse. The real servers (Postfix, Dovecot) play the same parts in tests/probe/.

#include "probe/dialogues.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailcert::probe {
namespace {

// A server that follows a script: "S: ..." lines it sends, "C: ..." lines the client must send,
// in that order. Anything else fails the test. After the script, the connection is closed.
class ScriptedServer : public net::LineStream {
 public:
  explicit ScriptedServer(std::vector<std::string> script) : script_(std::move(script)) {}
  ~ScriptedServer() override {
    EXPECT_EQ(next_, script_.size()) << "the client stopped before script line " << next_ << ": "
                                     << (next_ < script_.size() ? script_[next_] : "");
  }

  util::Result<std::string> ReadLine() override {
    if (next_ >= script_.size()) {
      return util::Fail(util::ErrorCode::kNetwork,
                        "read from 192.0.2.1:25: the server closed "
                        "the connection");
    }
    const std::string& step = script_[next_];
    if (step.rfind("S: ", 0) != 0) {
      ADD_FAILURE() << "the client reads where it should send " << step;
      return util::Fail(util::ErrorCode::kInternal, "script out of step");
    }
    ++next_;
    return step.substr(3);
  }

  util::Result<void> WriteLine(std::string_view line) override {
    const std::string expected = next_ < script_.size() ? script_[next_] : "(end of script)";
    if (expected != "C: " + std::string(line)) {
      ADD_FAILURE() << "the client sent \"" << line << "\" where the script has " << expected;
      return util::Fail(util::ErrorCode::kInternal, "script out of step");
    }
    ++next_;
    return {};
  }

  std::string PeerName() const override { return "192.0.2.1:25"; }

 private:
  std::vector<std::string> script_;
  size_t next_ = 0;
};

void ExpectProtocolError(const util::Result<void>& result, const std::string& fragment) {
  ASSERT_FALSE(result) << "expected an error containing: " << fragment;
  EXPECT_EQ(result.error().code, util::ErrorCode::kProtocol) << result.error().ToString();
  EXPECT_NE(result.error().message.find(fragment), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.rfind("192.0.2.1:25: ", 0), 0u) << result.error().message;
}

// ---- SMTP (RFC 3207) ----

TEST(SmtpStarttlsTest, MultiLineGreetingAndEhloThenGoAhead) {
  ScriptedServer server({"S: 220-mail.example.org ESMTP", "S: 220 welcome",
                         "C: EHLO client.example.net", "S: 250-mail.example.org",
                         "S: 250-PIPELINING", "S: 250-SIZE 10240000", "S: 250-starttls",
                         "S: 250 8BITMIME", "C: STARTTLS", "S: 220 2.0.0 Ready to start TLS"});
  EXPECT_TRUE(SmtpStarttls(server, "client.example.net"));
}

TEST(SmtpStarttlsTest, NotAdvertisedIsAnErrorNeverAPass) {
  ScriptedServer server({"S: 220 mail.example.org ESMTP", "C: EHLO c.example",
                         "S: 250-mail.example.org", "S: 250-PIPELINING", "S: 250 8BITMIME"});
  ExpectProtocolError(SmtpStarttls(server, "c.example"), "did not offer STARTTLS");
}

TEST(SmtpStarttlsTest, EhloRefusedMeansNoStarttls) {
  ScriptedServer server(
      {"S: 220 old.example.org SMTP", "C: EHLO c.example", "S: 502 5.5.2 command not recognized"});
  ExpectProtocolError(SmtpStarttls(server, "c.example"), "did not offer STARTTLS");
}

TEST(SmtpStarttlsTest, RefusedSessionQuotesTheServer) {
  ScriptedServer server({"S: 554 5.7.1 no service for you"});
  ExpectProtocolError(SmtpStarttls(server, "c.example"), "\"554 5.7.1 no service for you\"");
}

TEST(SmtpStarttlsTest, StarttlsRefused) {
  ScriptedServer server({"S: 220 m", "C: EHLO c", "S: 250-m", "S: 250 STARTTLS", "C: STARTTLS",
                         "S: 454 4.7.0 TLS not available due to local problem"});
  ExpectProtocolError(SmtpStarttls(server, "c"), "refused STARTTLS");
}

TEST(SmtpStarttlsTest, NotSmtpAtAll) {
  ScriptedServer server({"S: * OK IMAP4rev1 ready"});
  ExpectProtocolError(SmtpStarttls(server, "c"), "not an SMTP reply");
}

TEST(SmtpStarttlsTest, ConnectionClosedIsANetworkError) {
  ScriptedServer server({"S: 220 m", "C: EHLO c"});
  auto result = SmtpStarttls(server, "c");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, util::ErrorCode::kNetwork);
}

// ---- IMAP (RFC 9051 §6.2.1) ----

TEST(ImapStarttlsTest, CapabilityThenTaggedOk) {
  ScriptedServer server({"S: * OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.",
                         "C: a1 CAPABILITY", "S: * CAPABILITY IMAP4rev1 SASL-IR starttls",
                         "S: a1 OK Pre-login capabilities listed, post-login capabilities have "
                         "more.",
                         "C: a2 STARTTLS", "S: a2 OK Begin TLS negotiation now."});
  EXPECT_TRUE(ImapStarttls(server));
}

TEST(ImapStarttlsTest, NotAdvertised) {
  ScriptedServer server({"S: * OK ready", "C: a1 CAPABILITY",
                         "S: * CAPABILITY IMAP4rev1 LOGINDISABLED", "S: a1 OK done"});
  ExpectProtocolError(ImapStarttls(server), "did not offer STARTTLS");
}

TEST(ImapStarttlsTest, PreauthLeavesNoRoomForStarttls) {
  ScriptedServer server({"S: * PREAUTH IMAP4rev1 logged in as you"});
  ExpectProtocolError(ImapStarttls(server), "did not offer STARTTLS");
}

TEST(ImapStarttlsTest, TaggedNo) {
  ScriptedServer server({"S: * OK ready", "C: a1 CAPABILITY", "S: * CAPABILITY IMAP4rev1 STARTTLS",
                         "S: a1 OK done", "C: a2 STARTTLS", "S: a2 NO TLS is broken here"});
  ExpectProtocolError(ImapStarttls(server), "refused STARTTLS: \"NO TLS is broken here\"");
}

TEST(ImapStarttlsTest, ByeGreeting) {
  ScriptedServer server({"S: * BYE too many connections"});
  ExpectProtocolError(ImapStarttls(server), "not an IMAP greeting");
}

// ---- POP3 (RFC 2595 §4) ----

TEST(Pop3StlsTest, CapaThenStls) {
  ScriptedServer server({"S: +OK Dovecot ready.", "C: CAPA", "S: +OK", "S: CAPA", "S: TOP",
                         "S: UIDL", "S: RESP-CODES", "S: STLS", "S: SASL", "S: .", "C: STLS",
                         "S: +OK Begin TLS negotiation now."});
  EXPECT_TRUE(Pop3Stls(server));
}

TEST(Pop3StlsTest, NotAdvertised) {
  ScriptedServer server({"S: +OK ready", "C: CAPA", "S: +OK", "S: TOP", "S: USER", "S: ."});
  ExpectProtocolError(Pop3Stls(server), "did not offer STLS");
}

TEST(Pop3StlsTest, ServerWithoutCapaIsAskedStlsDirectly) {
  ScriptedServer server(
      {"S: +OK ready", "C: CAPA", "S: -ERR unknown command", "C: STLS", "S: +OK go ahead"});
  EXPECT_TRUE(Pop3Stls(server));
}

TEST(Pop3StlsTest, StlsRefused) {
  ScriptedServer server(
      {"S: +OK ready", "C: CAPA", "S: -ERR what?", "C: STLS", "S: -ERR command not recognized"});
  ExpectProtocolError(Pop3Stls(server), "refused STLS");
}

// ---- ManageSieve (RFC 5804 §1.7, §2.2) ----

TEST(SieveStarttlsTest, CapabilitiesThenOk) {
  ScriptedServer server({"S: \"IMPLEMENTATION\" \"Dovecot Pigeonhole\"",
                         "S: \"SIEVE\" \"fileinto reject envelope\"", "S: \"NOTIFY\" \"mailto\"",
                         "S: \"SASL\" \"\"", "S: \"STARTTLS\"", "S: \"VERSION\" \"1.0\"",
                         "S: OK \"Dovecot ready.\"", "C: STARTTLS", "S: OK \"Begin TLS.\""});
  EXPECT_TRUE(SieveStarttls(server));
}

TEST(SieveStarttlsTest, NotAdvertised) {
  ScriptedServer server(
      {"S: \"IMPLEMENTATION\" \"x\"", "S: \"SIEVE\" \"fileinto\"", "S: OK \"ready\""});
  ExpectProtocolError(SieveStarttls(server), "did not offer STARTTLS");
}

TEST(SieveStarttlsTest, StarttlsAnsweredNo) {
  ScriptedServer server({"S: \"STARTTLS\"", "S: OK", "C: STARTTLS", "S: NO \"not now\""});
  ExpectProtocolError(SieveStarttls(server), "refused STARTTLS");
}

TEST(SieveStarttlsTest, ByeInsteadOfCapabilities) {
  ScriptedServer server({"S: BYE \"go away\""});
  ExpectProtocolError(SieveStarttls(server), "\"BYE \\\"go away\\\"\"");
}

TEST(ShowLineTest, CutsLongLinesAndEscapes) {
  EXPECT_EQ(ShowLine("250 ok"), "\"250 ok\"");
  EXPECT_LT(ShowLine(std::string(5000, 'x')).size(), 220u);
}

}  // namespace
}  // namespace mailcert::probe
