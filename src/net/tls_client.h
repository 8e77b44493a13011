#pragma once
// A TLS client stream for reading what a server serves: connect (IPv4 or IPv6, bounded), talk
// plaintext lines for a STARTTLS dialogue, then handshake and report the certificate chain,
// protocol version and cipher the server chose.
//
// The handshake collects; it never judges. The peer's certificate is not verified here (an
// expired, self-signed or wrong-name certificate still completes the handshake), because the
// caller wants to *report* what is served: crypto::VerifyChain does the verification afterwards,
// with the roots and time the caller chooses. For the same reason the client accepts every
// protocol version and key size OpenSSL can still speak (security level 0): a server serving a
// 1024-bit RSA key must show up in `mailcert check` as that, not as a handshake failure.
//
//   MC_ASSIGN_OR_RETURN(auto stream, TlsClientStream::Connect("mail.example.org", 25, {}));
//   ... stream->ReadLine() / stream->WriteLine("EHLO ...") ...
//   MC_ASSIGN_OR_RETURN(TlsPeer peer, stream->StartTls({.sni = "mail.example.org"}));

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/line_stream.h"
#include "util/result.h"

namespace mailcert::net {

struct TlsClientOptions {
  // Per address tried: a name with A and AAAA records may take up to twice this.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  // Each read, write and the whole handshake must finish within this.
  std::chrono::milliseconds io_timeout = std::chrono::seconds(10);
  // Longest line ReadLine accepts (RFC 5321 §4.5.3.1.5 allows 512 octets for SMTP replies;
  // IMAP capability lines run longer, so the limit is generous).
  size_t max_line_length = 8192;
};

// Which server certificate the client makes the server choose, for checking servers that load
// one RSA and one ECDSA certificate. A server picks its certificate from the client's cipher
// suites (TLS 1.2, RFC 5246 §7.4.2) and signature_algorithms (RFC 8446 §4.4.2.2), so the client
// restricts both.
enum class TlsKeyRestriction {
  kAny,        // OpenSSL's defaults: TLS 1.3 preferred; a dual server usually serves ECDSA
  kRsaOnly,    // TLS 1.2 at most, RSA-authenticated suites (aRSA), RSA signature algorithms
  kEcdsaOnly,  // TLS 1.2 at most, ECDSA-authenticated suites (aECDSA), ECDSA algorithms
};

struct TlsHandshakeOptions {
  // Server Name Indication (RFC 6066 §3). Empty: none sent. An IP literal is not sent either:
  // RFC 6066 §3 allows only host names.
  std::string sni;
  TlsKeyRestriction key_restriction = TlsKeyRestriction::kAny;
};

// What the server served in the handshake.
struct TlsPeer {
  std::vector<std::string> chain_der;  // DER, leaf first, in the order the server sent them
  std::string version;                 // "TLSv1.3", "TLSv1.2"
  std::string cipher;                  // "TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256"
  // How the server signed the handshake, "<type>+<digest>": "RSA-PSS+SHA256", "EC+SHA256",
  // "ED25519"; empty when the suite uses no signature (TLS 1.2 static RSA key exchange).
  std::string signature;
};

// The IPv4 and IPv6 addresses `host` resolves to through the system's resolver (getaddrinfo:
// /etc/hosts, then DNS), each once, in the resolver's order; an IP literal (brackets allowed)
// gives itself. Errors: kInvalidInput (empty host), kNetwork ("resolve "mail.example.org": Name
// or service not known").
util::Result<std::vector<std::string>> ResolveHostAddresses(const std::string& host);

class TlsClientStream : public LineStream {
 public:
  // Resolves `host` (a name, or an IPv4/IPv6 literal, brackets optional), then connects to each
  // address in turn until one accepts.
  // Errors: kInvalidInput (port outside 1..65535, empty host), kNetwork ("resolve
  // mail.example.org: Name or service not known", "connect to 127.0.0.1:2525: Connection
  // refused"), kTimeout ("connect to 192.0.2.1:25: no answer within 10 s").
  static util::Result<std::unique_ptr<TlsClientStream>> Connect(const std::string& host, int port,
                                                                const TlsClientOptions& options);

  ~TlsClientStream() override;  // sends close_notify when TLS is up, closes the socket
  TlsClientStream(const TlsClientStream&) = delete;
  TlsClientStream& operator=(const TlsClientStream&) = delete;

  // Before StartTls: plaintext. After: inside TLS.
  util::Result<std::string> ReadLine() override;
  util::Result<void> WriteLine(std::string_view line) override;
  std::string PeerName() const override;

  // Runs the TLS handshake on the connection and returns what the server served.
  // Refuses (kProtocol) when the server has sent bytes that were not yet read: after a STARTTLS
  // command nothing may follow the server's go-ahead in plaintext, and bytes that did would
  // otherwise be taken as coming from inside TLS (the STARTTLS injection of CVE-2011-0411).
  // Errors: kNetwork ("TLS handshake with 127.0.0.1:2525 failed", OpenSSL's reasons in detail),
  // kTimeout, kProtocol (called twice, or the injection above).
  util::Result<TlsPeer> StartTls(const TlsHandshakeOptions& options);

  bool tls_active() const;

 private:
  struct Impl;
  explicit TlsClientStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mailcert::net
