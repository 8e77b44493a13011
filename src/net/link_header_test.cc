#include "net/link_header.h"

#include <gtest/gtest.h>

namespace mailcert::net {
namespace {

struct ResolveCase {
  const char* reference;
  const char* expected;
};

// RFC 3986 §5.4.1 (normal) and §5.4.2 (abnormal) examples, base "http://a/b/c/d;p?q".
TEST(ResolveUrl, Rfc3986Examples) {
  const ResolveCase cases[] = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      // §5.4.2
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http:g"},  // strict parser
  };
  for (const ResolveCase& c : cases) {
    EXPECT_EQ(ResolveUrl("http://a/b/c/d;p?q", c.reference), c.expected) << c.reference;
  }
}

TEST(ResolveUrl, AcmeShapes) {
  const std::string base = "https://acme.example:14000/acme/order/abc";
  EXPECT_EQ(ResolveUrl(base, "https://other.example/dir"), "https://other.example/dir");
  EXPECT_EQ(ResolveUrl(base, "//cdn.example/x"), "https://cdn.example/x");
  EXPECT_EQ(ResolveUrl(base, "/dir"), "https://acme.example:14000/dir");
  EXPECT_EQ(ResolveUrl(base, "../cert/1"), "https://acme.example:14000/acme/cert/1");
  EXPECT_EQ(ResolveUrl(base, "cert/1?x=1"), "https://acme.example:14000/acme/order/cert/1?x=1");
  EXPECT_EQ(ResolveUrl("https://host", "x"), "https://host/x");  // §5.2.3 empty base path
  EXPECT_EQ(ResolveUrl("", "/x"), "/x");                         // no base: unchanged
}

TEST(ParseLinks, AcmeAlternateAndIndex) {
  std::vector<Link> links =
      ParseLinks({"<https://x/acme/cert/1/1>;rel=\"alternate\"", "<https://x/dir>;rel=\"index\""},
                 "https://x/acme/cert/1");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].target, "https://x/acme/cert/1/1");
  EXPECT_EQ(links[0].rel, "alternate");
  EXPECT_EQ(links[1].target, "https://x/dir");
  EXPECT_EQ(links[1].rel, "index");
  EXPECT_EQ(LinksWithRel(links, "index"), std::vector<std::string>{"https://x/dir"});
  EXPECT_EQ(LinksWithRel(links, "ALTERNATE"), std::vector<std::string>{"https://x/acme/cert/1/1"});
  EXPECT_TRUE(LinksWithRel(links, "up").empty());
}

TEST(ParseLinks, TwoLinksInOneValue) {
  std::vector<Link> links = ParseLinks(
      {"<https://x/acme/cert/1/1>;rel=\"alternate\", <https://x/acme/cert/1/2>; rel=alternate"},
      "https://x/acme/cert/1");
  EXPECT_EQ(LinksWithRel(links, "alternate"),
            (std::vector<std::string>{"https://x/acme/cert/1/1", "https://x/acme/cert/1/2"}));
}

TEST(ParseLinks, CommasAndSemicolonsInsideTargetsAndQuotes) {
  std::vector<Link> links = ParseLinks({R"(<https://x/a,b;c>; title="one, two; three"; rel="up", )"
                                        R"(</tos?a=1,2>;rel=terms-of-service)"},
                                       "https://x/base");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].target, "https://x/a,b;c");
  EXPECT_EQ(links[0].rel, "up");
  EXPECT_EQ(links[1].target, "https://x/tos?a=1,2");
  EXPECT_EQ(links[1].rel, "terms-of-service");
}

TEST(ParseLinks, SeveralRelsAndCase) {
  // RFC 8288 §3.3: several relation types in one rel; only the first rel parameter counts.
  std::vector<Link> links =
      ParseLinks({"<https://x/y>; REL=\"Index  Up\"; rel=alternate"}, "https://x/");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].rel, "index");
  EXPECT_EQ(links[1].rel, "up");
}

TEST(ParseLinks, RelativeTargetsResolveAgainstRequestUrl) {
  std::vector<Link> links =
      ParseLinks({"<../dir>;rel=index", "</up>;rel=\"up\""}, "https://x:14000/acme/order/1");
  EXPECT_EQ(LinksWithRel(links, "index"), std::vector<std::string>{"https://x:14000/acme/dir"});
  EXPECT_EQ(LinksWithRel(links, "up"), std::vector<std::string>{"https://x:14000/up"});
}

TEST(ParseLinks, QuotedPairsAndMalformedInput) {
  std::vector<Link> links = ParseLinks(
      {R"(<https://x/q>; title="a \"quoted\" word"; rel="index")", "garbage, <https://x/ok>;rel=up",
       "<https://x/norel>; title=x", "<https://x/unterminated; rel=up", "", " , ,"},
      "https://x/");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].target, "https://x/q");
  EXPECT_EQ(links[1].target, "https://x/ok");
}

}  // namespace
}  // namespace mailcert::net
