#include "dns/name.h"

#include <gtest/gtest.h>

namespace mailcert::dns {
namespace {

TEST(NameTest, NormalizesCaseAndTrailingDot) {
  EXPECT_EQ(NormalizeName("Mail.Example.COM.").value(), "mail.example.com");
  EXPECT_EQ(NormalizeName("  example.com ").value(), "example.com");
  EXPECT_EQ(NormalizeName("_acme-challenge.example.com").value(), "_acme-challenge.example.com");
  EXPECT_EQ(NormalizeName("*.example.com").value(), "*.example.com");
  EXPECT_EQ(NormalizeName("xn--bcher-kva.example").value(), "xn--bcher-kva.example");
  EXPECT_EQ(NormalizeName(".").value(), ".");
}

TEST(NameTest, RejectsWhatIsNoName) {
  for (const char* bad :
       {"", "a..b", ".a", "a b.com", "a/b.com", "x.*.com", "a*.com", "bücher.example", "a\\.b"}) {
    auto result = NormalizeName(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code, util::ErrorCode::kInvalidInput);
    EXPECT_NE(result.error().message.find("invalid DNS name"), std::string::npos);
  }
  EXPECT_FALSE(NormalizeName(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(NormalizeName(std::string(63, 'a') + ".com"));
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "com";  // 253 characters
  EXPECT_TRUE(NormalizeName(long_name));
  EXPECT_FALSE(NormalizeName("x" + long_name));
}

TEST(NameTest, Parents) {
  EXPECT_EQ(ParentName("a.b.c"), "b.c");
  EXPECT_EQ(ParentName("b.c"), "c");
  EXPECT_EQ(ParentName("c"), ".");
  EXPECT_EQ(ParentName("."), ".");
}

TEST(NameTest, WithinComparesWholeLabels) {
  EXPECT_TRUE(IsWithin("a.example.com", "example.com"));
  EXPECT_TRUE(IsWithin("example.com", "example.com"));
  EXPECT_TRUE(IsWithin("A.Example.com", "example.COM"));
  EXPECT_TRUE(IsWithin("example.com", "."));
  EXPECT_FALSE(IsWithin("xexample.com", "example.com"));
  EXPECT_FALSE(IsWithin("com", "example.com"));
}

TEST(NameTest, ChallengeNames) {
  EXPECT_TRUE(IsWildcard("*.example.com"));
  EXPECT_FALSE(IsWildcard("example.com"));
  EXPECT_EQ(StripWildcard("*.example.com"), "example.com");
  // RFC 8555 §8.4: a wildcard and its base share one TXT name.
  EXPECT_EQ(AcmeChallengeName("*.example.com"), "_acme-challenge.example.com");
  EXPECT_EQ(AcmeChallengeName("example.com"), "_acme-challenge.example.com");
  EXPECT_EQ(AbsoluteName("example.com"), "example.com.");
  EXPECT_EQ(AbsoluteName("example.com."), "example.com.");
  EXPECT_EQ(AbsoluteName("."), ".");
}

}  // namespace
}  // namespace mailcert::dns
