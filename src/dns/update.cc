#include "dns/update.h"

#include <utility>

#include "dns/ldns_util.h"
#include "dns/name.h"
#include "dns/transport.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::dns {
namespace {

using internal::PktPtr;
using internal::RdfPtr;
using internal::RrListPtr;
using internal::RrPtr;

constexpr size_t kMaxCharacterString = 255;  // RFC 1035 §3.3

QueryError UpdateError(QueryFailure failure, const std::string& zone, const std::string& server,
                       std::string message, Rcode rcode = Rcode::kNoError) {
  QueryError error = MakeQueryError(failure, zone, RrType::kSoa, server, "", rcode);
  error.message = std::move(message);
  return error;
}

// One TXT record for the update section: class IN with a TTL to add, class NONE to delete this
// value, class ANY without RDATA to delete them all (RFC 2136 §2.5).
RrPtr MakeUpdateRr(const TxtChange& change, const std::string& owner) {
  RrPtr rr(ldns_rr_new());
  if (!rr) return rr;
  ldns_rr_set_owner(rr.get(), internal::MakeDname(owner).release());
  ldns_rr_set_type(rr.get(), LDNS_RR_TYPE_TXT);
  switch (change.action) {
    case TxtChange::Action::kAdd:
      ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
      ldns_rr_set_ttl(rr.get(), change.ttl);
      break;
    case TxtChange::Action::kDeleteValue:
      ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_NONE);
      ldns_rr_set_ttl(rr.get(), 0);
      break;
    case TxtChange::Action::kDeleteAll:
      ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_ANY);
      ldns_rr_set_ttl(rr.get(), 0);
      return rr;
  }
  // The value as <character-string>s of at most 255 octets, each with its length octet.
  size_t position = 0;
  do {
    std::string chunk = change.value.substr(position, kMaxCharacterString);
    std::string wire(1, static_cast<char>(chunk.size()));
    wire += chunk;
    ldns_rr_push_rdf(rr.get(), ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, wire.size(), wire.data()));
    position += kMaxCharacterString;
  } while (position < change.value.size());
  return rr;
}

std::string TsigErrorMeaning(Rcode error) {
  switch (error) {
    case Rcode::kBadSig:
      return "BADSIG, the server has a key of this name with another secret or algorithm";
    case Rcode::kBadKey:
      return "BADKEY, the server has no key of this name and algorithm";
    case Rcode::kBadTime:
      return "BADTIME, the clocks of this host and the server differ by more than the allowed "
             "skew; check NTP on both";
    default:
      return RcodeName(error);
  }
}

// What a refusal means, in the words an administrator needs (RFC 2136 §2.2 and §3).
std::string ExplainRefusal(Rcode rcode, const std::string& zone, const TsigKey& key) {
  switch (rcode) {
    case Rcode::kRefused:
      return "the server's policy does not let " + key.Describe() +
             " change these names (BIND: update-policy or allow-update of zone " + zone + ")";
    case Rcode::kNotAuth:
      return "the server is not authoritative for zone " + zone +
             " (check the zone name, and send updates to its primary server)";
    case Rcode::kNotZone:
      return "a name lies outside zone " + zone;
    case Rcode::kServFail:
      return "the server failed to apply the update; see its log";
    case Rcode::kFormErr:
      return "the server could not parse the update";
    case Rcode::kNotImp:
      return "the server does not accept dynamic updates";
    default:
      return "see the server's log";
  }
}

}  // namespace

Rfc2136Client::Rfc2136Client(ServerAddress server, TsigKey key, UpdateOptions options)
    : server_(std::move(server)), key_(std::move(key)), options_(std::move(options)) {}

QueryResult<void> Rfc2136Client::AddTxt(std::string_view zone, std::string_view name,
                                        std::string_view value, uint32_t ttl) {
  return Apply(zone,
               {TxtChange{TxtChange::Action::kAdd, std::string(name), std::string(value), ttl}});
}

QueryResult<void> Rfc2136Client::DeleteTxt(std::string_view zone, std::string_view name,
                                           std::string_view value) {
  return Apply(
      zone, {TxtChange{TxtChange::Action::kDeleteValue, std::string(name), std::string(value), 0}});
}

QueryResult<void> Rfc2136Client::DeleteAllTxt(std::string_view zone, std::string_view name) {
  return Apply(zone, {TxtChange{TxtChange::Action::kDeleteAll, std::string(name), "", 0}});
}

QueryResult<void> Rfc2136Client::Apply(std::string_view zone_text,
                                       const std::vector<TxtChange>& changes) {
  const std::string where = server_.ToString();
  if (changes.empty()) return {};
  auto zone = NormalizeName(zone_text);
  if (!zone) {
    return tl::unexpected(UpdateError(QueryFailure::kInvalidName, std::string(zone_text), where,
                                      zone.error().message));
  }
  RrListPtr updates(ldns_rr_list_new());
  for (const TxtChange& change : changes) {
    auto owner = NormalizeName(change.name);
    if (!owner || !IsWithin(*owner, *zone)) {
      std::string why = owner ? *owner + " is not in zone " + *zone : owner.error().message;
      return tl::unexpected(UpdateError(QueryFailure::kInvalidName, *zone, where, why));
    }
    RrPtr rr = MakeUpdateRr(change, *owner);
    if (!rr)
      return tl::unexpected(UpdateError(QueryFailure::kMalformed, *zone, where, "no memory"));
    ldns_rr_list_push_rr(updates.get(), rr.release());
  }

  // Zone section: the zone's SOA in class IN (RFC 2136 §2.3); no prerequisites.
  PktPtr request(ldns_update_pkt_new(internal::MakeDname(*zone).release(), LDNS_RR_CLASS_IN,
                                     nullptr, updates.get(), nullptr));
  if (!request) {
    return tl::unexpected(
        UpdateError(QueryFailure::kMalformed, *zone, where, "cannot build the update message"));
  }
  ldns_pkt_set_rd(request.get(), false);  // ldns sets RD; RFC 2136 §2.2 leaves it zero
  ldns_pkt_set_id(request.get(), internal::RandomMessageId());
  std::string key_name = AbsoluteName(key_.name());
  std::string algorithm = AbsoluteName(TsigAlgorithmName(key_.algorithm()));
  ldns_status signed_status =
      ldns_pkt_tsig_sign(request.get(), key_name.c_str(), key_.secret_base64().c_str(),
                         options_.fudge_seconds, algorithm.c_str(), nullptr);
  if (signed_status != LDNS_STATUS_OK) {
    return tl::unexpected(UpdateError(QueryFailure::kMalformed, *zone, where,
                                      "cannot sign the update with " + key_.Describe() + ": " +
                                          ldns_get_errorstr_by_id(signed_status)));
  }
  const ldns_rdf* request_mac = ldns_rr_rdf(ldns_pkt_tsig(request.get()), 3);
  auto wire = internal::ToWire(request.get());
  if (!wire) {
    return tl::unexpected(
        UpdateError(QueryFailure::kMalformed, *zone, where, wire.error().message));
  }

  const std::string context = "update of zone " + *zone + " at " + where;
  // TXT challenge values are public once published; the TSIG secret never reaches this line.
  util::LogDebug("dns: " + context + " with " + key_.Describe() + ": " +
                 std::to_string(changes.size()) + " change(s)");
  tl::expected<std::vector<uint8_t>, internal::TransportError> reply;
  for (int attempt = 0; attempt < options_.attempts; ++attempt) {
    reply = internal::Exchange(server_, *wire, Transport::kUdp, options_.timeout);
    if (reply || reply.error().failure != QueryFailure::kTimeout) break;
  }
  if (reply && reply->size() > 2 && ((*reply)[2] & 0x02) != 0) {  // TC: repeat over TCP
    reply = internal::Exchange(server_, *wire, Transport::kTcp, options_.timeout);
  }
  if (!reply) {
    return tl::unexpected(
        UpdateError(reply.error().failure, *zone, where, context + ": " + reply.error().what));
  }
  auto parsed = internal::FromWire(*reply);
  if (!parsed) {
    return tl::unexpected(UpdateError(QueryFailure::kMalformed, *zone, where,
                                      context + ": " + parsed.error().message));
  }
  ldns_pkt* answer = parsed->get();
  Rcode rcode = static_cast<Rcode>(ldns_pkt_get_rcode(answer));
  const ldns_rr* tsig = ldns_pkt_tsig(answer);
  Rcode tsig_error = Rcode::kNoError;
  if (tsig != nullptr && ldns_rr_rd_count(tsig) > 5) {
    tsig_error = static_cast<Rcode>(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)));
  }

  if (rcode != Rcode::kNoError || tsig_error != Rcode::kNoError) {
    bool refused =
        tsig_error != Rcode::kNoError || rcode == Rcode::kNotAuth || rcode == Rcode::kRefused;
    std::string message = "update of zone " + *zone + (refused ? " refused by " : " failed at ") +
                          where + ": " + RcodeName(rcode) + " (";
    if (tsig_error != Rcode::kNoError) {
      // RFC 8945 §5.3.2: a TSIG error comes back as NOTAUTH with the cause in the TSIG record.
      message += key_.Describe() + " not accepted: " + TsigErrorMeaning(tsig_error) + ")";
    } else {
      message += ExplainRefusal(rcode, *zone, key_) + ")";
    }
    QueryFailure failure = rcode == Rcode::kRefused    ? QueryFailure::kRefused
                           : rcode == Rcode::kServFail ? QueryFailure::kServFail
                                                       : QueryFailure::kRcode;
    return tl::unexpected(UpdateError(failure, *zone, where, message,
                                      tsig_error != Rcode::kNoError ? tsig_error : rcode));
  }
  // RFC 8945 §5.3.1: the server signs its answer; an unsigned or badly signed "success" could
  // be forged, and the caller would then wait for a record that was never added.
  if (tsig == nullptr) {
    return tl::unexpected(UpdateError(QueryFailure::kMalformed, *zone, where,
                                      context + ": the server's answer is not TSIG-signed"));
  }
  if (!ldns_pkt_tsig_verify(answer, reply->data(), reply->size(), key_name.c_str(),
                            key_.secret_base64().c_str(), request_mac)) {
    return tl::unexpected(UpdateError(QueryFailure::kMalformed, *zone, where,
                                      context +
                                          ": the TSIG signature of the server's answer "
                                          "does not verify with " +
                                          key_.Describe()));
  }
  return {};
}

}  // namespace mailcert::dns
