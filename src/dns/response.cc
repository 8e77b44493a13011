#include "dns/response.h"

#include <type_traits>

#include "util/strings.h"

namespace mailcert::dns {

std::string RrTypeName(RrType type) {
  switch (type) {
    case RrType::kA:
      return "A";
    case RrType::kNs:
      return "NS";
    case RrType::kCname:
      return "CNAME";
    case RrType::kSoa:
      return "SOA";
    case RrType::kTxt:
      return "TXT";
    case RrType::kAaaa:
      return "AAAA";
    case RrType::kTlsa:
      return "TLSA";
    case RrType::kCaa:
      return "CAA";
  }
  return "TYPE" + std::to_string(static_cast<uint16_t>(type));
}

std::string RcodeName(Rcode rcode) {
  switch (rcode) {
    case Rcode::kNoError:
      return "NOERROR";
    case Rcode::kFormErr:
      return "FORMERR";
    case Rcode::kServFail:
      return "SERVFAIL";
    case Rcode::kNxDomain:
      return "NXDOMAIN";
    case Rcode::kNotImp:
      return "NOTIMP";
    case Rcode::kRefused:
      return "REFUSED";
    case Rcode::kYxDomain:
      return "YXDOMAIN";
    case Rcode::kYxRrset:
      return "YXRRSET";
    case Rcode::kNxRrset:
      return "NXRRSET";
    case Rcode::kNotAuth:
      return "NOTAUTH";
    case Rcode::kNotZone:
      return "NOTZONE";
    case Rcode::kBadSig:
      return "BADSIG";
    case Rcode::kBadKey:
      return "BADKEY";
    case Rcode::kBadTime:
      return "BADTIME";
  }
  return "RCODE" + std::to_string(static_cast<uint16_t>(rcode));
}

std::string TxtRecord::Joined() const {
  std::string joined;
  for (const std::string& part : strings) joined += part;
  return joined;
}

std::string Record::ToString() const {
  std::string text = name + " " + std::to_string(ttl) + " " + RrTypeName(type) + " ";
  std::visit(
      [&text](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, ARecord> || std::is_same_v<T, AaaaRecord>) {
          text += data.address;
        } else if constexpr (std::is_same_v<T, CnameRecord>) {
          text += data.target;
        } else if constexpr (std::is_same_v<T, NsRecord>) {
          text += data.host;
        } else if constexpr (std::is_same_v<T, SoaRecord>) {
          text += data.mname + " " + data.rname + " " + std::to_string(data.serial) + " " +
                  std::to_string(data.refresh) + " " + std::to_string(data.retry) + " " +
                  std::to_string(data.expire) + " " + std::to_string(data.minimum);
        } else if constexpr (std::is_same_v<T, TxtRecord>) {
          for (size_t i = 0; i < data.strings.size(); ++i) {
            if (i > 0) text += " ";
            text += util::Quote(data.strings[i]);
          }
        } else if constexpr (std::is_same_v<T, CaaRecord>) {
          text += std::to_string(data.flags) + " " + data.tag + " " + util::Quote(data.value);
        } else if constexpr (std::is_same_v<T, TlsaRecord>) {
          text += std::to_string(data.usage) + " " + std::to_string(data.selector) + " " +
                  std::to_string(data.matching_type) + " " + util::HexEncode(data.data);
        } else {
          // RFC 3597 §5 generic form.
          text += "\\# " + std::to_string(data.rdata.size()) + " " + util::HexEncode(data.rdata);
        }
      },
      data);
  return text;
}

const char* QueryFailureName(QueryFailure failure) {
  switch (failure) {
    case QueryFailure::kTimeout:
      return "timeout";
    case QueryFailure::kUnreachable:
      return "unreachable";
    case QueryFailure::kServFail:
      return "servfail";
    case QueryFailure::kRefused:
      return "refused";
    case QueryFailure::kRcode:
      return "rcode";
    case QueryFailure::kMalformed:
      return "malformed";
    case QueryFailure::kInconsistent:
      return "inconsistent";
    case QueryFailure::kInvalidName:
      return "invalid_name";
  }
  return "unknown";
}

QueryError MakeQueryError(QueryFailure failure, std::string_view name, RrType type,
                          std::string_view server, std::string_view what, Rcode rcode) {
  QueryError error;
  switch (failure) {
    case QueryFailure::kTimeout:
      error.code = util::ErrorCode::kTimeout;
      break;
    case QueryFailure::kMalformed:
    case QueryFailure::kInconsistent:
      error.code = util::ErrorCode::kProtocol;
      break;
    case QueryFailure::kInvalidName:
      error.code = util::ErrorCode::kInvalidInput;
      break;
    default:
      error.code = util::ErrorCode::kNetwork;
      break;
  }
  error.message = std::string(name) + " " + RrTypeName(type);
  if (!server.empty()) error.message += " at " + std::string(server);
  error.message += ": " + std::string(what);
  error.failure = failure;
  error.rcode = rcode;
  error.server = std::string(server);
  error.name = std::string(name);
  error.type = type;
  return error;
}

}  // namespace mailcert::dns
