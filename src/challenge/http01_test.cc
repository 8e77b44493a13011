#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "challenge/http01.h"
#include "sys/fault_fs.h"

namespace mailcert::challenge {
namespace {

class WebrootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-webroot-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    webroot_ = pattern;
  }
  void TearDown() override {
    ::chmod(webroot_.c_str(), 0700);
    (void)sys::RealFs().RemoveAll(webroot_);
  }
  std::string webroot_;
};

TEST_F(WebrootTest, WritesTokenReadableByTheWebServerAndRemovesIt) {
  sys::FaultFs fs(sys::RealFs());
  Http01Webroot solver(fs, webroot_);
  ASSERT_TRUE(solver.Prepare());
  ChallengeTask task{"mail.example.test", "http-01", "tok_EN-1", "tok_EN-1.thumb"};
  ASSERT_TRUE(solver.Present(task));
  const std::string path = webroot_ + "/.well-known/acme-challenge/tok_EN-1";
  EXPECT_EQ(sys::RealFs().ReadFile(path).value(), "tok_EN-1.thumb");
  EXPECT_EQ(sys::RealFs().Stat(path)->mode, 0644u);
  ASSERT_TRUE(solver.CleanUp(task));
  EXPECT_EQ(sys::RealFs().Stat(path).error().code, util::ErrorCode::kNotFound);
  EXPECT_EQ(fs.steps().back(), "remove " + path);
}

TEST_F(WebrootTest, MissingOrReadOnlyWebrootIsRefusedBeforeAnyOrder) {
  Http01Webroot missing(sys::RealFs(), webroot_ + "/nope");
  auto not_dir = missing.Prepare();
  ASSERT_FALSE(not_dir);
  EXPECT_NE(not_dir.error().message.find(webroot_ + "/nope is not a directory"),
            std::string::npos);

  // /sys refuses new directories even to root (CI runs as root, so chmod would prove nothing).
  Http01Webroot read_only(sys::RealFs(), "/sys");
  auto prepared = read_only.Prepare();
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().message.rfind("webroot /sys is not writable: ", 0), 0u)
      << prepared.error().message;
  EXPECT_NE(prepared.error().message.find("Operation not permitted"), std::string::npos);
}

TEST(Tokens, OnlyBase64UrlTokensAreAccepted) {
  EXPECT_TRUE(IsValidToken("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"));
  EXPECT_FALSE(IsValidToken("../../etc/passwd"));
  EXPECT_FALSE(IsValidToken(""));
  EXPECT_FALSE(IsValidToken("a/b"));
}

}  // namespace
}  // namespace mailcert::challenge
