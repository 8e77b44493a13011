#include "store/records.h"

#include "util/json.h"

namespace mailcert::store {
namespace {

using util::Json;

Json TimeJson(const std::optional<util::TimePoint>& time) {
  if (!time) return nullptr;
  return util::FormatRfc3339(*time);
}

// A time field: absent/null → nullopt; present but unparsable → error naming the field.
util::Result<std::optional<util::TimePoint>> ReadTime(const Json& object, const char* key,
                                                      const std::string& origin) {
  if (!object.contains(key) || object[key].is_null()) return std::optional<util::TimePoint>();
  auto text = util::OptionalString(object, key);
  std::optional<util::TimePoint> parsed;
  if (text) parsed = util::ParseRfc3339(*text);
  if (!parsed) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      origin + ": field \"" + key + "\" is not an RFC 3339 time");
  }
  return parsed;
}

util::Result<util::TimePoint> RequireTime(const Json& object, const char* key,
                                          const std::string& origin) {
  MC_ASSIGN_OR_RETURN(auto time, ReadTime(object, key, origin));
  if (!time) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      origin + ": field \"" + key + "\" is missing");
  }
  return *time;
}

util::Result<Json> ParseObject(const std::string& text, const std::string& origin) {
  MC_ASSIGN_OR_RETURN(Json json, util::ParseJson(text, origin, util::ErrorCode::kInvalidInput));
  if (!json.is_object()) {
    return util::Fail(util::ErrorCode::kInvalidInput, origin + ": expected a JSON object");
  }
  return json;
}

std::string Str(const Json& object, const char* key) {
  return util::OptionalString(object, key).value_or("");
}

}  // namespace

std::string EncodeAccount(const AccountRecord& record) {
  Json json = {{"id", record.id},
               {"directory", record.directory_url},
               {"url", record.url},
               {"contact", record.contact},
               {"status", record.status},
               {"eab_kid", record.eab_kid},
               {"created", util::FormatRfc3339(record.created)}};
  return util::DumpJson(json, 2) + "\n";
}

util::Result<AccountRecord> DecodeAccount(const std::string& text, const std::string& origin) {
  MC_ASSIGN_OR_RETURN(Json json, ParseObject(text, origin));
  AccountRecord record;
  MC_ASSIGN_OR_RETURN(record.directory_url, util::RequiredString(json, "directory", origin,
                                                                 util::ErrorCode::kInvalidInput));
  record.id = Str(json, "id");
  record.url = Str(json, "url");
  record.contact = util::StringArray(json, "contact");
  record.status = Str(json, "status");
  record.eab_kid = Str(json, "eab_kid");
  MC_ASSIGN_OR_RETURN(auto created, ReadTime(json, "created", origin));
  record.created = created.value_or(util::TimePoint{});
  return record;
}

std::string EncodeState(const LineageState& state) {
  const IssueRequest& request = state.request;
  Json json = {{"request",
                {{"names", request.names},
                 {"key_type", request.key_type},
                 {"server", request.server},
                 {"ca_bundle", request.ca_bundle},
                 {"http_listen", request.http_listen},
                 {"webroot", request.webroot},
                 {"preferred_chain", request.preferred_chain},
                 {"from_mail_plan", request.from_mail_plan},
                 {"profile", request.profile},
                 {"challenge", request.challenge},
                 {"dns_provider", request.dns_provider},
                 {"dns_credentials", request.dns_credentials}}},
               {"last_attempt", TimeJson(state.last_attempt)},
               {"last_success", TimeJson(state.last_success)},
               {"consecutive_failures", state.consecutive_failures},
               {"last_error", state.last_error},
               {"revoked_serials", state.revoked_serials},
               {"key_compromised", state.key_compromised}};
  Json deploys = Json::object();
  for (const auto& [target, record] : state.deploys) {
    deploys[target] = {{"at", util::FormatRfc3339(record.at)},
                       {"version", record.version},
                       {"fingerprint_sha256", record.fingerprint_sha256_hex},
                       {"status", record.status},
                       {"error", record.error}};
  }
  json["deploys"] = std::move(deploys);
  return util::DumpJson(json, 2) + "\n";
}

util::Result<LineageState> DecodeState(const std::string& text, const std::string& origin) {
  MC_ASSIGN_OR_RETURN(Json json, ParseObject(text, origin));
  LineageState state;
  if (json.contains("request") && json["request"].is_object()) {
    const Json& request = json["request"];
    state.request.names = util::StringArray(request, "names");
    state.request.key_type = util::OptionalString(request, "key_type").value_or("ec256");
    state.request.server = Str(request, "server");
    state.request.ca_bundle = Str(request, "ca_bundle");
    state.request.http_listen = Str(request, "http_listen");
    state.request.webroot = Str(request, "webroot");
    state.request.preferred_chain = Str(request, "preferred_chain");
    state.request.from_mail_plan = util::OptionalBool(request, "from_mail_plan").value_or(false);
    state.request.profile = Str(request, "profile");
    state.request.challenge = Str(request, "challenge");
    state.request.dns_provider = Str(request, "dns_provider");
    state.request.dns_credentials = Str(request, "dns_credentials");
  }
  MC_ASSIGN_OR_RETURN(state.last_attempt, ReadTime(json, "last_attempt", origin));
  MC_ASSIGN_OR_RETURN(state.last_success, ReadTime(json, "last_success", origin));
  state.consecutive_failures =
      static_cast<int>(util::OptionalInt(json, "consecutive_failures").value_or(0));
  state.last_error = Str(json, "last_error");
  state.revoked_serials = util::StringArray(json, "revoked_serials");
  state.key_compromised = util::OptionalBool(json, "key_compromised").value_or(false);
  if (json.contains("deploys") && json["deploys"].is_object()) {
    for (const auto& [target, entry] : json["deploys"].items()) {
      if (!entry.is_object()) continue;
      DeployRecord record;
      const std::string where = origin + ": deploys." + target;
      MC_ASSIGN_OR_RETURN(record.at, RequireTime(entry, "at", where));
      record.version = static_cast<int>(util::OptionalInt(entry, "version").value_or(0));
      record.fingerprint_sha256_hex = Str(entry, "fingerprint_sha256");
      record.status = Str(entry, "status");
      record.error = Str(entry, "error");
      state.deploys[target] = std::move(record);
    }
  }
  return state;
}

std::string EncodeMeta(const VersionMeta& meta) {
  Json json = {{"version", meta.number},
               {"names", meta.names},
               {"key_type", meta.key_type},
               {"issued_at", util::FormatRfc3339(meta.issued_at)},
               {"not_before", util::FormatRfc3339(meta.not_before)},
               {"not_after", util::FormatRfc3339(meta.not_after)},
               {"serial", meta.serial_hex},
               {"issuer", meta.issuer_cn},
               {"fingerprint_sha256", meta.fingerprint_sha256_hex},
               {"spki_sha256", meta.spki_sha256_hex},
               {"directory", meta.directory_url},
               {"account", meta.account_url},
               {"order", meta.order_url},
               {"certificate_url", meta.certificate_url},
               {"key_reused", meta.key_reused},
               {"source", meta.source}};
  return util::DumpJson(json, 2) + "\n";
}

util::Result<VersionMeta> DecodeMeta(const std::string& text, const std::string& origin) {
  MC_ASSIGN_OR_RETURN(Json json, ParseObject(text, origin));
  VersionMeta meta;
  auto number = util::OptionalInt(json, "version");
  if (!number || *number <= 0) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      origin + ": field \"version\" is missing or not a positive integer");
  }
  meta.number = static_cast<int>(*number);
  meta.names = util::StringArray(json, "names");
  meta.key_type = Str(json, "key_type");
  MC_ASSIGN_OR_RETURN(meta.issued_at, RequireTime(json, "issued_at", origin));
  MC_ASSIGN_OR_RETURN(meta.not_before, RequireTime(json, "not_before", origin));
  MC_ASSIGN_OR_RETURN(meta.not_after, RequireTime(json, "not_after", origin));
  meta.serial_hex = Str(json, "serial");
  meta.issuer_cn = Str(json, "issuer");
  meta.fingerprint_sha256_hex = Str(json, "fingerprint_sha256");
  meta.spki_sha256_hex = Str(json, "spki_sha256");
  meta.directory_url = Str(json, "directory");
  meta.account_url = Str(json, "account");
  meta.order_url = Str(json, "order");
  meta.certificate_url = Str(json, "certificate_url");
  meta.key_reused = util::OptionalBool(json, "key_reused").value_or(false);
  meta.source = util::OptionalString(json, "source").value_or("acme");
  return meta;
}

}  // namespace mailcert::store
