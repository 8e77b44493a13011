#include "probe/probe.h"

#include <unistd.h>

#include <memory>

#include "net/tls_client.h"
#include "probe/dialogues.h"

namespace mailcert::probe {
namespace {

std::string DefaultEhloName() {
  char buffer[256] = {};
  // A bare name ("mail") is not a domain EHLO may announce (RFC 5321 §4.1.1.1 asks for the
  // fully-qualified name); "localhost" is the honest fallback.
  if (gethostname(buffer, sizeof buffer - 1) == 0 &&
      std::string(buffer).find('.') != std::string::npos) {
    return buffer;
  }
  return "localhost";
}

// An IPv6 literal has a colon, an IPv4 one only digits and dots (a name never does: RFC 1123
// §2.1 host names have a letter in their last label).
bool IsIpLiteral(const std::string& host) {
  return host.find(':') != std::string::npos ||
         host.find_first_not_of("0123456789.") == std::string::npos;
}

std::string SniFor(const Endpoint& endpoint) {
  if (!endpoint.sni.empty()) return endpoint.sni;
  return IsIpLiteral(endpoint.host) ? "" : endpoint.host;
}

// The plaintext part, for the protocols that have one.
util::Result<void> RunDialogue(Protocol protocol, net::LineStream& stream,
                               const ProbeOptions& options) {
  switch (protocol) {
    case Protocol::kSmtpStarttls:
      return SmtpStarttls(stream,
                          options.ehlo_name.empty() ? DefaultEhloName() : options.ehlo_name);
    case Protocol::kImapStarttls:
      return ImapStarttls(stream);
    case Protocol::kPop3Stls:
      return Pop3Stls(stream);
    case Protocol::kSieveStarttls:
      return SieveStarttls(stream);
    case Protocol::kSmtps:
    case Protocol::kImaps:
    case Protocol::kPop3s:
    case Protocol::kHttps:
      return {};
  }
  return {};
}

void SayGoodbye(Protocol protocol, net::LineStream& stream) {
  switch (protocol) {
    case Protocol::kSmtpStarttls:
    case Protocol::kSmtps:
      SmtpQuit(stream);
      break;
    case Protocol::kImapStarttls:
    case Protocol::kImaps:
      ImapLogout(stream);
      break;
    case Protocol::kPop3Stls:
    case Protocol::kPop3s:
      Pop3Quit(stream);
      break;
    case Protocol::kSieveStarttls:
      SieveLogout(stream);
      break;
    case Protocol::kHttps:
      break;  // close_notify alone ends a TLS connection politely (RFC 8446 §6.1)
  }
}

}  // namespace

namespace {
std::string Bracketed(const std::string& host) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return v6 ? "[" + host + "]" : host;
}
}  // namespace

std::vector<Endpoint> ExpandAddresses(const Endpoint& endpoint, const AddressResolver& resolve) {
  if (!endpoint.address.empty() || IsIpLiteral(endpoint.host)) return {endpoint};
  auto addresses = resolve(endpoint.host);
  if (!addresses || addresses->empty()) return {endpoint};
  std::vector<Endpoint> expanded;
  for (const auto& address : *addresses) {
    Endpoint one = endpoint;
    one.address = address;
    expanded.push_back(std::move(one));
  }
  return expanded;
}

std::string DescribeEndpoint(const Endpoint& endpoint) {
  std::string text = std::string(ProtocolName(endpoint.protocol)) + " " + Bracketed(endpoint.host) +
                     ":" + std::to_string(endpoint.port);
  if (!endpoint.address.empty() && endpoint.address != endpoint.host) {
    text += " at " + Bracketed(endpoint.address);
  }
  const std::string sni = SniFor(endpoint);
  if (!sni.empty() && sni != endpoint.host) text += " (SNI " + sni + ")";
  return text;
}

util::Result<Served> Probe(const Endpoint& endpoint, const ProbeOptions& options) {
  net::TlsClientOptions client_options;
  client_options.connect_timeout = options.connect_timeout;
  client_options.io_timeout = options.io_timeout;
  // Errors below already name the server's address ("connect to 127.0.0.1:2525: ...",
  // "127.0.0.1:2525: the SMTP server did not offer STARTTLS ..."), so they pass unchanged.
  MC_ASSIGN_OR_RETURN(
      std::unique_ptr<net::TlsClientStream> connection,
      net::TlsClientStream::Connect(endpoint.address.empty() ? endpoint.host : endpoint.address,
                                    endpoint.port, client_options));
  MC_RETURN_IF_ERROR(RunDialogue(endpoint.protocol, *connection, options));
  net::TlsHandshakeOptions handshake;
  handshake.sni = SniFor(endpoint);
  handshake.key_restriction = options.key_restriction;
  MC_ASSIGN_OR_RETURN(net::TlsPeer peer, connection->StartTls(handshake));
  SayGoodbye(endpoint.protocol, *connection);

  auto leaf = crypto::ParseCertificate(peer.chain_der.front());
  if (!leaf) {
    return util::Fail(leaf.error().WithContext(DescribeEndpoint(endpoint) +
                                               " served a leaf "
                                               "certificate that does not parse"));
  }
  Served served;
  served.chain_der = std::move(peer.chain_der);
  served.tls_version = std::move(peer.version);
  served.cipher = std::move(peer.cipher);
  served.signature = std::move(peer.signature);
  served.leaf = std::move(*leaf);
  return served;
}

}  // namespace mailcert::probe
