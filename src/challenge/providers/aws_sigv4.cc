#include "challenge/providers/aws_sigv4.h"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include "challenge/providers/api_common.h"
#include "crypto/hash.h"
#include "util/strings.h"

namespace mailcert::challenge::api {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

// Percent-decoding of a query component; '+' is kept (AWS signs what is sent).
std::string PercentDecode(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int high = hex(text[i + 1]);
      int low = hex(text[i + 2]);
      if (high >= 0 && low >= 0) {
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    decoded.push_back(text[i]);
  }
  return decoded;
}

// Canonical URI: every segment of the path as sent, URI-encoded again ("Each path segment must
// be URI-encoded twice", except for S3, which Route 53 is not).
std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string> segments = util::Split(path, '/');
  std::string canonical;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) canonical.push_back('/');
    canonical += UrlEncode(segments[i]);
  }
  return canonical;
}

// Canonical query: each name and value URI-encoded, sorted by name then value.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& pair : util::Split(query, '&')) {
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::string name = PercentDecode(pair.substr(0, equals));
    std::string value = equals == std::string::npos ? "" : PercentDecode(pair.substr(equals + 1));
    pairs.emplace_back(UrlEncode(name), UrlEncode(value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string canonical;
  for (const auto& [name, value] : pairs) {
    if (!canonical.empty()) canonical.push_back('&');
    canonical += name + "=" + value;
  }
  return canonical;
}

std::string CanonicalHeaderValue(std::string_view value) {
  std::string collapsed;
  bool space = false;
  for (char c : util::Trim(value)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) collapsed.push_back(' ');
    space = false;
    collapsed.push_back(c);
  }
  return collapsed;
}

}  // namespace

std::string HostHeaderOf(std::string_view url) { return util::ToLower(HostOf(url)); }

std::string AmzDate(util::TimePoint now) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

util::Result<SigV4Signature> ComputeSigV4(std::string_view method, std::string_view url,
                                          const net::HeaderList& headers, std::string_view body,
                                          const SigV4Credentials& credentials,
                                          const SigV4Scope& scope, std::string_view amz_date) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return util::Fail(util::ErrorCode::kInvalidInput, "SigV4: URL without scheme");
  }
  std::string_view rest = url.substr(scheme + 3);
  size_t path_start = rest.find_first_of("/?");
  std::string_view target = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  if (amz_date.size() != 16 || amz_date[8] != 'T') {
    return util::Fail(util::ErrorCode::kInvalidInput, "SigV4: date is not yyyymmddThhmmssZ");
  }
  std::string date(amz_date.substr(0, 8));

  std::vector<std::pair<std::string, std::string>> canonical_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers.emplace_back(util::ToLower(name), CanonicalHeaderValue(value));
  }
  std::sort(canonical_headers.begin(), canonical_headers.end());
  std::string header_block;
  std::vector<std::string> names;
  for (const auto& [name, value] : canonical_headers) {
    header_block += name + ":" + value + "\n";
    names.push_back(name);
  }

  SigV4Signature signature;
  signature.signed_headers = util::Join(names, ";");
  // Task 1: the canonical request.
  signature.canonical_request =
      std::string(method) + "\n" + CanonicalUri(path) + "\n" + CanonicalQuery(query) + "\n" +
      header_block + "\n" + signature.signed_headers + "\n" + util::HexEncode(crypto::Sha256(body));
  // Task 2: the string to sign.
  std::string credential_scope = date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  signature.string_to_sign = std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" +
                             credential_scope + "\n" +
                             util::HexEncode(crypto::Sha256(signature.canonical_request));
  // Task 3: the signing key, then the signature.
  if (credentials.secret_access_key.empty()) {
    return util::Fail(util::ErrorCode::kInvalidInput, "SigV4: the secret access key is empty");
  }
  MC_ASSIGN_OR_RETURN(std::string k_date,
                      crypto::HmacSha256("AWS4" + credentials.secret_access_key, date));
  MC_ASSIGN_OR_RETURN(std::string k_region, crypto::HmacSha256(k_date, scope.region));
  MC_ASSIGN_OR_RETURN(std::string k_service, crypto::HmacSha256(k_region, scope.service));
  MC_ASSIGN_OR_RETURN(std::string k_signing, crypto::HmacSha256(k_service, "aws4_request"));
  MC_ASSIGN_OR_RETURN(std::string mac, crypto::HmacSha256(k_signing, signature.string_to_sign));
  signature.signature = util::HexEncode(mac);
  // Task 4: the Authorization header.
  signature.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id +
                            "/" + credential_scope + ", SignedHeaders=" + signature.signed_headers +
                            ", Signature=" + signature.signature;
  return signature;
}

util::Result<void> SignSigV4(net::HttpRequest& request, const SigV4Credentials& credentials,
                             const SigV4Scope& scope, util::TimePoint now) {
  std::string amz_date = AmzDate(now);
  request.headers.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  net::HeaderList signed_headers = {{"host", HostHeaderOf(request.url)}};
  for (const auto& [name, value] : request.headers) {
    if (util::EqualsIgnoreCase(name, "x-amz-date") ||
        util::EqualsIgnoreCase(name, "x-amz-security-token") ||
        util::EqualsIgnoreCase(name, "content-type")) {
      signed_headers.emplace_back(name, value);
    }
  }
  MC_ASSIGN_OR_RETURN(SigV4Signature signature,
                      ComputeSigV4(request.method, request.url, signed_headers, request.body,
                                   credentials, scope, amz_date));
  request.headers.emplace_back("Authorization", signature.authorization);
  return {};
}

}  // namespace mailcert::challenge::api
