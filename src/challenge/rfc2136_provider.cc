#include "challenge/rfc2136_provider.h"

#include "dns/name.h"
#include "util/strings.h"

namespace mailcert::challenge {
namespace {

util::Error Invalid(const std::string& message) {
  return util::Error{util::ErrorCode::kInvalidInput, "rfc2136: " + message, {}};
}

// "192.0.2.1:5353" and "[2001:db8::1]:5353" carry a port; "2001:db8::1" does not.
bool HasPort(const std::string& text) {
  if (text.find("]:") != std::string::npos) return true;
  size_t colon = text.find(':');
  return colon != std::string::npos && colon == text.rfind(':') && text.front() != '[';
}

bool LooksLikeAddress(const std::string& text) {
  return text.find(':') != std::string::npos ||
         text.find_first_not_of("0123456789.") == std::string::npos;
}

}  // namespace

DnsProviderResult Rfc2136Provider::Make(const ProviderSettings& settings,
                                        const ProviderDeps& deps) {
  std::optional<dns::TsigKey> key;
  const auto key_name = FindSetting(settings, {"key_name", "RFC2136_TSIG_KEY"});
  const auto secret = FindSetting(settings, {"key_secret", "RFC2136_TSIG_SECRET"});
  if (auto file = FindSetting(settings, {"key_file", "NSUPDATE_KEY"})) {
    if (secret) {
      return util::Fail(Invalid("give the TSIG key as key_file or as key_secret, not both"));
    }
    if (deps.fs == nullptr) return util::Fail(util::ErrorCode::kInternal, "rfc2136: no Fs");
    auto loaded = dns::LoadBindKeyFile(*deps.fs, *file, key_name.value_or(""));
    if (!loaded) return util::Fail(loaded.error().WithContext("rfc2136"));
    key = std::move(*loaded);
  } else if (secret) {
    if (!key_name) return util::Fail(Invalid("key_secret needs key_name, the TSIG key's name"));
    const std::string algorithm =
        FindSetting(settings, {"key_algorithm", "RFC2136_TSIG_ALGORITHM"}).value_or("hmac-sha256");
    auto made = dns::TsigKey::FromValues(*key_name, algorithm, *secret);
    if (!made) return util::Fail(made.error().WithContext("rfc2136"));
    key = std::move(*made);
  } else {
    return util::Fail(Invalid("no TSIG key: set key_file (a BIND key file, as tsig-keygen writes "
                              "it), or key_name and key_secret"));
  }
  MC_ASSIGN_OR_RETURN(uint32_t port,
                      NumberSetting(settings, {"port", "NSUPDATE_SERVER_PORT"}, dns::kDnsPort, 1,
                                    65535, "rfc2136"));
  MC_ASSIGN_OR_RETURN(uint32_t ttl, NumberSetting(settings, {"ttl"}, 60, 1, 86400, "rfc2136"));
  std::string server = FindSetting(settings, {"server", "NSUPDATE_SERVER", "RFC2136_NAMESERVER"})
                           .value_or("");
  if (!server.empty() && LooksLikeAddress(server)) {
    auto parsed = dns::ParseServerAddress(server);
    if (!parsed) return util::Fail(parsed.error().WithContext("rfc2136: server"));
  }
  if (deps.resolver == nullptr && (server.empty() || !LooksLikeAddress(server))) {
    return util::Fail(util::ErrorCode::kInternal, "rfc2136: no resolver to find the server");
  }
  return std::unique_ptr<DnsProvider>(new Rfc2136Provider(
      std::move(*key), std::move(server), static_cast<uint16_t>(port), ttl, deps.resolver));
}

Rfc2136Provider::Rfc2136Provider(dns::TsigKey key, std::string server, uint16_t port,
                                 uint32_t ttl, dns::Resolver* resolver)
    : key_(std::move(key)), server_(std::move(server)), port_(port), ttl_(ttl),
      resolver_(resolver) {}

std::string Rfc2136Provider::Describe() const {
  return "rfc2136 at " + (server_.empty() ? std::string("the zone's primary (SOA MNAME)") : server_) +
         " with " + key_.Describe();
}

util::Result<dns::ServerAddress> Rfc2136Provider::Resolve(const std::string& host,
                                                          const std::string& why) {
  std::vector<std::string> problems;
  for (dns::RrType type : {dns::RrType::kA, dns::RrType::kAaaa}) {
    auto response = resolver_->Query(host, type);
    if (!response) {
      problems.push_back(response.error().message);
      continue;
    }
    for (const dns::Record& record : response->answer) {
      if (const auto* a = record.As<dns::ARecord>()) return dns::ServerAddress{a->address, port_};
      if (const auto* aaaa = record.As<dns::AaaaRecord>()) {
        return dns::ServerAddress{aaaa->address, port_};
      }
    }
  }
  return util::Fail(util::ErrorCode::kNetwork,
                    "rfc2136: cannot find the address of " + why + " " + host +
                        (problems.empty() ? ": it has no A or AAAA record"
                                          : ": " + util::Join(problems, "; ")) +
                        " — set server to its IP address");
}

util::Result<dns::ServerAddress> Rfc2136Provider::ServerFor(const std::string& zone) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto known = servers_.find(zone); known != servers_.end()) return known->second;
  }
  dns::ServerAddress address;
  if (!server_.empty() && LooksLikeAddress(server_)) {
    MC_ASSIGN_OR_RETURN(address, dns::ParseServerAddress(server_));
    if (!HasPort(server_)) address.port = port_;
  } else if (!server_.empty()) {
    MC_ASSIGN_OR_RETURN(address, Resolve(server_, "the update server"));
  } else {
    // RFC 2136 §4: updates go to the primary, which the SOA record's MNAME names.
    auto soa = resolver_->Query(zone, dns::RrType::kSoa);
    if (!soa) {
      return util::Fail(soa.error().code, "rfc2136: cannot find the primary of zone " + zone +
                                              ": " + soa.error().message +
                                              " — set server to the primary's address");
    }
    std::string primary;
    for (const dns::Record& record : soa->answer) {
      if (const auto* data = record.As<dns::SoaRecord>(); data && record.name == zone) {
        primary = data->mname;
      }
    }
    if (primary.empty()) {
      return util::Fail(util::ErrorCode::kProtocol,
                        "rfc2136: zone " + zone + " has no SOA record at " + soa->server +
                            " — set server to the primary's address");
    }
    MC_ASSIGN_OR_RETURN(address, Resolve(primary, "zone " + zone + "'s primary (SOA MNAME)"));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  servers_[zone] = address;
  return address;
}

util::Error Rfc2136Provider::UpdateFailed(const dns::QueryError& error,
                                          const std::string& action) const {
  std::string message = "rfc2136: " + action + ": " + error.message;
  util::ErrorCode code = error.code;
  switch (error.failure) {
    case dns::QueryFailure::kTimeout:
    case dns::QueryFailure::kUnreachable:
      message += " — check that the server runs and accepts updates there (server, port)";
      break;
    case dns::QueryFailure::kRefused:
    case dns::QueryFailure::kRcode:
      // The server answered and applied nothing (RFC 2136 §3): the key or its rights are wrong.
      code = util::ErrorCode::kInvalidInput;
      break;
    default:
      code = util::ErrorCode::kProtocol;
      break;
  }
  return util::Error{code, message, error.detail};
}

util::Result<void> Rfc2136Provider::AddTxt(const std::string& zone, const std::string& fqdn,
                                           const std::string& value) {
  MC_ASSIGN_OR_RETURN(dns::ServerAddress server, ServerFor(zone));
  dns::Rfc2136Client client(server, key_);
  // Adding keeps the other values of the RRset (RFC 2136 §2.5.1): wildcard and apex coexist.
  auto added = client.AddTxt(zone, fqdn, value, ttl_);
  if (!added) return util::Fail(UpdateFailed(added.error(), "add TXT " + fqdn));
  return {};
}

util::Result<void> Rfc2136Provider::RemoveTxt(const std::string& zone, const std::string& fqdn,
                                              const std::string& value) {
  MC_ASSIGN_OR_RETURN(dns::ServerAddress server, ServerFor(zone));
  dns::Rfc2136Client client(server, key_);
  // Deleting one value (RFC 2136 §2.5.4) leaves the others; a missing value is a no-op.
  auto deleted = client.DeleteTxt(zone, fqdn, value);
  if (!deleted) return util::Fail(UpdateFailed(deleted.error(), "remove TXT " + fqdn));
  return {};
}

}  // namespace mailcert::challenge
