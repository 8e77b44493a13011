#include "challenge/providers/api_common.h"

#include "util/strings.h"

namespace mailcert::challenge::api {
namespace {

// Shorter values are too likely to occur in ordinary text ("0", "eu") to be scrubbed usefully,
// and no provider issues credentials that short.
constexpr size_t kMinSecretLength = 4;

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

util::Result<std::string> Settings::Required(const std::string& name, std::string_view hint) {
  std::string value = Optional(name);
  if (value.empty()) {
    std::string message = provider_ + ": " + name + " is not set";
    if (!hint.empty()) message += " (" + std::string(hint) + ")";
    return util::Fail(util::ErrorCode::kInvalidInput, message);
  }
  return value;
}

util::Result<std::string> Settings::Secret(const std::string& name, std::string_view hint) {
  MC_ASSIGN_OR_RETURN(std::string value, Required(name, hint));
  AddSecret(value);
  return value;
}

std::string Settings::Optional(const std::string& name, const std::string& fallback) const {
  auto found = values_.find(name);
  if (found == values_.end()) return fallback;
  std::string value(util::Trim(found->second));
  return value.empty() ? fallback : value;
}

bool Settings::Has(const std::string& name) const { return !Optional(name).empty(); }

void Settings::AddSecret(std::string value) {
  if (value.size() >= kMinSecretLength) secrets_.push_back(std::move(value));
}

util::Result<std::string> Settings::BaseUrl(const std::string& override_name,
                                            const std::string& fallback) {
  std::string url = Optional(override_name, fallback);
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return util::Fail(util::ErrorCode::kInvalidInput,
                      provider_ + ": " + override_name + " must be an http:// or https:// URL");
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

util::Result<net::HttpResponse> ApiClient::Send(net::HttpRequest request) const {
  auto response = http_.Send(request);
  if (!response) {
    util::Error error = response.error();
    error.message = Scrub(provider_ + ": " + error.message);
    error.detail = Scrub(error.detail);
    return util::Fail(std::move(error));
  }
  return response;
}

util::Result<void> ApiClient::Expect(const util::Result<net::HttpResponse>& response,
                                     std::string_view what) const {
  if (!response) return util::Fail(response.error());
  if (!IsSuccess(*response)) return util::Fail(Failure(what, *response));
  return {};
}

util::Error ApiClient::Failure(std::string_view what, const net::HttpResponse& response) const {
  return Failure(what, response, message_ == nullptr ? "" : message_(response));
}

util::Error ApiClient::Failure(std::string_view what, const net::HttpResponse& response,
                               std::string_view api_message) const {
  util::ErrorCode code = util::ErrorCode::kProtocol;
  if (response.status == 401 || response.status == 403) {
    code = util::ErrorCode::kInvalidInput;
  } else if (response.status == 404) {
    code = util::ErrorCode::kNotFound;
  } else if (response.status == 429) {
    code = util::ErrorCode::kRateLimited;
  }
  std::string message = std::string(what) + ": HTTP " + std::to_string(response.status);
  std::string said = api_message.empty() ? BodySnippet(response.body) : std::string(api_message);
  if (!said.empty()) message += ": " + said;
  if (code == util::ErrorCode::kInvalidInput) {
    message += " (check the credentials and that they may edit this zone)";
  }
  return Make(code, message);
}

util::Error ApiClient::Make(util::ErrorCode code, std::string_view message) const {
  return util::Error{code, Scrub(provider_ + ": " + std::string(message)), {}};
}

util::Result<util::Json> ApiClient::ParseJson(std::string_view what,
                                              const net::HttpResponse& response) const {
  auto json = util::ParseJson(response.body, "response");
  if (!json) {
    return util::Fail(Make(util::ErrorCode::kProtocol,
                           std::string(what) + ": HTTP " + std::to_string(response.status) +
                               ": not valid JSON: " + BodySnippet(response.body)));
  }
  return json;
}

std::string ApiClient::Scrub(std::string_view text) const {
  std::string scrubbed(text);
  for (const std::string& secret : secrets_) {
    if (secret.size() < kMinSecretLength) continue;
    for (size_t at = scrubbed.find(secret); at != std::string::npos;
         at = scrubbed.find(secret, at)) {
      scrubbed.replace(at, secret.size(), "[redacted]");
    }
  }
  return scrubbed;
}

std::optional<std::string> ZoneCache::Find(std::string_view zone) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto cached = ids_.find(CanonicalName(zone));
  if (cached == ids_.end()) return std::nullopt;
  return cached->second;
}

std::string ZoneCache::Remember(std::string_view zone, std::string id) {
  std::lock_guard<std::mutex> lock(mu_);
  ids_[CanonicalName(zone)] = id;
  return id;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (IsUnreserved(c)) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 0xf]);
    }
  }
  return encoded;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string form;
  for (const auto& [name, value] : pairs) {
    if (!form.empty()) form.push_back('&');
    form += UrlEncode(name) + "=" + UrlEncode(value);
  }
  return form;
}

std::string ToUpper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

std::string CanonicalName(std::string_view name) {
  std::string canonical = util::ToLower(name);
  while (canonical.ends_with('.')) canonical.pop_back();
  return canonical;
}

bool SameName(std::string_view a, std::string_view b) {
  return CanonicalName(a) == CanonicalName(b);
}

std::string RelativeName(std::string_view fqdn, std::string_view zone) {
  std::string name = CanonicalName(fqdn);
  std::string apex = CanonicalName(zone);
  if (name == apex) return "@";
  if (name.size() > apex.size() && name.ends_with("." + apex)) {
    return name.substr(0, name.size() - apex.size() - 1);
  }
  return name;
}

std::string UnquoteTxt(std::string_view text) {
  std::string_view trimmed = util::Trim(text);
  if (trimmed.size() < 2 || trimmed.front() != '"') return std::string(text);
  // One or more <character-string>s in zone-file syntax: "abc" "def" → abcdef.
  std::string value;
  size_t i = 0;
  while (i < trimmed.size()) {
    if (trimmed[i] == ' ' || trimmed[i] == '\t') {
      ++i;
      continue;
    }
    if (trimmed[i] != '"') return std::string(text);  // not zone-file syntax after all
    ++i;
    bool closed = false;
    while (i < trimmed.size()) {
      char c = trimmed[i++];
      if (c == '\\' && i < trimmed.size()) {
        value.push_back(trimmed[i++]);
      } else if (c == '"') {
        closed = true;
        break;
      } else {
        value.push_back(c);
      }
    }
    if (!closed) return std::string(text);
  }
  return value;
}

std::string QuoteTxt(std::string_view value) {
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string HostOf(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

std::string BodySnippet(std::string_view body) {
  std::string snippet;
  for (char c : body.substr(0, 200)) {
    snippet.push_back((c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
  }
  if (body.size() > 200) snippet += "…";
  return std::string(util::Trim(snippet));
}

}  // namespace mailcert::challenge::api
