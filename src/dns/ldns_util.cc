#include "dns/ldns_util.h"

#include <arpa/inet.h>
#include <sys/random.h>

#include <cstdlib>
#include <random>

#include "util/strings.h"

namespace mailcert::dns::internal {
namespace {

std::string StatusText(ldns_status status) { return ldns_get_errorstr_by_id(status); }

// The RDATA octets of `rr` as they appear on the wire (names uncompressed). Parsing those
// ourselves for the few types we read keeps us independent of how ldns splits each type's
// fields into rdfs.
std::string RawRdata(const ldns_rr* rr) {
  ldns_buffer* buffer = ldns_buffer_new(512);
  if (buffer == nullptr) return {};
  ldns_rr_rdata2buffer_wire(buffer, rr);
  std::string raw(reinterpret_cast<const char*>(ldns_buffer_begin(buffer)),
                  ldns_buffer_position(buffer));
  ldns_buffer_free(buffer);
  return raw;
}

uint32_t ReadU32(const ldns_rdf* rdf) {
  return rdf != nullptr && ldns_rdf_size(rdf) == 4 ? ldns_rdf2native_int32(rdf) : 0;
}

std::string AddressText(const std::string& raw, int family) {
  char text[64] = {};
  size_t want = family == AF_INET ? 4 : 16;
  if (raw.size() != want || inet_ntop(family, raw.data(), text, sizeof(text)) == nullptr) {
    return "(invalid address)";
  }
  return text;
}

// RFC 1035 §3.3: a sequence of <character-string>s, each a length octet and that many octets.
std::vector<std::string> CharacterStrings(const std::string& raw) {
  std::vector<std::string> strings;
  size_t position = 0;
  while (position < raw.size()) {
    size_t length = static_cast<uint8_t>(raw[position]);
    if (position + 1 + length > raw.size()) break;
    strings.push_back(raw.substr(position + 1, length));
    position += 1 + length;
  }
  return strings;
}

RecordData ConvertData(const ldns_rr* rr, RrType type) {
  switch (type) {
    case RrType::kA:
      return ARecord{AddressText(RawRdata(rr), AF_INET)};
    case RrType::kAaaa:
      return AaaaRecord{AddressText(RawRdata(rr), AF_INET6)};
    case RrType::kCname:
      if (ldns_rr_rd_count(rr) >= 1) return CnameRecord{NameText(ldns_rr_rdf(rr, 0))};
      break;
    case RrType::kNs:
      if (ldns_rr_rd_count(rr) >= 1) return NsRecord{NameText(ldns_rr_rdf(rr, 0))};
      break;
    case RrType::kSoa:
      if (ldns_rr_rd_count(rr) >= 7) {
        return SoaRecord{NameText(ldns_rr_rdf(rr, 0)), NameText(ldns_rr_rdf(rr, 1)),
                         ReadU32(ldns_rr_rdf(rr, 2)),  ReadU32(ldns_rr_rdf(rr, 3)),
                         ReadU32(ldns_rr_rdf(rr, 4)),  ReadU32(ldns_rr_rdf(rr, 5)),
                         ReadU32(ldns_rr_rdf(rr, 6))};
      }
      break;
    case RrType::kTxt:
      return TxtRecord{CharacterStrings(RawRdata(rr))};
    case RrType::kCaa: {
      // RFC 8659 §4.1: flags octet, tag length octet, tag, value (the rest).
      std::string raw = RawRdata(rr);
      if (raw.size() >= 2 && raw.size() >= 2u + static_cast<uint8_t>(raw[1])) {
        size_t tag_length = static_cast<uint8_t>(raw[1]);
        return CaaRecord{static_cast<uint8_t>(raw[0]), raw.substr(2, tag_length),
                         raw.substr(2 + tag_length)};
      }
      return OtherRecord{raw};
    }
    case RrType::kTlsa: {
      std::string raw = RawRdata(rr);  // RFC 6698 §2.1: three octets, then the data
      if (raw.size() >= 3) {
        return TlsaRecord{static_cast<uint8_t>(raw[0]), static_cast<uint8_t>(raw[1]),
                          static_cast<uint8_t>(raw[2]), raw.substr(3)};
      }
      return OtherRecord{raw};
    }
  }
  return OtherRecord{RawRdata(rr)};
}

std::vector<Record> ToRecords(const ldns_rr_list* list) {
  std::vector<Record> records;
  if (list == nullptr) return records;
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    records.push_back(ToRecord(ldns_rr_list_rr(list, i)));
  }
  return records;
}

}  // namespace

std::string NameText(const ldns_rdf* rdf) {
  if (rdf == nullptr) return ".";
  char* text = ldns_rdf2str(rdf);
  if (text == nullptr) return ".";
  std::string name = util::ToLower(text);
  std::free(text);
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  return name;
}

RdfPtr MakeDname(const std::string& name) {
  std::string absolute = name == "." ? "." : name + ".";
  return RdfPtr(ldns_dname_new_frm_str(absolute.c_str()));
}

uint16_t RandomMessageId() {
  uint16_t id = 0;
  if (getrandom(&id, sizeof(id), 0) == sizeof(id)) return id;
  static thread_local std::mt19937 fallback{std::random_device{}()};
  return static_cast<uint16_t>(fallback());
}

util::Result<std::vector<uint8_t>> ToWire(const ldns_pkt* pkt) {
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_status status = ldns_pkt2wire(&wire, pkt, &size);
  if (status != LDNS_STATUS_OK) {
    return util::Fail(util::ErrorCode::kInternal,
                      "cannot encode DNS message: " + StatusText(status));
  }
  std::vector<uint8_t> bytes(wire, wire + size);
  std::free(wire);
  return bytes;
}

util::Result<PktPtr> FromWire(const std::vector<uint8_t>& wire) {
  ldns_pkt* pkt = nullptr;
  ldns_status status = ldns_wire2pkt(&pkt, wire.data(), wire.size());
  if (status != LDNS_STATUS_OK) {
    return util::Fail(util::ErrorCode::kProtocol, "unparsable DNS message: " + StatusText(status));
  }
  return PktPtr(pkt);
}

util::Result<std::vector<uint8_t>> BuildQuery(const std::string& name, RrType type,
                                              bool recursion_desired, uint16_t udp_payload_size,
                                              uint16_t id) {
  RdfPtr owner = MakeDname(name);
  if (!owner) {
    return util::Fail(util::ErrorCode::kInvalidInput, "invalid DNS name " + util::Quote(name));
  }
  // ldns_pkt_query_new takes ownership of the name.
  PktPtr pkt(ldns_pkt_query_new(owner.release(), static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN,
                                recursion_desired ? LDNS_RD : 0));
  if (!pkt) return util::Fail(util::ErrorCode::kInternal, "cannot build DNS query");
  ldns_pkt_set_id(pkt.get(), id);
  if (udp_payload_size > 0) ldns_pkt_set_edns_udp_size(pkt.get(), udp_payload_size);
  return ToWire(pkt.get());
}

Record ToRecord(const ldns_rr* rr) {
  Record record;
  record.name = NameText(ldns_rr_owner(rr));
  record.type = static_cast<RrType>(ldns_rr_get_type(rr));
  record.ttl = ldns_rr_ttl(rr);
  record.data = ConvertData(rr, record.type);
  return record;
}

Response ToResponse(const ldns_pkt* pkt, const std::string& server) {
  Response response;
  response.server = server;
  uint16_t rcode = ldns_pkt_get_rcode(pkt);
  if (ldns_pkt_edns(pkt)) rcode |= static_cast<uint16_t>(ldns_pkt_edns_extended_rcode(pkt)) << 4;
  response.rcode = static_cast<Rcode>(rcode);
  response.authoritative = ldns_pkt_aa(pkt);
  response.truncated = ldns_pkt_tc(pkt);
  response.recursion_available = ldns_pkt_ra(pkt);
  response.answer = ToRecords(ldns_pkt_answer(pkt));
  response.authority = ToRecords(ldns_pkt_authority(pkt));
  response.additional = ToRecords(ldns_pkt_additional(pkt));
  return response;
}

}  // namespace mailcert::dns::internal
