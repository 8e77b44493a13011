#pragma once
// The protocols a probe speaks, their names on the command line (`--starttls smtp`) and their
// well-known ports.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace mailcert::probe {

enum class Protocol {
  kSmtpStarttls,   // SMTP + STARTTLS (RFC 3207): port 25 (relay) and 587 (submission, RFC 6409)
  kSmtps,          // SMTP submission over implicit TLS (RFC 8314 §3.3): port 465
  kImapStarttls,   // IMAP + STARTTLS (RFC 9051 §6.2.1, RFC 2595 §3.1): port 143
  kImaps,          // IMAP over implicit TLS (RFC 8314 §3.3): port 993
  kPop3Stls,       // POP3 + STLS (RFC 2595 §4): port 110
  kPop3s,          // POP3 over implicit TLS (RFC 8314 §3.3): port 995
  kSieveStarttls,  // ManageSieve + STARTTLS (RFC 5804 §2.2): port 4190
  kHttps,          // TLS from the first byte (RFC 9110 §4.2.2): port 443
};

// "smtp", "smtps", "imap", "imaps", "pop3", "pop3s", "sieve", "https": the name ParseProtocol
// reads back. The plain names mean STARTTLS, as in `openssl s_client -starttls smtp`.
std::string_view ProtocolName(Protocol protocol);

// Parses a ProtocolName, case-insensitively; "submission" is SMTP with STARTTLS, "submissions"
// is SMTP over TLS (RFC 8314 §7.3's service name) and "managesieve" is "sieve".
// Errors: kInvalidInput naming the accepted names.
util::Result<Protocol> ParseProtocol(std::string_view name);

// True when TLS starts with the first byte (no plaintext dialogue).
bool IsImplicitTls(Protocol protocol);

// The IANA ports, the usual one first: SMTP+STARTTLS {25, 587}, every other protocol one port.
std::vector<int> DefaultPorts(Protocol protocol);

// The protocol a well-known port implies (25, 587, 465, 143, 993, 110, 995, 4190, 443), for
// `mailcert check --port 993` without a protocol; nullopt for any other port.
std::optional<Protocol> ProtocolForPort(int port);

}  // namespace mailcert::probe
