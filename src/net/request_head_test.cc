#include "net/request_head.h"

#include <gtest/gtest.h>

namespace mailcert::net {
namespace {

using State = HeadScan::State;

TEST(ScanRequestHead, CompleteGet) {
  std::string text =
      "GET /.well-known/acme-challenge/tok HTTP/1.1\r\nHost: mail.example\r\nAccept: */*\r\n\r\n";
  HeadScan scan = ScanRequestHead(text);
  ASSERT_EQ(scan.state, State::kComplete);
  EXPECT_EQ(scan.head.method, "GET");
  EXPECT_EQ(scan.head.target, "/.well-known/acme-challenge/tok");
  EXPECT_EQ(scan.head.host, "mail.example");
  EXPECT_EQ(scan.head.content_length, 0u);
  EXPECT_EQ(scan.head_size, text.size());
  using Field = std::pair<std::string, std::string>;
  EXPECT_EQ(scan.head.fields,
            (std::vector<Field>{{"host", "mail.example"}, {"accept", "*/*"}}));
}

TEST(ScanRequestHead, IncompleteUntilBlankLine) {
  EXPECT_EQ(ScanRequestHead("").state, State::kIncomplete);
  EXPECT_EQ(ScanRequestHead("GET / HTTP/1.1\r\nHost: a\r\n").state, State::kIncomplete);
  EXPECT_EQ(ScanRequestHead("GET / HTTP/1.1\r\nHost: a\r\n\r").state, State::kIncomplete);
}

TEST(ScanRequestHead, BareLfLeadingEmptyLinesAndBody) {
  HeadScan scan = ScanRequestHead("\r\nPOST /x HTTP/1.0\nContent-Length: 5\n\nhello");
  ASSERT_EQ(scan.state, State::kComplete);
  EXPECT_EQ(scan.head.method, "POST");
  EXPECT_EQ(scan.head.content_length, 5u);
  EXPECT_EQ(scan.head_size, std::string("\r\nPOST /x HTTP/1.0\nContent-Length: 5\n\n").size());
}

TEST(ScanRequestHead, Rejections) {
  struct Case {
    const char* text;
    int status;
  };
  const Case cases[] = {
      {"GET /\r\n\r\n", 400},                                 // no version
      {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},            // double space
      {"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},             // method not a token
      {"GET / HTTP/1.1\r\n\r\n", 400},                        // HTTP/1.1 without Host
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},  // two Hosts
      {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},            // space before colon
      {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},  // obs-fold
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\n\r\n", 413},
      {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
  };
  for (const Case& c : cases) {
    HeadScan scan = ScanRequestHead(c.text);
    EXPECT_EQ(scan.state, State::kRejected) << c.text;
    EXPECT_EQ(scan.status, c.status) << c.text;
  }
}

TEST(ScanRequestHead, BinaryIsRejectedWithoutWaitingForALineEnd) {
  const char kClientHello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
  HeadScan scan = ScanRequestHead(std::string_view(kClientHello, sizeof kClientHello - 1));
  EXPECT_EQ(scan.state, State::kRejected);
  EXPECT_EQ(scan.status, 400);
}

TEST(ScanRequestHead, TooLargeHead) {
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(kMaxRequestHead, 'a');
  HeadScan scan = ScanRequestHead(text);
  EXPECT_EQ(scan.state, State::kRejected);
  EXPECT_EQ(scan.status, 431);
  // Still incomplete (not rejected) while within the limit.
  EXPECT_EQ(ScanRequestHead(text.substr(0, kMaxRequestHead - 10)).state, State::kIncomplete);
}

TEST(FormatResponse, HeadersAndHeadOnly) {
  EXPECT_EQ(FormatResponse(200, "text/plain", {}, "tok.thumb", false),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
            "Connection: close\r\n\r\ntok.thumb");
  EXPECT_EQ(FormatResponse(404, "text/plain", {}, "nope", true),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_EQ(ReasonPhrase(299), "");
  EXPECT_EQ(FormatResponse(302, "",
                           {{"Location", "/x"},
                            {"Link", "<a>;rel=up"},
                            {"Link", "<b>;rel=up"},
                            {"X-Bad", "a\r\nInjected: 1"},
                            {"Content-Length", "99"}},
                           "", false),
            "HTTP/1.1 302 Found\r\nLocation: /x\r\nLink: <a>;rel=up\r\nLink: <b>;rel=up\r\n"
            "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

}  // namespace
}  // namespace mailcert::net
