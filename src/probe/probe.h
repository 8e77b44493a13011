#pragma once
// Connects to a mail or web server the way its clients do and reports the certificate it
// serves: `mailcert check` and deploy's verification both ask "what does port 587 serve for
// mail.example.org right now?" through Probe().
//
//   probe::Endpoint endpoint{"mail.example.org", 587, probe::Protocol::kSmtpStarttls, ""};
//   MC_ASSIGN_OR_RETURN(probe::Served served, probe::Probe(endpoint, {}));
//   probe::CheckReport report = probe::CheckServed(served, {.names = {"mail.example.org"}});

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "crypto/x509.h"
#include "net/tls_client.h"
#include "probe/protocol.h"
#include "util/result.h"

namespace mailcert::probe {

struct Endpoint {
  std::string host;  // name or IPv4/IPv6 literal ("::1" or "[::1]")
  int port = 0;
  Protocol protocol = Protocol::kSmtpStarttls;
  // Server Name Indication (RFC 6066 §3). Empty: the host when it is a name, none for an IP
  // literal (RFC 6066 allows only names).
  std::string sni;
  // The one address of `host` to connect to (see ExpandAddresses). Empty: the first address of
  // `host` that accepts.
  std::string address{};  // {}: brace-initialised endpoints may leave it out
};

// A host name's IPv4 and IPv6 addresses (textual), e.g. net::ResolveHostAddresses.
using AddressResolver =
    std::function<util::Result<std::vector<std::string>>(const std::string& host)>;

// One endpoint per address of `endpoint.host`, A and AAAA alike: a server that answers on one
// family with another certificate (a separate IPv6 listener still on an old file) would hide
// behind the first address that answers. An IP literal, an endpoint that already has its
// address, and a name that does not resolve (probing it then reports why) stay one endpoint;
// a name with one address gets it set all the same.
std::vector<Endpoint> ExpandAddresses(const Endpoint& endpoint, const AddressResolver& resolve);

// "smtp 127.0.0.1:2525 (SNI mail.example.org)", "smtp mail.example.org:25 at [2001:db8::25]":
// how reports and messages name an endpoint.
std::string DescribeEndpoint(const Endpoint& endpoint);

struct ProbeOptions {
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds io_timeout = std::chrono::seconds(10);  // each read, write, handshake
  // kRsaOnly / kEcdsaOnly make a server that holds both certificates serve that one.
  net::TlsKeyRestriction key_restriction = net::TlsKeyRestriction::kAny;
  // The name EHLO announces (RFC 5321 §4.1.1.1). Empty: this host's name when it is fully
  // qualified, else "localhost".
  std::string ehlo_name;
};

// What an endpoint served.
struct Served {
  std::vector<std::string> chain_der;  // leaf first, as sent
  std::string tls_version;             // "TLSv1.3"
  std::string cipher;                  // "TLS_AES_256_GCM_SHA384"
  std::string signature;               // "ECDSA+SHA256", "RSA-PSS+SHA256" (see net::TlsPeer)
  crypto::CertificateInfo leaf;        // chain_der[0], parsed
};

// Connects, runs the protocol's STARTTLS dialogue when it has one, completes the TLS handshake
// whatever the certificate (expired, untrusted, wrong name: CheckServed judges it) and reads the
// served chain. Then says goodbye in the protocol and closes.
// Errors: kInvalidInput (bad host or port); kNetwork ("connect to 127.0.0.1:2525: Connection
// refused", resolution, TLS handshake failures); kTimeout; kProtocol (the dialogue failed:
// "...: the SMTP server did not offer STARTTLS ...", or the server answered something that is
// not the protocol); kInvalidInput also when the served leaf does not parse. Every message names
// the server's address.
util::Result<Served> Probe(const Endpoint& endpoint, const ProbeOptions& options);

}  // namespace mailcert::probe
