#include "util/strings.h"

#include <gtest/gtest.h>

namespace mailcert::util {
namespace {

TEST(Strings, SplitKeepsEmptyFields) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
}

TEST(Strings, TrimLowerJoinHex) {
  EXPECT_EQ(Trim("  x y \t\n"), "x y");
  EXPECT_EQ(ToLower("Mail.Example.TEST"), "mail.example.test");
  EXPECT_TRUE(EqualsIgnoreCase("Retry-After", "retry-after"));
  EXPECT_EQ(Join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(HexEncode(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(HexDecode("00abFF"), std::string("\x00\xab\xff", 3));
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_FALSE(HexDecode("abc")) << "odd length";
  EXPECT_FALSE(HexDecode("0g")) << "not a hex digit";
}

TEST(Strings, QuoteEscapesControlCharacters) {
  EXPECT_EQ(Quote("a\"b\n"), "\"a\\\"b\\x0a\"");
}

}  // namespace
}  // namespace mailcert::util
