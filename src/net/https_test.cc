// The curl HttpClient against real TLS servers from Debian (label: integration):
// `openssl s_server` for trust decisions, pebble (Go's HTTP/2 server) for multiplexing.
// The fixture makes a throwaway CA and server certificate with the openssl CLI.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "net/http_client.h"
#include "net/test_process.h"

namespace mailcert::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A CA (EC P-256, so it is quick) and a certificate for 127.0.0.1 and localhost signed by it.
bool MakeCa(const testing::TempDir& dir, const std::string& name) {
  return testing::RunShell("cd " + dir.path() +
                           " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
                           " -nodes -keyout " +
                           name + ".key -out " + name + ".pem -subj '/CN=mailcert test " + name +
                           "' -days 2 -addext basicConstraints=critical,CA:TRUE"
                           " -addext keyUsage=critical,keyCertSign >/dev/null 2>&1") == 0;
}

bool MakeServerCertificate(const testing::TempDir& dir) {
  testing::WriteFile(dir.File("ext.cnf"),
                     "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                     "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  return testing::RunShell(
             "cd " + dir.path() +
             " && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
             " -keyout server.key -out server.csr -subj /CN=localhost >/dev/null 2>&1"
             " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
             " -out server.pem -days 2 -extfile ext.cnf >/dev/null 2>&1") == 0;
}

class HttpsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    ASSERT_FALSE(dir_->path().empty());
    ASSERT_TRUE(MakeCa(*dir_, "ca")) << "openssl CLI failed";
    ASSERT_TRUE(MakeCa(*dir_, "other-ca"));
    ASSERT_TRUE(MakeServerCertificate(*dir_));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Starts `openssl s_server -www` on an ephemeral loopback port; returns its base URL.
  std::string StartSServer() {
    server_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", dir_->File("server.pem"), "-key",
        dir_->File("server.key"), "-www"});
    std::string line = server_->WaitForOutput("ACCEPT ", seconds(10));
    if (line.empty()) return "";
    return "https://" + line.substr(line.find(' ') + 1);
  }

  static std::unique_ptr<HttpClient> Client(const std::string& ca_bundle) {
    HttpClientOptions options;
    options.user_agent = "mailcert-test/1";
    options.extra_ca_bundle_file = ca_bundle;
    auto client = MakeHttpClient(options);
    EXPECT_TRUE(client) << client.error().ToString();
    return client ? std::move(*client) : nullptr;
  }

  static util::Result<HttpResponse> Get(HttpClient& client, const std::string& url) {
    HttpRequest request;
    request.url = url;
    request.timeout = seconds(10);
    return client.Send(request);
  }

  static testing::TempDir* dir_;
  std::unique_ptr<testing::ChildProcess> server_;
};

testing::TempDir* HttpsTest::dir_ = nullptr;

TEST_F(HttpsTest, TrustsServerSignedByExtraCaBundle) {
  std::string base = StartSServer();
  ASSERT_FALSE(base.empty()) << "openssl s_server did not start: " << server_->output();
  auto client = Client(dir_->File("ca.pem"));
  ASSERT_TRUE(client);
  auto response = Get(*client, base + "/");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("s_server"), std::string::npos) << response->body;
  EXPECT_EQ(client->Stats().connections_opened, 1u);
}

TEST_F(HttpsTest, SystemStoreAloneRejectsPrivateCaWithHint) {
  // No extra bundle: only the system store (CAPATH) is trusted, and the whole-bundle default
  // (CAINFO) is switched off; the handshake must still fail verification, never pass.
  std::string base = StartSServer();
  ASSERT_FALSE(base.empty()) << "openssl s_server did not start: " << server_->output();
  auto client = Client("");
  ASSERT_TRUE(client);
  auto response = Get(*client, base + "/dir");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, util::ErrorCode::kNetwork);
  const std::string& message = response.error().message;
  EXPECT_TRUE(message.starts_with("connect to " + base + "/dir: ")) << message;
  EXPECT_NE(message.find("certificate could not be verified"), std::string::npos) << message;
  EXPECT_NE(message.find("pass its CA with --ca-bundle FILE"), std::string::npos) << message;
}

TEST_F(HttpsTest, UnrelatedCaBundleDoesNotHelp) {
  std::string base = StartSServer();
  ASSERT_FALSE(base.empty()) << "openssl s_server did not start: " << server_->output();
  auto client = Client(dir_->File("other-ca.pem"));
  ASSERT_TRUE(client);
  auto response = Get(*client, base + "/");
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("could not be verified"), std::string::npos)
      << response.error().message;
}

TEST_F(HttpsTest, BogusCaBundleIsRejectedAtConstruction) {
  testing::WriteFile(dir_->File("bogus.pem"), "this is not a certificate\n");
  HttpClientOptions options;
  options.extra_ca_bundle_file = dir_->File("bogus.pem");
  auto bogus = MakeHttpClient(options);
  ASSERT_FALSE(bogus);
  EXPECT_EQ(bogus.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(bogus.error().message.find(dir_->File("bogus.pem")), std::string::npos);
  EXPECT_NE(bogus.error().message.find("no PEM certificate"), std::string::npos);
  EXPECT_NE(bogus.error().message.find("--ca-bundle"), std::string::npos);

  options.extra_ca_bundle_file = dir_->File("missing.pem");
  auto missing = MakeHttpClient(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kInvalidInput);
  EXPECT_NE(missing.error().message.find("No such file or directory"), std::string::npos);

  options.extra_ca_bundle_file = dir_->path();
  auto directory = MakeHttpClient(options);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code, util::ErrorCode::kInvalidInput);
}

// pebble serves HTTP/2 (Go's net/http offers h2 in ALPN): concurrent requests from many threads
// must share one TLS connection.
TEST_F(HttpsTest, ConcurrentRequestsMultiplexOnOneHttp2Connection) {
  ASSERT_EQ(testing::RunShell("command -v pebble >/dev/null"), 0)
      << "pebble not found: install it with scripts/install-deps.sh (Debian package pebble)";
  int port = testing::FreeLoopbackPort();
  int management_port = testing::FreeLoopbackPort();
  testing::WriteFile(
      dir_->File("pebble.json"),
      "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + std::to_string(port) +
          "\", \"managementListenAddress\": \"127.0.0.1:" + std::to_string(management_port) +
          "\", \"certificate\": \"" + dir_->File("server.pem") + "\", \"privateKey\": \"" +
          dir_->File("server.key") +
          "\", \"httpPort\": 5002, \"tlsPort\": 5001, \"ocspResponderURL\": \"\"}}");
  testing::ChildProcess pebble({"pebble", "-config", dir_->File("pebble.json")});
  ASSERT_FALSE(pebble.WaitForOutput("Listening on:", seconds(20)).empty()) << pebble.output();
  ASSERT_TRUE(testing::WaitForPort(port, seconds(5)));

  auto client = Client(dir_->File("ca.pem"));
  ASSERT_TRUE(client);
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/dir";
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto response = Get(*client, url);
        if (response && response->status == 200 &&
            response->body.find("newNonce") != std::string::npos) {
          ++ok;
        } else {
          ADD_FAILURE() << (response ? response->body : response.error().ToString());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 100);
  HttpClientStats stats = client->Stats();
  EXPECT_EQ(stats.requests, 100u);
  EXPECT_EQ(stats.connections_opened, 1u);
}

}  // namespace
}  // namespace mailcert::net
