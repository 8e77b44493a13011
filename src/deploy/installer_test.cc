#include "deploy/installer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "crypto/test_ca.h"
#include "crypto/x509.h"
#include "sys/fault_fs.h"

namespace mailcert::deploy {
namespace {

using crypto::testing::TestCa;

struct Pki {
  TestCa root = TestCa::CreateRoot().value();
  Material Issue(std::vector<std::string> names, crypto::testing::CertOptions options = {}) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEc256).value();
    if (options.names.empty()) options.names = names;
    std::string der = root.IssueLeaf(key, options).value();
    Material material;
    material.lineage = "mail";
    material.names = std::move(names);
    material.key_type = "ec256";
    material.files.key_pem = key.ToPem().value();
    material.files.cert_pem = crypto::DerToPem(der);
    material.files.fullchain_pem = material.files.cert_pem;
    return material;
  }
};

TEST(Validate, AcceptsAGoodCertificateAndRefusesEachKindOfBadOne) {
  Pki pki;
  const auto now = std::chrono::system_clock::now();
  Material good = pki.Issue({"mail.example.org"});
  EXPECT_TRUE(ValidateMaterial(good, pki.root.cert_pem(), now));

  Material wrong_key = good;
  wrong_key.files.key_pem = pki.Issue({"mail.example.org"}).files.key_pem;
  auto mismatch = ValidateMaterial(wrong_key, pki.root.cert_pem(), now);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("key does not match"), std::string::npos);

  Material uncovered = good;
  uncovered.names = {"mail.example.org", "imap.example.org"};
  auto names = ValidateMaterial(uncovered, pki.root.cert_pem(), now);
  ASSERT_FALSE(names);
  EXPECT_NE(names.error().message.find("does not cover imap.example.org"), std::string::npos);

  crypto::testing::CertOptions expired;
  expired.not_before = now - std::chrono::hours(24 * 100);
  expired.not_after = now - std::chrono::hours(24);
  auto old = ValidateMaterial(pki.Issue({"mail.example.org"}, expired), pki.root.cert_pem(), now);
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("expired"), std::string::npos) << old.error().message;

  Pki other;
  auto untrusted = ValidateMaterial(good, other.root.cert_pem(), now);
  ASSERT_FALSE(untrusted);
  EXPECT_NE(untrusted.error().message.find("chain does not verify"), std::string::npos);
}

class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-deploy-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { (void)sys::RealFs().RemoveAll(dir_); }
  std::string dir_;
};

TEST_F(InstallTest, WritesOnlyWhatDiffersWithModesAndRestoresByteForByte) {
  Layout layout;
  layout.files = {{dir_ + "/a/cert.pem", "CERT v2", 0644}, {dir_ + "/a/key.pem", "KEY v2", 0600}};
  ASSERT_TRUE(sys::RealFs().MakeDirs(dir_ + "/a", 0755));
  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), dir_ + "/a/cert.pem", "CERT v1", 0644));

  sys::FaultFs fs(sys::RealFs());
  auto installed = Install(fs, layout, {});
  ASSERT_TRUE(installed) << installed.error().ToString();
  EXPECT_EQ(installed->written.size(), 2u);
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/a/key.pem").value(), "KEY v2");
  EXPECT_EQ(sys::RealFs().Stat(dir_ + "/a/key.pem")->mode, 0600u);

  auto again = Install(fs, layout, {});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed()) << "identical content and mode: nothing written";
  EXPECT_EQ(again->unchanged.size(), 2u);

  ASSERT_TRUE(Restore(sys::RealFs(), *installed));
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/a/cert.pem").value(), "CERT v1");
  EXPECT_EQ(sys::RealFs().Stat(dir_ + "/a/key.pem").error().code, util::ErrorCode::kNotFound)
      << "a file that did not exist before is removed again";
}

// A failure at any step of an install (disk full, permission) leaves every file as it was.
TEST_F(InstallTest, FailureAtAnyStepLeavesTheTargetExactlyAsItWas) {
  Layout layout;
  auto reset = [&] {
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), dir_ + "/f" + std::to_string(i),
                                       "old " + std::to_string(i), 0644));
    }
  };
  for (int i = 0; i < 4; ++i) {
    layout.files.push_back({dir_ + "/f" + std::to_string(i), "new " + std::to_string(i), 0600});
  }
  reset();
  sys::FaultFs counter(sys::RealFs());
  ASSERT_TRUE(Install(counter, layout, {}));
  const int steps = counter.step_count();
  ASSERT_GE(steps, 12);  // per file: mkdir, write temp, rename, sync
  for (int fail_at = 1; fail_at <= steps; ++fail_at) {
    reset();
    sys::FaultFs failing(sys::RealFs());
    failing.FailOnlyStep(fail_at);
    auto result = Install(failing, layout, {});
    EXPECT_FALSE(result) << "step " << fail_at << " (" << failing.steps()[fail_at - 1]
                         << ") should fail the install";
    for (int i = 0; i < 4; ++i) {
      const std::string path = dir_ + "/f" + std::to_string(i);
      EXPECT_EQ(sys::RealFs().ReadFile(path).value(), "old " + std::to_string(i))
          << "failing step " << fail_at << " left " << path << " changed";
      EXPECT_EQ(sys::RealFs().Stat(path)->mode, 0644u);
    }
    const std::vector<std::string> names = sys::RealFs().ListDir(dir_).value();
    for (const auto& name : names) {
      EXPECT_FALSE(sys::IsTempName(name)) << name << " left behind at step " << fail_at;
    }
  }
}

TEST_F(InstallTest, SymlinksAreReplacedByRealFilesAndStaleDirsRemoved) {
  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), dir_ + "/target", "CERT v1", 0644));
  ASSERT_TRUE(sys::RealFs().Symlink(dir_ + "/target", dir_ + "/cert.pem"));
  ASSERT_TRUE(sys::RealFs().MakeDirs(dir_ + "/stale.example.com", 0755));
  ASSERT_TRUE(sys::WriteFileAtomic(sys::RealFs(), dir_ + "/stale.example.com/cert.pem", "OLD",
                                   0644));
  Layout layout;
  layout.files = {{dir_ + "/cert.pem", "CERT v1", 0644}};
  layout.remove_dirs = {dir_ + "/stale.example.com"};
  auto installed = Install(sys::RealFs(), layout, {});
  ASSERT_TRUE(installed) << installed.error().ToString();
  EXPECT_FALSE(sys::RealFs().Stat(dir_ + "/cert.pem")->is_symlink);
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/cert.pem").value(), "CERT v1");
  EXPECT_EQ(sys::RealFs().Stat(dir_ + "/stale.example.com").error().code,
            util::ErrorCode::kNotFound);
  ASSERT_TRUE(Restore(sys::RealFs(), *installed));
  EXPECT_EQ(sys::RealFs().ReadFile(dir_ + "/stale.example.com/cert.pem").value(), "OLD");
}

}  // namespace
}  // namespace mailcert::deploy
