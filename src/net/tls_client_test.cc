// TlsClientStream against `openssl s_server` (Debian's openssl CLI) and against raw loopback
// sockets the test controls byte by byte (label: integration). Certificates come from the
// test CA of crypto/test_ca.h.

#include "net/tls_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "crypto/test_ca.h"
#include "crypto/x509.h"
#include "net/test_process.h"

namespace mailcert::net {
namespace {

using crypto::testing::CertOptions;
using crypto::testing::TestCa;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A listening socket on 127.0.0.1 whose accepted connection the test drives by hand.
class RawListener {
 public:
  RawListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0 && listen(fd_, 4) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~RawListener() { close(fd_); }
  int port() const { return port_; }
  // The kernel completes the TCP handshake before accept(), so the client is connected already.
  // The caller closes the returned socket.
  int Accept() { return accept(fd_, nullptr, nullptr); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

struct PemPair {
  std::string cert_file;
  std::string key_file;
  std::string der;
};

class TlsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    auto ca = TestCa::CreateRoot("tls client test root");
    ASSERT_TRUE(ca) << ca.error().ToString();
    const auto now = std::chrono::system_clock::now();
    ec_ = new PemPair(Issue(*ca, "ec", crypto::KeyType::kEc256, Names({"localhost"})));
    rsa_ = new PemPair(Issue(*ca, "rsa", crypto::KeyType::kRsa2048, Names({"localhost"})));
    CertOptions expired = Names({"localhost"});
    expired.not_before = now - std::chrono::hours(24 * 30);
    expired.not_after = now - std::chrono::hours(24);
    expired_ = new PemPair(Issue(*ca, "expired", crypto::KeyType::kEc256, expired));
    other_ = new PemPair(Issue(*ca, "other", crypto::KeyType::kEc256, Names({"other.test"})));
  }
  static void TearDownTestSuite() {
    for (PemPair* pair : {ec_, rsa_, expired_, other_}) delete pair;
    delete dir_;
  }

  static CertOptions Names(std::vector<std::string> names) {
    CertOptions options;
    options.names = std::move(names);
    return options;
  }

  static PemPair Issue(const TestCa& ca, const std::string& name, crypto::KeyType type,
                       const CertOptions& options) {
    auto key = crypto::PrivateKey::Generate(type);
    EXPECT_TRUE(key);
    auto der = ca.IssueLeaf(*key, options);
    EXPECT_TRUE(der) << der.error().ToString();
    PemPair pair{dir_->File(name + ".pem"), dir_->File(name + ".key"), *der};
    testing::WriteFile(pair.cert_file, crypto::DerToPem(*der));
    testing::WriteFile(pair.key_file, *key->ToPem());
    return pair;
  }

  // Starts `openssl s_server -www` with `args`; returns its port, 0 on failure.
  int StartServer(const std::string& accept, std::vector<std::string> args) {
    std::vector<std::string> argv = {"openssl", "s_server", "-www", "-accept", accept};
    argv.insert(argv.end(), args.begin(), args.end());
    server_ = std::make_unique<testing::ChildProcess>(argv);
    std::string line = server_->WaitForOutput("ACCEPT ", seconds(10));
    if (line.empty()) {
      ADD_FAILURE() << "openssl s_server did not start: " << server_->output();
      return 0;
    }
    return std::stoi(line.substr(line.rfind(':') + 1));
  }

  static TlsClientOptions Quick() {
    TlsClientOptions options;
    options.connect_timeout = seconds(5);
    options.io_timeout = seconds(5);
    return options;
  }

  static util::Result<TlsPeer> Handshake(const std::string& host, int port,
                                         TlsHandshakeOptions options) {
    MC_ASSIGN_OR_RETURN(auto stream, TlsClientStream::Connect(host, port, Quick()));
    return stream->StartTls(options);
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline PemPair* ec_ = nullptr;
  static inline PemPair* rsa_ = nullptr;
  static inline PemPair* expired_ = nullptr;
  static inline PemPair* other_ = nullptr;
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST_F(TlsClientTest, CollectsAnExpiredUntrustedChainInsteadOfRejectingIt) {
  int port = StartServer("127.0.0.1:0", {"-cert", expired_->cert_file, "-key", expired_->key_file});
  ASSERT_NE(port, 0);
  auto peer = Handshake("127.0.0.1", port, {});
  ASSERT_TRUE(peer) << peer.error().ToString();
  ASSERT_EQ(peer->chain_der.size(), 1u);
  EXPECT_EQ(peer->chain_der[0], expired_->der);
  EXPECT_EQ(peer->version, "TLSv1.3");
  EXPECT_FALSE(peer->cipher.empty());
  EXPECT_EQ(peer->signature, "ECDSA+SHA256");
}

TEST_F(TlsClientTest, KeyRestrictionPicksTheCertificateOfADualServer) {
  int port = StartServer("127.0.0.1:0", {"-cert", rsa_->cert_file, "-key", rsa_->key_file, "-dcert",
                                         ec_->cert_file, "-dkey", ec_->key_file});
  ASSERT_NE(port, 0);
  TlsHandshakeOptions rsa_only;
  rsa_only.key_restriction = TlsKeyRestriction::kRsaOnly;
  auto rsa = Handshake("127.0.0.1", port, rsa_only);
  ASSERT_TRUE(rsa) << rsa.error().ToString();
  EXPECT_EQ(rsa->chain_der[0], rsa_->der);
  EXPECT_EQ(rsa->version, "TLSv1.2");
  EXPECT_EQ(rsa->signature.rfind("RSA", 0), 0u) << rsa->signature;

  TlsHandshakeOptions ecdsa_only;
  ecdsa_only.key_restriction = TlsKeyRestriction::kEcdsaOnly;
  auto ec = Handshake("127.0.0.1", port, ecdsa_only);
  ASSERT_TRUE(ec) << ec.error().ToString();
  EXPECT_EQ(ec->chain_der[0], ec_->der);
  EXPECT_EQ(ec->signature.rfind("ECDSA", 0), 0u) << ec->signature;
}

TEST_F(TlsClientTest, SniSelectsTheCertificate) {
  int port = StartServer(
      "127.0.0.1:0", {"-cert", ec_->cert_file, "-key", ec_->key_file, "-servername", "other.test",
                      "-cert2", other_->cert_file, "-key2", other_->key_file});
  ASSERT_NE(port, 0);
  TlsHandshakeOptions other;
  other.sni = "other.test";
  auto named = Handshake("127.0.0.1", port, other);
  ASSERT_TRUE(named) << named.error().ToString();
  EXPECT_EQ(named->chain_der[0], other_->der);
  // An IP literal is never sent as SNI (RFC 6066 §3): the default certificate answers.
  TlsHandshakeOptions literal;
  literal.sni = "127.0.0.1";
  auto unnamed = Handshake("127.0.0.1", port, literal);
  ASSERT_TRUE(unnamed) << unnamed.error().ToString();
  EXPECT_EQ(unnamed->chain_der[0], ec_->der);
}

TEST_F(TlsClientTest, Ipv6LiteralWithAndWithoutBrackets) {
  int port = StartServer("[::1]:0", {"-cert", ec_->cert_file, "-key", ec_->key_file});
  ASSERT_NE(port, 0) << "IPv6 on loopback is required for this test";
  for (const std::string host : {"::1", "[::1]"}) {
    auto stream = TlsClientStream::Connect(host, port, Quick());
    ASSERT_TRUE(stream) << stream.error().ToString();
    EXPECT_EQ((*stream)->PeerName(), "[::1]:" + std::to_string(port));
    auto peer = (*stream)->StartTls({});
    ASSERT_TRUE(peer) << peer.error().ToString();
    EXPECT_EQ(peer->chain_der[0], ec_->der);
  }
}

TEST_F(TlsClientTest, ConnectionRefusedNamesTheAddress) {
  const int port = testing::FreeLoopbackPort();
  auto stream = TlsClientStream::Connect("127.0.0.1", port, Quick());
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().code, util::ErrorCode::kNetwork);
  EXPECT_EQ(stream.error().message,
            "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_F(TlsClientTest, BadPortIsInvalidInput) {
  auto stream = TlsClientStream::Connect("127.0.0.1", 0, Quick());
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().code, util::ErrorCode::kInvalidInput);
}

TEST_F(TlsClientTest, SilentServerTimesOut) {
  RawListener listener;
  ASSERT_NE(listener.port(), 0);
  TlsClientOptions options = Quick();
  options.io_timeout = milliseconds(200);
  auto stream = TlsClientStream::Connect("127.0.0.1", listener.port(), options);
  ASSERT_TRUE(stream) << stream.error().ToString();
  const auto start = std::chrono::steady_clock::now();
  auto line = (*stream)->ReadLine();
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().code, util::ErrorCode::kTimeout) << line.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
  // The handshake is bounded the same way.
  auto peer = (*stream)->StartTls({});
  ASSERT_FALSE(peer);
  EXPECT_EQ(peer.error().code, util::ErrorCode::kTimeout) << peer.error().ToString();
}

TEST_F(TlsClientTest, LinesAcceptCrlfAndBareLf) {
  RawListener listener;
  auto stream = TlsClientStream::Connect("127.0.0.1", listener.port(), Quick());
  ASSERT_TRUE(stream) << stream.error().ToString();
  int server = listener.Accept();
  ASSERT_GE(server, 0);
  const std::string data = "220 one\r\n220 two\nEHLO?";
  ASSERT_EQ(write(server, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(*(*stream)->ReadLine(), "220 one");
  EXPECT_EQ(*(*stream)->ReadLine(), "220 two");
  ASSERT_TRUE((*stream)->WriteLine("QUIT"));
  char buffer[16] = {};
  ASSERT_EQ(read(server, buffer, sizeof buffer), 6);
  EXPECT_EQ(std::string(buffer), "QUIT\r\n");
  close(server);  // "EHLO?" never ends: the read fails instead of returning half a line
  auto rest = (*stream)->ReadLine();
  ASSERT_FALSE(rest);
  EXPECT_EQ(rest.error().code, util::ErrorCode::kNetwork);
  EXPECT_NE(rest.error().message.find("closed the connection"), std::string::npos);
}

TEST_F(TlsClientTest, RefusesPlaintextThatArrivedBeforeTheHandshake) {
  RawListener listener;
  auto stream = TlsClientStream::Connect("127.0.0.1", listener.port(), Quick());
  ASSERT_TRUE(stream) << stream.error().ToString();
  int server = listener.Accept();
  // A man in the middle appends a command after the go-ahead (CVE-2011-0411's pattern).
  const std::string data = "220 2.0.0 Ready to start TLS\r\n250 injected\r\n";
  ASSERT_EQ(write(server, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(*(*stream)->ReadLine(), "220 2.0.0 Ready to start TLS");
  auto peer = (*stream)->StartTls({});
  ASSERT_FALSE(peer);
  EXPECT_EQ(peer.error().code, util::ErrorCode::kProtocol);
  EXPECT_NE(peer.error().message.find("STARTTLS injection"), std::string::npos);
  close(server);
}

TEST_F(TlsClientTest, ServerHangingUpMidHandshake) {
  RawListener listener;
  auto stream = TlsClientStream::Connect("127.0.0.1", listener.port(), Quick());
  ASSERT_TRUE(stream);
  close(listener.Accept());
  auto peer = (*stream)->StartTls({});
  ASSERT_FALSE(peer);
  EXPECT_EQ(peer.error().code, util::ErrorCode::kNetwork) << peer.error().ToString();
  EXPECT_NE(peer.error().message.find("TLS handshake with 127.0.0.1:"), std::string::npos)
      << peer.error().ToString();
}

}  // namespace
}  // namespace mailcert::net
