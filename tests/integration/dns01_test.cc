// End to end, DNS-01 (issue #5) with the mailcert binary: BIND on loopback serves the test
// zones and takes RFC 2136 updates signed with TSIG; Pebble validates through BIND
// (pebble -dnsserver). Wildcard and apex in one certificate, CNAME delegation into a zone on
// another server, a lagging secondary waited for and named, and a hook script — every chain
// verified with openssl, and no TXT record left behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "dns01_support.h"

namespace mailcert::testing {
namespace {

constexpr char kChallenge[] = "_acme-challenge.example.test";

// A secondary of example.test transferring from the primary on 127.0.0.1:`primary_port`. It
// gets no NOTIFY, so it lags behind every update until RefreshZone(). Sets *secondary to it
// started and serving serial 1; a failure is fatal (call under ASSERT_NO_FATAL_FAILURE).
void StartLaggingSecondary(int primary_port, std::unique_ptr<BindServer>* secondary) {
  BindOptions options;
  options.zones.push_back(SecondaryZone("example.test", primary_port));
  *secondary = std::make_unique<BindServer>(options);
  ASSERT_TRUE((*secondary)->Start());
  ASSERT_TRUE((*secondary)->WaitForSerial("example.test", 1));
}

// The rfc2136 [[dns]] table for example.test updated on `primary` with the key in `key_file`,
// naming two name servers: ns1 (`primary`) and ns2 (`secondary`).
std::string TwoServerTable(const BindServer& primary, const std::filesystem::path& key_file,
                           const BindServer& secondary) {
  return "[[dns]]\nzones = [\"example.test\"]\nprovider = \"rfc2136\"\nserver = \"" +
         primary.Address() + "\"\nkey_file = \"" + key_file.string() + "\"\n" +
         DnsServerLines({primary.Address()}, {{"ns1.example.test", primary.Port()},
                                              {"ns2.example.test", secondary.Port()}});
}

TEST_F(Dns01CliTest, WildcardAndApexThroughRfc2136AndNothingLeftInDns) {
  StartPrimary();
  StartPebble(primary_->Address());
  const std::string config = Config(
      "[[certificate]]\nname = \"example.test\"\ndomains = [\"example.test\", "
      "\"*.example.test\"]\n" + Rfc2136Table());
  CommandResult issued = Mailcert({"issue", "--config", config});
  ASSERT_EQ(issued.exit_code, 0) << Describe(issued) << "\nnamed log:\n" << primary_->LogTail();
  EXPECT_NE(issued.stdout_text.find("issued example.test: example.test, *.example.test"),
            std::string::npos)
      << issued.stdout_text;
  ExpectVerifies("example.test");
  std::string text = X509Field(Current(state_.path(), "example.test") / "cert.pem", "-text");
  EXPECT_NE(text.find("DNS:*.example.test"), std::string::npos);
  EXPECT_NE(text.find("DNS:example.test"), std::string::npos);
  EXPECT_TRUE(primary_->DigShort(kChallenge, "TXT").empty()) << "both values are removed";
  EXPECT_EQ(JournalNotes(), 0u);
  EXPECT_EQ(issued.stderr_text.find(key_.secret), std::string::npos);

  // renew repeats it the same way (state.json records dns-01).
  CommandResult renewed = Mailcert({"renew", "--config", config, "--force"});
  ASSERT_EQ(renewed.exit_code, 0) << Describe(renewed);
  ExpectVerifies("example.test");
  EXPECT_TRUE(primary_->DigShort(kChallenge, "TXT").empty());
  std::string state = ReadFile(state_.path() / "certs/example.test/state.json");
  EXPECT_NE(state.find("\"challenge\": \"dns-01\""), std::string::npos) << state;
  EXPECT_EQ(state.find(key_.secret), std::string::npos);
}

TEST_F(Dns01CliTest, ACnameDelegatesTheRecordIntoAZoneOnASecondServer) {
  // example.test on the first server: _acme-challenge.example.test CNAME
  // example-test.acme.delegated.test.; delegated.test on a second server with its own key.
  StartPrimary("_acme-challenge IN CNAME example-test.acme.delegated.test.\n");
  BindKey other_key{"delegated-key", "hmac-sha512", RandomTsigSecret(64)};
  BindOptions delegated_options;
  delegated_options.keys = {other_key};
  delegated_options.zones.push_back(PrimaryZone(
      "delegated.test", SimpleZoneFile("delegated.test", {}, ""), {other_key.name}));
  BindServer delegated(delegated_options);
  ASSERT_TRUE(delegated.Start());
  // The CA's resolver: knows where each zone is served and follows the CNAME across them.
  BindOptions resolver_options;
  resolver_options.recursion = true;
  resolver_options.zones = {ForwardZone("example.test", primary_->Port()),
                            ForwardZone("delegated.test", delegated.Port())};
  BindServer resolver(resolver_options);
  ASSERT_TRUE(resolver.Start());
  StartPebble(resolver.Address());

  const std::string credentials = Credentials(
      "delegated.env", "# the acme-dns style zone's own key\nkey_name=" + other_key.name +
                           "\nkey_algorithm=hmac-sha512\nkey_secret=\"" + other_key.secret + "\"\n");
  // Only the delegated zone is configured: mailcert writes where the CNAME points.
  const std::string config = Config(
      "[[dns]]\nzones = [\"delegated.test\"]\nprovider = \"rfc2136\"\nserver = \"" +
      delegated.Address() + "\"\ncredentials_file = \"" + credentials + "\"\n" +
      DnsServerLines({primary_->Address(), delegated.Address()},
                     {{"ns1.delegated.test", delegated.Port()}}));
  CommandResult issued = Mailcert({"issue", "-d", "example.test", "--config", config});
  ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
  ExpectVerifies("example.test");
  EXPECT_TRUE(delegated.DigShort("example-test.acme.delegated.test", "TXT").empty());
  EXPECT_EQ(primary_->DigShort(kChallenge, "CNAME"),
            std::vector<std::string>{"example-test.acme.delegated.test."})
      << "the CNAME itself is left alone";
  EXPECT_EQ(JournalNotes(), 0u);
}

TEST_F(Dns01CliTest, WaitsForALaggingSecondaryAndSaysWhichOneWhileWaiting) {
  StartPrimary("", /*two_servers=*/true);
  std::unique_ptr<BindServer> secondary;
  ASSERT_NO_FATAL_FAILURE(StartLaggingSecondary(primary_->Port(), &secondary));
  StartPebble(primary_->Address());
  const std::string config = Config(TwoServerTable(*primary_, key_file_, *secondary));
  // mailcert runs in the background; its stderr goes to a file the test watches.
  const auto log = work_ / "mailcert.stderr";
  std::vector<std::string> argv = {"sh", "-c", "\"$0\" \"$@\" 2>\"$MAILCERT_TEST_LOG\"",
                                   MailcertBinary().string(), "issue", "-d", "example.test",
                                   "--config", config};
  for (const auto& arg : pebble_->MailcertServerArgs()) argv.push_back(arg);
  CommandResult result;
  std::thread run([&] {
    result = RunCommand(argv, {{"MAILCERT_TEST_LOG", log.string()}}, "", std::chrono::minutes(3));
  });
  bool reported = false;
  for (int i = 0; i < 600 && !reported; ++i) {
    reported = ReadFile(log).find("on ns2.example.test") != std::string::npos;
    if (!reported) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string while_waiting = ReadFile(log);
  EXPECT_TRUE(secondary->RefreshZone("example.test"));  // let it catch up either way
  run.join();
  ASSERT_TRUE(reported) << "no report of the lagging server:\n" << while_waiting;
  EXPECT_NE(while_waiting.find("mailcert: warning: waiting for " + std::string(kChallenge) +
                               " TXT on ns2.example.test 127.0.0.1:" +
                               std::to_string(secondary->Port()) + " (not served yet"),
            std::string::npos)
      << while_waiting;
  EXPECT_EQ(while_waiting.find("on ns1.example.test"), std::string::npos) << while_waiting;
  ASSERT_EQ(result.exit_code, 0) << Describe(result) << ReadFile(log);
  ExpectVerifies("example.test");
  EXPECT_TRUE(primary_->DigShort(kChallenge, "TXT").empty());
}

TEST_F(Dns01CliTest, ARunKilledWhileWaitingLeavesANoteAndTheNextRunRemovesItsRecord) {
  StartPrimary("", /*two_servers=*/true);
  std::unique_ptr<BindServer> secondary;
  ASSERT_NO_FATAL_FAILURE(StartLaggingSecondary(primary_->Port(), &secondary));
  StartPebble(primary_->Address());
  const std::string config = Config(TwoServerTable(*primary_, key_file_, *secondary));
  std::vector<std::string> argv = {MailcertBinary().string(), "issue", "-d", "example.test",
                                   "--config", config};
  for (const auto& arg : pebble_->MailcertServerArgs()) argv.push_back(arg);
  ChildProcess first;
  ASSERT_TRUE(first.Start({.argv = argv, .env = {}, .cwd = work_.path(),
                           .log_path = work_ / "first.log"}));
  bool waiting = false;
  for (int i = 0; i < 600 && !waiting; ++i) {
    waiting = ReadFile(work_ / "first.log").find("on ns2.example.test") != std::string::npos;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(waiting) << ReadFile(work_ / "first.log");
  first.Stop();  // SIGTERM: mailcert dies without cleaning up, as after a crash
  EXPECT_EQ(primary_->DigShort(kChallenge, "TXT").size(), 1u) << "the record is still there";
  EXPECT_EQ(JournalNotes(), 1u) << "and noted";

  // The next run removes it before anything else; the secondary is refreshed meanwhile.
  std::atomic<bool> done = false;
  std::thread refresher([&] {
    while (!done) {
      secondary->RefreshZone("example.test");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  CommandResult second = RunMailcert(std::vector<std::string>(argv.begin() + 1, argv.end()));
  done = true;
  refresher.join();
  ASSERT_EQ(second.exit_code, 0) << Describe(second);
  ExpectVerifies("example.test");
  EXPECT_TRUE(primary_->DigShort(kChallenge, "TXT").empty());
  EXPECT_EQ(JournalNotes(), 0u);
}

TEST_F(Dns01CliTest, AHookScriptGetsLegosArgumentsAndCertbotsVariables) {
  StartPrimary();
  StartPebble(primary_->Address());
  const auto record = work_ / "hook.log";
  // The script checks what it receives, notes it, and writes the record with nsupdate.
  const std::string script =
      "#!/bin/sh\nset -eu\naction=$1 fqdn=$2 value=$3\n"
      "[ \"$value\" = \"$CERTBOT_VALIDATION\" ] || { echo 'value differs' >&2; exit 3; }\n"
      "[ \"$fqdn\" = \"_acme-challenge.$CERTBOT_DOMAIN.\" ] || { echo \"fqdn $fqdn\" >&2; "
      "exit 4; }\n"
      "echo \"$action $fqdn $value domain=$CERTBOT_DOMAIN all=$CERTBOT_ALL_DOMAINS "
      "token=${CERTBOT_TOKEN:+yes} id=$MAILCERT_IDENTIFIER zone=$MAILCERT_ZONE "
      "name=$MAILCERT_FQDN action=$MAILCERT_ACTION auth=${CERTBOT_AUTH_OUTPUT:-}\" >> '" +
      record.string() + "'\n"
      "case $action in present) op=add ;; cleanup) op=delete ;; *) exit 5 ;; esac\n"
      "printf 'server 127.0.0.1 %s\\nzone example.test\\nupdate %s %s 60 TXT \"%s\"\\nsend\\n' "
      "'" + std::to_string(primary_->Port()) + "' \"$op\" \"$fqdn\" \"$value\" | nsupdate -k '" +
      key_file_.string() + "'\n"
      "[ \"$action\" = present ] && echo \"added-$value\"\nexit 0\n";
  const auto hook = work_ / "dns-hook.sh";
  ASSERT_TRUE(WriteFile(hook, script));
  std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
  const std::string credentials = Credentials("hook.env", "EXEC_PATH=" + hook.string() + "\n");
  // --dns wins over the config's provider; the table keeps the resolvers and name servers.
  const std::string config = Config(Rfc2136Table());
  CommandResult issued = Mailcert({"issue", "-d", "example.test", "-d", "*.example.test",
                                   "--config", config, "--dns", "hook", "--dns-credentials",
                                   credentials});
  ASSERT_EQ(issued.exit_code, 0) << Describe(issued) << ReadFile(record);
  ExpectVerifies("example.test");
  EXPECT_TRUE(primary_->DigShort(kChallenge, "TXT").empty());

  std::string lines = ReadFile(record);
  EXPECT_EQ(LineCount(lines), 4) << lines;  // present and cleanup for wildcard and apex
  for (const char* expected :
       {"present _acme-challenge.example.test. ", "cleanup _acme-challenge.example.test. ",
        "domain=example.test all=example.test,*.example.test token=yes",
        "id=*.example.test zone=example.test name=_acme-challenge.example.test action=present",
        "id=example.test zone=example.test", "action=cleanup auth=added-"}) {
    EXPECT_NE(lines.find(expected), std::string::npos) << expected << " in\n" << lines;
  }
  // state.json remembers the provider and its credentials file, never what is in it.
  std::string state = ReadFile(state_.path() / "certs/example.test/state.json");
  EXPECT_NE(state.find("\"dns_provider\": \"hook\""), std::string::npos) << state;
  EXPECT_NE(state.find(credentials), std::string::npos) << state;
}

}  // namespace
}  // namespace mailcert::testing
