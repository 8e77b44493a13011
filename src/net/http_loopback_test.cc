// HttpServer and the curl HttpClient against each other over loopback (label: integration).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/test_process.h"
#include "util/strings.h"

namespace mailcert::net {
namespace {

using std::chrono::milliseconds;

// /echo answers with what it saw; /status/N with status N; /links with two Link fields;
// /redirect/N redirects N times before landing on /echo; /to?URL redirects to URL.
ServerResponse Handle(const ServerRequest& request) {
  ServerResponse response;
  const std::string& target = request.target;
  if (target.starts_with("/echo")) {
    response.status = 200;
    response.body =
        request.method + " " + target + " host=" + request.host + " body=" + request.body;
  } else if (target == "/header") {
    // The request's X-Api-Token and the method, so custom methods and headers are seen as sent.
    response.status = 200;
    response.body = request.method + " " + request.Header("x-api-token").value_or("(none)");
  } else if (target.starts_with("/status/")) {
    response.status = std::stoi(target.substr(8));
    response.body = "status";
  } else if (target == "/links") {
    response.status = 201;
    response.headers = {{"Link", "<https://x/dir>;rel=\"index\""},
                        {"Replay-Nonce", "abc"},
                        {"Link", "<https://x/acme/cert/1/1>;rel=\"alternate\""}};
  } else if (target.starts_with("/redirect/")) {
    int left = std::stoi(target.substr(10));
    response.status = 302;
    response.headers = {
        {"Location", left <= 1 ? "/echo" : "/redirect/" + std::to_string(left - 1)}};
  } else if (target.starts_with("/to?")) {
    response.status = 307;
    response.headers = {{"Location", target.substr(4)}};
  }
  return response;
}

class HttpLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = HttpServer::Start({"127.0.0.1:0"}, Handle);
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
    base_ = "http://" + server_->BoundAddresses().at(0);
    client_ = MakeClient({});
  }

  static std::unique_ptr<HttpClient> MakeClient(HttpClientOptions options) {
    options.user_agent = "mailcert-test/1";
    auto client = MakeHttpClient(options);
    EXPECT_TRUE(client) << client.error().ToString();
    return client ? std::move(*client) : nullptr;
  }

  util::Result<HttpResponse> Get(HttpClient& client, const std::string& url) {
    HttpRequest request;
    request.url = url;
    return client.Send(request);
  }

  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpLoopbackTest, GetPostHeadRoundTrip) {
  auto get = Get(*client_, base_ + "/echo/a?b=c");
  ASSERT_TRUE(get) << get.error().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /echo/a?b=c host=" + server_->BoundAddresses()[0] + " body=");
  EXPECT_EQ(get->Header("Content-Type"), "text/plain");
  EXPECT_EQ(get->Header("content-length"), std::to_string(get->body.size()));

  HttpRequest post;
  post.method = "POST";
  post.url = base_ + "/echo";
  post.headers = {{"Content-Type", "application/jose+json"}};
  post.body = std::string(3000, 'j');  // large enough that curl would have sent Expect
  auto started = std::chrono::steady_clock::now();
  auto posted = client_->Send(post);
  ASSERT_TRUE(posted) << posted.error().ToString();
  EXPECT_EQ(posted->body, "POST /echo host=" + server_->BoundAddresses()[0] + " body=" + post.body);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(500));

  HttpRequest head;
  head.method = "HEAD";
  head.url = base_ + "/echo";
  auto headed = client_->Send(head);
  ASSERT_TRUE(headed) << headed.error().ToString();
  EXPECT_EQ(headed->status, 200);
  EXPECT_TRUE(headed->body.empty());
  EXPECT_NE(headed->Header("content-length").value_or("0"), "0");
  EXPECT_EQ(client_->Stats().requests, 3u);
}

TEST_F(HttpLoopbackTest, HandlerSeesRequestHeadersAndCustomMethods) {
  // Fakes of DNS provider APIs check credentials in headers and answer PUT/PATCH/DELETE.
  for (const char* method : {"GET", "PUT", "PATCH", "DELETE"}) {
    HttpRequest request;
    request.method = method;
    request.url = base_ + "/header";
    request.headers = {{"X-API-Token", "t0k"}};
    auto response = client_->Send(request);
    ASSERT_TRUE(response) << response.error().ToString();
    EXPECT_EQ(response->body, std::string(method) + " t0k");
  }
}

TEST_F(HttpLoopbackTest, StatusCodesAreResultsNotErrors) {
  for (int status : {204, 400, 404, 429, 500, 503}) {
    auto response = Get(*client_, base_ + "/status/" + std::to_string(status));
    ASSERT_TRUE(response) << response.error().ToString();
    EXPECT_EQ(response->status, status);
  }
}

TEST_F(HttpLoopbackTest, RepeatedHeadersKeptInOrderWithLowercaseNames) {
  auto response = Get(*client_, base_ + "/links");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->Headers("LINK"),
            (std::vector<std::string>{"<https://x/dir>;rel=\"index\"",
                                      "<https://x/acme/cert/1/1>;rel=\"alternate\""}));
  EXPECT_EQ(response->Header("Replay-Nonce"), "abc");
  for (const auto& [name, value] : response->headers) {
    EXPECT_EQ(name, util::ToLower(name));
  }
}

TEST_F(HttpLoopbackTest, HundredConcurrentSendsFromTwentyThreads) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string path = "/echo/" + std::to_string(t) + "-" + std::to_string(i);
        auto response = Get(*client_, base_ + path);
        if (response && response->status == 200 && response->body.starts_with("GET " + path)) {
          ++ok;
        } else {
          ADD_FAILURE() << (response ? response->body : response.error().ToString());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(client_->Stats().requests, 100u);
}

TEST_F(HttpLoopbackTest, Ipv6Loopback) {
  auto server = HttpServer::Start({"[::1]:0"}, Handle);
  // IPv6 is part of what the HTTP-01 responder promises; a host without ::1 fails this test.
  ASSERT_TRUE(server) << "no IPv6 loopback here: " << server.error().ToString();
  std::string address = (*server)->BoundAddresses().at(0);
  EXPECT_TRUE(address.starts_with("[::1]:")) << address;
  auto response = Get(*client_, "http://" + address + "/echo");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->body, "GET /echo host=" + address + " body=");
}

TEST_F(HttpLoopbackTest, EveryAddressFormBindsBothFamiliesOnOnePort) {
  auto server = HttpServer::Start({":0"}, Handle);
  ASSERT_TRUE(server) << server.error().ToString();
  std::vector<std::string> bound = (*server)->BoundAddresses();
  ASSERT_GE(bound.size(), 1u);
  EXPECT_TRUE(bound[0].starts_with("0.0.0.0:")) << bound[0];
  std::string port = bound[0].substr(bound[0].rfind(':') + 1);
  auto v4 = Get(*client_, "http://127.0.0.1:" + port + "/echo");
  ASSERT_TRUE(v4) << v4.error().ToString();
  if (bound.size() == 2) {
    EXPECT_TRUE(bound[1].starts_with("[::]:")) << bound[1];
    auto v6 = Get(*client_, "http://[::1]:" + bound[1].substr(bound[1].rfind(':') + 1) + "/echo");
    ASSERT_TRUE(v6) << v6.error().ToString();
  }
}

TEST_F(HttpLoopbackTest, ConnectionRefusedNamesUrlAndReason) {
  int port = testing::FreeLoopbackPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/dir";
  auto response = Get(*client_, url);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, util::ErrorCode::kNetwork);
  EXPECT_EQ(response.error().message, "connect to " + url + ": Connection refused");
}

TEST_F(HttpLoopbackTest, SilentServerTimesOut) {
  // A listening socket that never accepts: the kernel completes the handshake, nobody answers.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);

  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/slow";
  request.timeout = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  auto response = client_->Send(request);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ::close(fd);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, util::ErrorCode::kTimeout) << response.error().ToString();
  EXPECT_NE(response.error().message.find(request.url), std::string::npos);
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST_F(HttpLoopbackTest, RedirectsAreNotFollowedByDefault) {
  auto response = Get(*client_, base_ + "/redirect/1");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->Header("location"), "/echo");
}

TEST_F(HttpLoopbackTest, RedirectsFollowedWhenAskedWithinLimits) {
  HttpClientOptions options;
  options.follow_redirects = true;
  options.max_redirects = 3;
  auto client = MakeClient(options);

  HttpRequest post;
  post.method = "POST";
  post.url = base_ + "/redirect/3";
  post.body = "payload";
  auto landed = client->Send(post);
  ASSERT_TRUE(landed) << landed.error().ToString();
  EXPECT_EQ(landed->status, 200);
  EXPECT_TRUE(landed->body.starts_with("GET /echo")) << landed->body;  // 302: POST became GET
  EXPECT_EQ(client->Stats().requests, 4u);

  auto too_many = Get(*client, base_ + "/redirect/4");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, util::ErrorCode::kNetwork);
  EXPECT_NE(too_many.error().message.find("more than 3 redirects"), std::string::npos);

  auto bad_scheme = Get(*client, base_ + "/to?ftp://127.0.0.1/x");
  ASSERT_FALSE(bad_scheme);
  EXPECT_NE(bad_scheme.error().message.find("only http and https"), std::string::npos);
}

TEST_F(HttpLoopbackTest, RedirectsOnlyToWebPortsWhenAsked) {
  HttpClientOptions options;
  options.follow_redirects = true;
  options.redirects_only_to_web_ports = true;
  auto client = MakeClient(options);
  // Our server is not on 80 or 443, so even a same-origin redirect is refused, as a CA would.
  auto response = Get(*client, base_ + "/redirect/1");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, util::ErrorCode::kNetwork);
  EXPECT_NE(response.error().message.find("only ports 80 and 443"), std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find(base_ + "/echo"), std::string::npos);
}

TEST_F(HttpLoopbackTest, OversizedBodyIsAnError) {
  HttpClientOptions options;
  options.max_response_body = 10;
  auto client = MakeClient(options);
  auto response = Get(*client, base_ + "/echo/long-enough");
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("larger than 10 bytes"), std::string::npos)
      << response.error().message;
}

// Raw socket helpers for the server's side of the protocol.
int ConnectTo(const std::string& bound) {
  size_t colon = bound.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::stoi(bound.substr(colon + 1))));
  inet_pton(AF_INET, bound.substr(0, colon).c_str(), &address.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string ReadAll(int fd) {
  std::string data;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<size_t>(n));
  return data;
}

TEST_F(HttpLoopbackTest, ServerAnswersBadRequestsWith400) {
  int fd = ConnectTo(server_->BoundAddresses()[0]);
  ASSERT_GE(fd, 0);
  std::string garbage = "HELLO\r\n\r\n";
  ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  std::string reply = ReadAll(fd);
  ::close(fd);
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400 Bad Request\r\n")) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(HttpLoopbackTest, ServerServesManySimultaneousConnections) {
  // As when a CA validates 100 names of an order from several vantage points at once: every
  // connection is open before any request is sent.
  constexpr int kConnections = 200;
  std::vector<int> fds;
  for (int i = 0; i < kConnections; ++i) {
    int fd = ConnectTo(server_->BoundAddresses()[0]);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  for (int i = 0; i < kConnections; ++i) {
    std::string request = "GET /echo/" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    ASSERT_EQ(::write(fds[i], request.data(), request.size()),
              static_cast<ssize_t>(request.size()));
  }
  for (int i = 0; i < kConnections; ++i) {
    std::string reply = ReadAll(fds[i]);
    ::close(fds[i]);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200 OK\r\n")) << reply;
    EXPECT_TRUE(reply.ends_with("GET /echo/" + std::to_string(i) + " host=h body=")) << reply;
  }
}

TEST(HttpServerStart, AddressErrors) {
  auto unparsable = HttpServer::Start({"mail.example:80"}, Handle);
  ASSERT_FALSE(unparsable);
  EXPECT_EQ(unparsable.error().code, util::ErrorCode::kInvalidInput);

  auto first = HttpServer::Start({"127.0.0.1:0"}, Handle);
  ASSERT_TRUE(first) << first.error().ToString();
  std::string taken = (*first)->BoundAddresses().at(0);
  auto second = HttpServer::Start({taken}, Handle);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, util::ErrorCode::kIo);
  EXPECT_EQ(second.error().message, "listen on " + taken + ": Address already in use");
}

}  // namespace
}  // namespace mailcert::net
