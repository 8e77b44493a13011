#include "store/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <stdlib.h>

#include "sys/fault_fs.h"

namespace mailcert::store {
namespace {

VersionFiles FilesFor(const std::string& tag) {
  return VersionFiles{"KEY " + tag, "CERT " + tag, "CHAIN " + tag, "CERT " + tag + "CHAIN " + tag};
}

VersionMeta MetaFor(const std::string& serial) {
  VersionMeta meta;
  meta.names = {"mail.example.test", "autoconfig.example.test"};
  meta.key_type = "ec256";
  meta.issued_at = util::TimePoint(std::chrono::seconds(1700000000));
  meta.not_before = meta.issued_at;
  meta.not_after = meta.issued_at + std::chrono::hours(24 * 90);
  meta.serial_hex = serial;
  return meta;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(root_); }
  std::string root_;
};

TEST_F(StoreTest, AddVersionWritesLayoutModesAndSwitchesCurrent) {
  Store store(sys::RealFs(), root_);
  ASSERT_TRUE(store.Init());
  auto v1 = store.AddVersion("mail", FilesFor("one"), MetaFor("01"));
  ASSERT_TRUE(v1) << v1.error().ToString();
  auto v2 = store.AddVersion("mail", FilesFor("two"), MetaFor("02"));
  ASSERT_TRUE(v2);
  EXPECT_EQ(v1->meta.number, 1);
  EXPECT_EQ(v2->meta.number, 2);

  const std::string lineage_dir = root_ + "/certs/mail";
  EXPECT_EQ(sys::RealFs().ReadLink(lineage_dir + "/current").value(), "versions/2");
  EXPECT_EQ(sys::RealFs().Stat(lineage_dir + "/versions/2/key.pem")->mode, 0600u);
  EXPECT_EQ(sys::RealFs().Stat(lineage_dir + "/versions/2/fullchain.pem")->mode, 0644u);
  EXPECT_EQ(sys::RealFs().Stat(root_ + "/certs")->mode, 0700u);

  auto current = store.CurrentVersion("mail");
  ASSERT_TRUE(current && *current);
  EXPECT_EQ((*current)->meta.serial_hex, "02");
  EXPECT_EQ((*current)->meta.names, MetaFor("x").names);
  auto files = store.ReadVersionFiles(**current);
  ASSERT_TRUE(files);
  EXPECT_EQ(files->key_pem, "KEY two");
  EXPECT_EQ(store.ListLineages().value(), std::vector<std::string>{"mail"});
}

// The issue's crash-safety rule: interrupt the write of version 2 at every step; afterwards
// (and after the recovery that every run does first) `current` is version 1 or version 2, each
// file of it whole, and no temp file is left.
TEST_F(StoreTest, InterruptedAtEveryStepLeavesOldOrNewVersionWhole) {
  sys::FaultFs counter(sys::RealFs());
  {
    Store store(counter, root_ + "/count");
    ASSERT_TRUE(store.Init());
    ASSERT_TRUE(store.AddVersion("mail", FilesFor("one"), MetaFor("01")));
  }
  const int base_steps = counter.step_count();
  LineageState after_two;
  after_two.request.names = {"mail.example.test"};
  after_two.last_error = "state written with version two";
  {
    Store store(counter, root_ + "/count");
    ASSERT_TRUE(store.AddVersion("mail", FilesFor("two"), MetaFor("02"), &after_two));
  }
  const int steps = counter.step_count() - base_steps;
  ASSERT_GE(steps, 9);

  for (int crash = 1; crash <= steps; ++crash) {
    const std::string root = root_ + "/crash" + std::to_string(crash);
    Store setup(sys::RealFs(), root);
    ASSERT_TRUE(setup.Init());
    ASSERT_TRUE(setup.AddVersion("mail", FilesFor("one"), MetaFor("01")));

    sys::FaultFs fault(sys::RealFs());
    fault.CrashAtStep(crash);
    Store crashing(fault, root);
    EXPECT_FALSE(crashing.AddVersion("mail", FilesFor("two"), MetaFor("02"), &after_two))
        << "step " << crash << " should have failed";

    Store after(sys::RealFs(), root);
    ASSERT_TRUE(after.Recover("mail")) << "crash at step " << crash;
    // state.json is the old one (none) or the new one, never torn.
    auto state = after.ReadState("mail");
    ASSERT_TRUE(state) << "crash at step " << crash << ": " << state.error().ToString();
    EXPECT_TRUE(state->last_error.empty() || state->last_error == after_two.last_error);
    auto current = after.CurrentVersion("mail");
    ASSERT_TRUE(current && *current) << "crash at step " << crash << " lost `current`";
    auto files = after.ReadVersionFiles(**current);
    ASSERT_TRUE(files) << files.error().ToString();
    const VersionFiles one = FilesFor("one"), two = FilesFor("two");
    bool is_one = files->key_pem == one.key_pem && files->cert_pem == one.cert_pem &&
                  files->chain_pem == one.chain_pem && files->fullchain_pem == one.fullchain_pem &&
                  (*current)->meta.serial_hex == "01";
    bool is_two = files->key_pem == two.key_pem && files->cert_pem == two.cert_pem &&
                  files->chain_pem == two.chain_pem && files->fullchain_pem == two.fullchain_pem &&
                  (*current)->meta.serial_hex == "02";
    EXPECT_TRUE(is_one || is_two) << "crash at step " << crash << " (" << fault.steps().back()
                                  << ") left a mix";
    for (const std::string& dir : {root + "/certs/mail", root + "/certs/mail/versions"}) {
      const std::vector<std::string> names = sys::RealFs().ListDir(dir).value();
      for (const auto& name : names) {
        EXPECT_FALSE(sys::IsTempName(name)) << name << " left after recovery";
      }
    }
    // The next version written after recovery gets a fresh number and becomes current.
    auto next = after.AddVersion("mail", FilesFor("three"), MetaFor("03"));
    ASSERT_TRUE(next);
    EXPECT_EQ(after.CurrentVersion("mail").value()->meta.serial_hex, "03");
  }
}

TEST_F(StoreTest, RecoverAdoptsAWholeVersionStoredButNotSwitchedTo) {
  Store store(sys::RealFs(), root_);
  ASSERT_TRUE(store.AddVersion("mail", FilesFor("one"), MetaFor("01")));
  ASSERT_TRUE(store.AddVersion("mail", FilesFor("two"), MetaFor("02")));
  // Roll `current` back as if the switch to 2 never happened.
  ASSERT_TRUE(sys::RealFs().Remove(root_ + "/certs/mail/current"));
  ASSERT_TRUE(sys::RealFs().Symlink("versions/1", root_ + "/certs/mail/current"));
  EXPECT_EQ(store.Recover("mail").value(), 1);
  EXPECT_EQ(store.CurrentVersion("mail").value()->meta.number, 2);
}

TEST_F(StoreTest, StateRoundTripsAndMissingStateIsDefault) {
  Store store(sys::RealFs(), root_);
  auto empty = store.ReadState("mail");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->consecutive_failures, 0);
  LineageState state;
  state.request.names = {"mail.example.test"};
  state.request.key_type = "rsa2048";
  state.request.server = "https://127.0.0.1:14000/dir";
  state.consecutive_failures = 2;
  state.last_error = "connect failed";
  state.last_attempt = util::TimePoint(std::chrono::seconds(1700000000));
  ASSERT_TRUE(store.WriteState("mail", state));
  auto read = store.ReadState("mail");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->request.names, state.request.names);
  EXPECT_EQ(read->request.key_type, "rsa2048");
  EXPECT_EQ(read->consecutive_failures, 2);
  EXPECT_EQ(read->last_attempt, state.last_attempt);
  EXPECT_FALSE(read->last_success.has_value());
  EXPECT_TRUE(read->deploys.empty());
}

TEST_F(StoreTest, TheNextKeyIsKeptPrivatelyUntilRemoved) {
  Store store(sys::RealFs(), root_);
  auto none = store.ReadNextKey("mail");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store.WriteNextKey("mail", "-----BEGIN PRIVATE KEY-----\nx\n"));
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/certs/mail/next-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(store.ReadNextKey("mail").value(), "-----BEGIN PRIVATE KEY-----\nx\n");
  ASSERT_TRUE(store.RemoveNextKey("mail"));
  EXPECT_FALSE(store.ReadNextKey("mail").value().has_value());
  EXPECT_TRUE(store.RemoveNextKey("mail")) << "removing what is gone is no error";
  EXPECT_FALSE(store.WriteNextKey("../x", "k")) << "lineage names are checked";
}

TEST_F(StoreTest, TheLastDeployPerTargetRoundTrips) {
  Store store(sys::RealFs(), root_);
  LineageState state;
  state.request.names = {"mail.example.test"};
  DeployRecord postfix;
  postfix.at = util::TimePoint(std::chrono::seconds(1700000000));
  postfix.version = 3;
  postfix.fingerprint_sha256_hex = std::string(64, 'a');
  postfix.status = "deployed";
  DeployRecord nginx = postfix;
  nginx.status = "rolled-back";
  nginx.error = "127.0.0.1:443 still serves the previous certificate";
  state.deploys = {{"postfix", postfix}, {"nginx", nginx}};
  ASSERT_TRUE(store.WriteState("mail", state));
  auto read = store.ReadState("mail");
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->deploys.size(), 2u);
  EXPECT_TRUE(read->deploys.at("postfix").ok());
  EXPECT_EQ(read->deploys.at("postfix").version, 3);
  EXPECT_EQ(read->deploys.at("postfix").at, postfix.at);
  EXPECT_EQ(read->deploys.at("postfix").fingerprint_sha256_hex, postfix.fingerprint_sha256_hex);
  EXPECT_FALSE(read->deploys.at("nginx").ok());
  EXPECT_EQ(read->deploys.at("nginx").error, nginx.error);
}

TEST_F(StoreTest, ADeployRecordWithoutItsTimeNamesTheField) {
  Store store(sys::RealFs(), root_);
  ASSERT_TRUE(sys::RealFs().MakeDirs(root_ + "/certs/mail", 0700));
  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), root_ + "/certs/mail/state.json",
                                   R"({"deploys": {"postfix": {"status": "deployed"}}})", 0644));
  auto state = store.ReadState("mail");
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().message.find("deploys.postfix: field \"at\" is missing"),
            std::string::npos)
      << state.error().message;
}

TEST_F(StoreTest, CorruptStateNamesTheFile) {
  Store store(sys::RealFs(), root_);
  ASSERT_TRUE(sys::RealFs().MakeDirs(root_ + "/certs/mail", 0700));
  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), root_ + "/certs/mail/state.json", "{oops", 0644));
  auto state = store.ReadState("mail");
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(state.error().message.find(root_ + "/certs/mail/state.json"), std::string::npos);
}

TEST_F(StoreTest, LineageNamesAreValidated) {
  EXPECT_TRUE(Store::ValidateLineageName("mail.example.test"));
  EXPECT_FALSE(Store::ValidateLineageName("../etc"));
  EXPECT_FALSE(Store::ValidateLineageName(".hidden"));
  EXPECT_FALSE(Store::ValidateLineageName(""));
  EXPECT_FALSE(Store::ValidateLineageName("a/b"));
}

TEST_F(StoreTest, AccountsAreListedPerDirectoryNewestFirst) {
  Store store(sys::RealFs(), root_);
  const std::string directory = "https://127.0.0.1:14000/dir";
  auto dir = store.CreateAccountDir(directory, "a1", "ACCOUNT KEY");
  ASSERT_TRUE(dir);
  EXPECT_EQ(*dir, root_ + "/accounts/127.0.0.1_14000/a1");
  EXPECT_EQ(sys::RealFs().Stat(*dir + "/key.pem")->mode, 0600u);
  AccountRecord record;
  record.id = "a1";
  record.directory_url = directory;
  record.url = "https://127.0.0.1:14000/my-account/1";
  record.status = "valid";
  record.created = util::TimePoint(std::chrono::seconds(1700000000));
  ASSERT_TRUE(store.SaveAccount(*dir, record));
  auto accounts = store.ListAccounts(directory);
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ((*accounts)[0].record.url, record.url);
  EXPECT_EQ((*accounts)[0].key_pem, "ACCOUNT KEY");
  EXPECT_TRUE(store.ListAccounts("https://acme.example/dir").value().empty());

  ASSERT_TRUE(store.StageRolloverKey(*dir, "NEW KEY"));
  EXPECT_EQ(store.StagedRolloverKey(*dir).value().value(), "NEW KEY");
  ASSERT_TRUE(store.PromoteRolloverKey(*dir));
  EXPECT_FALSE(store.StagedRolloverKey(*dir).value().has_value());
  EXPECT_EQ(store.ListAccounts(directory).value()[0].key_pem, "NEW KEY");
}

TEST(DirectoryHostLabel, HostAndPort) {
  EXPECT_EQ(DirectoryHostLabel("https://acme-v02.api.letsencrypt.org/directory"),
            "acme-v02.api.letsencrypt.org");
  EXPECT_EQ(DirectoryHostLabel("https://127.0.0.1:14000/dir"), "127.0.0.1_14000");
  EXPECT_EQ(DirectoryHostLabel("https://[::1]:14000/dir"), "___1__14000");
}

}  // namespace
}  // namespace mailcert::store
