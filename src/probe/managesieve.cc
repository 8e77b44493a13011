// ManageSieve with STARTTLS: RFC 5804 §1.7 (capabilities) and §2.2 (STARTTLS).

#include <string>
#include <vector>

#include "probe/dialogues.h"
#include "util/strings.h"

namespace mailcert::probe {
namespace {

using util::ErrorCode;
using util::Fail;

// RFC 5804 §1.3: a response is "OK", "NO" or "BYE", optionally followed by a response code and
// a human-readable string.
enum class Status { kOk, kNo, kBye, kNone };

Status StatusOf(const std::string& line) {
  const std::string word = util::ToLower(line.substr(0, line.find(' ')));
  if (word == "ok") return Status::kOk;
  if (word == "no") return Status::kNo;
  if (word == "bye") return Status::kBye;
  return Status::kNone;
}

// The capability name of a capability line (§1.7): the first quoted string, e.g.
// `"SIEVE" "fileinto reject"` → SIEVE. Empty when the line does not start with a quote.
std::string CapabilityName(const std::string& line) {
  if (line.empty() || line.front() != '"') return "";
  size_t end = line.find('"', 1);
  return end == std::string::npos ? "" : line.substr(1, end - 1);
}

// Reads capability lines up to the response that ends them; fails unless it is OK.
util::Result<std::vector<std::string>> ReadCapabilities(net::LineStream& stream,
                                                        const std::string& after) {
  std::vector<std::string> names;
  while (true) {
    MC_ASSIGN_OR_RETURN(std::string line, stream.ReadLine());
    const Status status = StatusOf(line);
    if (status == Status::kOk) return names;
    if (status != Status::kNone) {
      return Fail(ErrorCode::kProtocol, stream.PeerName() + ": the ManageSieve server ended " +
                                            after + " with " + ShowLine(line));
    }
    std::string name = CapabilityName(line);
    if (name.empty()) {
      return Fail(ErrorCode::kProtocol, stream.PeerName() + ": not a ManageSieve capability: " +
                                            ShowLine(line) + " (is this a ManageSieve port?)");
    }
    names.push_back(util::ToLower(name));
  }
}

}  // namespace

util::Result<void> SieveStarttls(net::LineStream& stream) {
  const std::string peer = stream.PeerName();
  // §1.7: the server speaks first, listing its capabilities, and ends with OK.
  MC_ASSIGN_OR_RETURN(std::vector<std::string> capabilities,
                      ReadCapabilities(stream, "its greeting"));
  bool offered = false;
  for (const std::string& name : capabilities) offered |= name == "starttls";
  if (!offered) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the ManageSieve server did not offer STARTTLS (capabilities " +
                    util::Join(capabilities, " ") +
                    "); TLS is off or its certificate did not load");
  }
  MC_RETURN_IF_ERROR(stream.WriteLine("STARTTLS"));
  MC_ASSIGN_OR_RETURN(std::string answer, stream.ReadLine());
  // §2.2: OK, then the TLS negotiation starts at once.
  if (StatusOf(answer) != Status::kOk) {
    return Fail(ErrorCode::kProtocol,
                peer + ": the ManageSieve server refused STARTTLS: " + ShowLine(answer));
  }
  return {};
}

void SieveLogout(net::LineStream& stream) { (void)stream.WriteLine("LOGOUT"); }

}  // namespace mailcert::probe
