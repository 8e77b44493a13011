// The DANE guard end to end with real servers: Pebble issues, BIND serves the TLSA records at
// _25._tcp.mail.example.test, and a real Postfix is what mailcert deploys into. A renewal with
// a new key is held back while the TLSA records name only the deployed key (DANE-validating
// senders would otherwise defer every message), Postfix keeps serving the deployed certificate,
// and once the new key's record is published the same deploy goes through.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bind.h"
#include "cli_support.h"
#include "postfix.h"

namespace mailcert::testing {
namespace {

constexpr char kName[] = "mail.example.test";
constexpr char kOwner[] = "_25._tcp.mail.example.test";

class DaneDeployTest : public PebbleTest {
 protected:
  void SetUp() override {
    PebbleTest::SetUp();
    // Postfix starts on a throw-away certificate, as a fresh server does with snakeoil.
    std::filesystem::create_directories(work_ / "postfix");
    CommandResult made = RunCommand(
        {"sh", "-c",
         "cd '" + work_.path().string() + "' && " + SnakeoilCommand("boot") +
             " && cat boot.key boot.crt > postfix/" + std::string(kName) + ".ec256.pem"});
    ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
    postfix_.options().chain_files = {work_ / "postfix" / (std::string(kName) + ".ec256.pem")};
    ASSERT_TRUE(postfix_.Start());
    ASSERT_TRUE(WriteFile(work_ / "root.pem", pebble().RootPem()));
    CommandResult issued = RunMailcert(
        Args(pebble(), state_.path(), {"issue", "-d", kName, "--http-listen", Listen(pebble())}));
    ASSERT_EQ(issued.exit_code, 0) << Describe(issued);
    first_spki_ = StoredSpki();
    // The domain publishes the issued key's DANE-EE record (RFC 7671 §5.1: 3 1 1).
    PublishTlsa({first_spki_});
  }

  // The TLSA RRset at kOwner: one 3 1 1 record per SPKI digest (hex). (Re)starts BIND with it.
  void PublishTlsa(const std::vector<std::string>& spki_digests) {
    std::string records;
    for (const auto& digest : spki_digests) records += "_25._tcp.mail TLSA 3 1 1 " + digest + "\n";
    bind_.reset();
    BindOptions options;
    // mail's address too, for `check --host` through this server.
    records += "mail A 127.0.0.1\n";
    options.zones.push_back(
        PrimaryZone("example.test", SimpleZoneFile("example.test", {}, records), {}));
    bind_ = std::make_unique<BindServer>(options);
    ASSERT_TRUE(bind_->Start());
    ASSERT_EQ(bind_->DigShort(kOwner, "TLSA").size(), spki_digests.size());
    WriteConfig();
  }

  void WriteConfig() {
    ASSERT_TRUE(WriteFile(
        config_, "state_dir = \"" + state_.path().string() +
                     "\"\n\n[[deploy]]\ntype = \"postfix\"\n"
                     "dir = \"" +
                     (work_ / "postfix").string() + "\"\npostfix_config_dir = \"" +
                     postfix_.ConfigDir().string() + "\"\nca_bundle = \"" +
                     (work_ / "root.pem").string() +
                     "\"\nendpoints = [\"smtp://127.0.0.1:" + std::to_string(postfix_.SmtpPort()) +
                     "\"]\ndns_servers = [\"" + bind_->Address() + "\"]\n"));
  }

  // The stored current certificate's SPKI digest, computed by openssl (not by mailcert).
  std::string StoredSpki() {
    std::string digest = SpkiSha256(Current(state_.path(), kName) / "cert.pem");
    while (!digest.empty() && digest.back() == '\n') digest.pop_back();
    return digest;
  }

  // What Postfix serves on port 25 right now, as `mailcert check` reads it.
  nlohmann::json Served() {
    CommandResult check = RunMailcert({"check", "--config", config_.string(), "--json"});
    return ParseJsonOutput(check)["checks"][0];
  }

  TempDir work_{"mailcert-dane"};
  TempDir state_{"mailcert-state"};
  std::filesystem::path config_ = work_ / "mailcert.toml";
  PostfixServer postfix_;
  std::unique_ptr<BindServer> bind_;
  std::string first_spki_;
};

TEST_F(DaneDeployTest, ANewKeyWaitsForItsTlsaRecordAndAKeptKeyDeploysAtOnce) {
  // The issued key matches the published record: deployed over the snakeoil.
  CommandResult first = RunMailcert({"deploy", "--config", config_.string()});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  const std::string deployed = Served()["served_sha256"];
  EXPECT_EQ(Served()["stored_sha256"], deployed);

  // A renewal that keeps the key (the default) passes the guard in the same run.
  CommandResult kept = RunMailcert({"renew", "--force", "--config", config_.string()});
  ASSERT_EQ(kept.exit_code, 0) << Describe(kept);
  EXPECT_EQ(StoredSpki(), first_spki_);
  const std::string renewed = Served()["served_sha256"];
  EXPECT_NE(renewed, deployed) << "the renewed certificate is served";

  // A renewal with a new key: issued and stored, but not deployed while the TLSA records name
  // only the old key; Postfix keeps serving the deployed certificate.
  CommandResult rotated =
      RunMailcert({"renew", "--force", "--new-key", "--config", config_.string()});
  EXPECT_EQ(rotated.exit_code, 1) << Describe(rotated);
  const std::string second_spki = StoredSpki();
  ASSERT_NE(second_spki, first_spki_);
  EXPECT_NE(rotated.stderr_text.find("deploy postfix refused: DANE: the TLSA records at " +
                                     std::string(kOwner) + " (3 1 1 " + first_spki_ +
                                     ") match the deployed certificate but not the new one"),
            std::string::npos)
      << Describe(rotated);
  EXPECT_NE(rotated.stderr_text.find("publish `" + std::string(kOwner) + ". IN TLSA 3 1 1 " +
                                     second_spki + "`"),
            std::string::npos)
      << Describe(rotated);
  nlohmann::json held = Served();
  EXPECT_EQ(held["served_sha256"], renewed) << held.dump();
  EXPECT_NE(held["stored_sha256"], renewed) << "the new version is stored, not served";
  EXPECT_EQ(held["dane"], "ok") << "the served certificate still matches: " << held.dump();

  // Had the admin replaced the old record instead of adding one, `check` would say so: what
  // Postfix serves matches no TLSA record, which is CRITICAL for mail.
  PublishTlsa({second_spki});
  CommandResult broken = RunMailcert({"check", "--config", config_.string(), "--json"});
  EXPECT_EQ(broken.exit_code, 2) << Describe(broken);
  nlohmann::json mismatch = ParseJsonOutput(broken)["checks"][0];
  EXPECT_EQ(mismatch["dane"], "mismatch") << mismatch.dump();
  EXPECT_NE(
      mismatch["problem"].get<std::string>().find("DANE: no TLSA record at " + std::string(kOwner) +
                                                  " matches the served certificate"),
      std::string::npos)
      << mismatch.dump();
  // The same from a monitoring host that knows only the MX's name and a resolver.
  CommandResult adhoc =
      RunMailcert({"check", "--host", kName, "--port", std::to_string(postfix_.SmtpPort()),
                   "--starttls", "smtp", "--ca-bundle", (work_ / "root.pem").string(),
                   "--dns-server", bind_->Address(), "--json"});
  EXPECT_EQ(adhoc.exit_code, 2) << Describe(adhoc);
  nlohmann::json adhoc_row = ParseJsonOutput(adhoc)["checks"][0];
  EXPECT_EQ(adhoc_row["endpoint"], "smtp " + std::string(kName) + ":" +
                                       std::to_string(postfix_.SmtpPort()) + " at 127.0.0.1");
  EXPECT_EQ(adhoc_row["dane"], "mismatch") << adhoc_row.dump();

  // The admin publishes the new key's record beside the old one: the next deploy goes through.
  PublishTlsa({first_spki_, second_spki});
  CommandResult published = RunMailcert({"deploy", "--config", config_.string()});
  ASSERT_EQ(published.exit_code, 0) << Describe(published);
  nlohmann::json now = Served();
  EXPECT_EQ(now["served_sha256"], now["stored_sha256"]) << now.dump();
  EXPECT_NE(now["served_sha256"], renewed);
  EXPECT_EQ(now["dane"], "ok") << now.dump();
  EXPECT_EQ(now["state"], "OK") << now.dump();
}

// The rollover without a wait: `mailcert tlsa` makes the next key ahead of time and prints its
// record beside the current one; once both are published, `renew --new-key` takes that key and
// the same run deploys it.
TEST_F(DaneDeployTest, PublishingTheNextKeyAheadLetsARotationDeployInTheSameRun) {
  ASSERT_EQ(RunMailcert({"deploy", "--config", config_.string()}).exit_code, 0);

  CommandResult listed = RunMailcert({"tlsa", "--config", config_.string(), "--json"});
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  nlohmann::json records = ParseJsonOutput(listed)["tlsa"][0]["records"];
  ASSERT_EQ(records.size(), 2u) << records.dump();
  EXPECT_EQ(records[0]["owner"], std::string(kOwner) + ".");
  EXPECT_EQ(records[0]["data"], first_spki_) << "the current key first";
  const std::string next_spki = records[1]["data"];
  EXPECT_EQ(records[1]["key"], "next");
  // The next key is on disk, private, and is what the record names (openssl's digest).
  const auto next_key = state_.path() / "certs" / kName / "next-key.pem";
  EXPECT_EQ(std::filesystem::status(next_key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  CommandResult digest = RunCommand({"sh", "-c",
                                     "openssl pkey -in '" + next_key.string() +
                                         "' -pubout -outform DER | sha256sum | cut -d' ' -f1"});
  EXPECT_EQ(digest.stdout_text, next_spki + "\n");
  // Asking again shows the same next key, and the zone-file form an admin pastes.
  CommandResult again = RunMailcert({"tlsa", "--config", config_.string()});
  EXPECT_NE(again.stdout_text.find(std::string(kOwner) + ". IN TLSA 3 1 1 " + next_spki),
            std::string::npos)
      << Describe(again);

  PublishTlsa({first_spki_, next_spki});
  CommandResult rotated =
      RunMailcert({"renew", "--force", "--new-key", "--config", config_.string()});
  ASSERT_EQ(rotated.exit_code, 0) << Describe(rotated);
  EXPECT_EQ(StoredSpki(), next_spki) << "the rotation took the published next key";
  EXPECT_FALSE(std::filesystem::exists(next_key)) << "it is the current key now";
  nlohmann::json served = Served();
  EXPECT_EQ(served["served_sha256"], served["stored_sha256"]) << served.dump();
  EXPECT_EQ(served["dane"], "ok") << served.dump();

  // The next `tlsa` makes a new next key.
  CommandResult after = RunMailcert({"tlsa", "--config", config_.string(), "--json"});
  nlohmann::json renewed_records = ParseJsonOutput(after)["tlsa"][0]["records"];
  ASSERT_EQ(renewed_records.size(), 2u);
  EXPECT_EQ(renewed_records[0]["data"], next_spki);
  EXPECT_NE(renewed_records[1]["data"], next_spki);
  EXPECT_NE(renewed_records[1]["data"], first_spki_);
}

}  // namespace
}  // namespace mailcert::testing
