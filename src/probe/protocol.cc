#include "probe/protocol.h"

#include <array>
#include <utility>

#include "util/strings.h"

namespace mailcert::probe {
namespace {

struct ProtocolRow {
  Protocol protocol;
  std::string_view name;
  bool implicit_tls;
  std::vector<int> ports;
};

// One row per protocol; the ports are IANA's service registrations (RFC 8314 §7 for the
// implicit-TLS ones, RFC 5804 §9.1 for ManageSieve).
const std::array<ProtocolRow, 8>& Rows() {
  static const std::array<ProtocolRow, 8> rows = {{
      {Protocol::kSmtpStarttls, "smtp", false, {25, 587}},
      {Protocol::kSmtps, "smtps", true, {465}},
      {Protocol::kImapStarttls, "imap", false, {143}},
      {Protocol::kImaps, "imaps", true, {993}},
      {Protocol::kPop3Stls, "pop3", false, {110}},
      {Protocol::kPop3s, "pop3s", true, {995}},
      {Protocol::kSieveStarttls, "sieve", false, {4190}},
      {Protocol::kHttps, "https", true, {443}},
  }};
  return rows;
}

const ProtocolRow& RowOf(Protocol protocol) {
  for (const ProtocolRow& row : Rows()) {
    if (row.protocol == protocol) return row;
  }
  return Rows().front();  // unreachable: every enumerator has a row
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) { return RowOf(protocol).name; }

util::Result<Protocol> ParseProtocol(std::string_view name) {
  const std::string lower = util::ToLower(util::Trim(name));
  for (const ProtocolRow& row : Rows()) {
    if (lower == row.name) return row.protocol;
  }
  if (lower == "submission") return Protocol::kSmtpStarttls;
  if (lower == "submissions") return Protocol::kSmtps;
  if (lower == "managesieve") return Protocol::kSieveStarttls;
  return util::Fail(util::ErrorCode::kInvalidInput,
                    "unknown protocol " + util::Quote(name) +
                        ": use smtp, imap, pop3 or sieve (STARTTLS), or smtps, imaps, pop3s or "
                        "https (TLS from the first byte)");
}

bool IsImplicitTls(Protocol protocol) { return RowOf(protocol).implicit_tls; }

std::vector<int> DefaultPorts(Protocol protocol) { return RowOf(protocol).ports; }

std::optional<Protocol> ProtocolForPort(int port) {
  for (const ProtocolRow& row : Rows()) {
    for (int known : row.ports) {
      if (known == port) return row.protocol;
    }
  }
  return std::nullopt;
}

}  // namespace mailcert::probe
