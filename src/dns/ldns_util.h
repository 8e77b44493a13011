#pragma once
// Ownership of ldns objects and the conversions between ldns packets and dns/ types. Internal to
// dns/: no public header includes ldns.

// ldns/common.h defines `bool`, `true` and `false` as macros unless stdbool.h came first; those
// macros break the C++ standard headers included after it.
#include <stdbool.h>
// (separate block: must precede ldns)
#include <ldns/ldns.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dns/response.h"
#include "util/result.h"

namespace mailcert::dns::internal {

struct PktDeleter {
  void operator()(ldns_pkt* pkt) const { ldns_pkt_free(pkt); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
struct RrDeleter {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct RrListDeleter {
  void operator()(ldns_rr_list* list) const { ldns_rr_list_deep_free(list); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListDeleter>;

// A domain name rdf from canonical text ("example.com" or "."). nullptr when ldns rejects it.
RdfPtr MakeDname(const std::string& name);

// A random message ID (RFC 5452 §9.2: unpredictable IDs make spoofed answers harder).
uint16_t RandomMessageId();

// Serialises `pkt`. Errors: kInternal with ldns's status text.
util::Result<std::vector<uint8_t>> ToWire(const ldns_pkt* pkt);

// Parses a whole message. Errors: kProtocol with ldns's status text.
util::Result<PktPtr> FromWire(const std::vector<uint8_t>& wire);

// A query for `name`/`type` in class IN with the given ID, RD bit and EDNS(0) payload size (no
// OPT record when 0). `name` must already be normalised.
util::Result<std::vector<uint8_t>> BuildQuery(const std::string& name, RrType type,
                                              bool recursion_desired, uint16_t udp_payload_size,
                                              uint16_t id);

// The header bits, RCODE (with the EDNS extended bits, RFC 6891 §6.1.3) and the three record
// sections of a parsed message, records converted to dns/ types. `server` is copied in.
Response ToResponse(const ldns_pkt* pkt, const std::string& server);

// One record converted to dns/ types.
Record ToRecord(const ldns_rr* rr);

// ldns's text for a name rdf in canonical form (lowercase, no trailing dot).
std::string NameText(const ldns_rdf* rdf);

}  // namespace mailcert::dns::internal
