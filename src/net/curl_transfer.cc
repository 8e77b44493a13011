#include "net/curl_transfer.h"

#include "net/socket_address.h"
#include "util/strings.h"

namespace mailcert::net {
namespace {

// The system trust store as a hashed directory (c_rehash layout, Debian's /etc/ssl/certs).
// OpenSSL looks a CA up there by subject hash only when a chain needs it, so a connection costs
// one or two small file reads instead of parsing the ~140 certificates of ca-certificates.crt.
constexpr const char* kSystemCaPath = "/etc/ssl/certs";

// curl 7.87+ can cache the X509 store it builds for new connections on the multi handle, but
// only when CAPATH is unset (the cache criteria in lib/vtls/openssl.c). Measured here: parsing
// ca-certificates.crt costs ~18 ms CPU per store, setting up the hashed directory ~0.2 ms; so the
// directory without cache beats the bundle with cache for a one-shot run, and a daemon builds a
// store only per new connection, which is rare with connection reuse. The timeout is set anyway,
// so that a changed --ca-bundle is picked up within the hour should the cache ever apply.
constexpr long kCaCacheSeconds = 3600;

// Header lines arrive one per call, the status line of every response included (a 1xx interim
// response, then the final one); only the final response's fields are kept.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t length = size * count;
  std::string_view line(data, length);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  HeaderList& headers = transfer->response.headers;
  if (line.starts_with("HTTP/")) {
    headers.clear();
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // obs-fold (RFC 9112 §5.2): a continuation of the previous field, replaced by one space.
    // (Appended in two steps: `" " + std::string(...)` trips a false -Wrestrict in GCC 12 -O3.)
    if (!headers.empty()) {
      std::string& value = headers.back().second;
      value += ' ';
      value += util::Trim(line);
    }
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(util::ToLower(util::Trim(line.substr(0, colon))),
                         std::string(util::Trim(line.substr(colon + 1))));
  }
  return length;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t length = size * count;
  std::string& body = transfer->response.body;
  if (body.size() + length > transfer->max_response_body) {
    transfer->body_too_large = true;
    return 0;  // anything but `length` makes curl stop with CURLE_WRITE_ERROR
  }
  body.append(data, length);
  return length;
}

bool IsConnectPhase(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return true;
    default:
      return false;
  }
}

util::Error TransferError(CURL* easy, const Transfer& transfer, CURLcode code) {
  std::string reason =
      transfer.error_buffer[0] != '\0' ? transfer.error_buffer : curl_easy_strerror(code);
  std::string url = RedactUrl(transfer.request->url);
  long request_bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes);
  // "connect to URL" while nothing was sent yet, "POST URL" once the request was on its way.
  std::string context = (IsConnectPhase(code) || request_bytes == 0)
                            ? "connect to " + url
                            : transfer.request->method + " " + url;

  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return util::Error{util::ErrorCode::kTimeout, context + ": " + reason, ""};
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
      if (os_errno != 0) {
        return util::Error{util::ErrorCode::kNetwork,
                           context + ": " + ErrnoText(static_cast<int>(os_errno)), reason};
      }
      break;
    }
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
      return util::Error{util::ErrorCode::kNetwork,
                         context + ": the server's certificate could not be verified (" + reason +
                             "); if it is signed by a private CA, pass its CA with --ca-bundle "
                             "FILE",
                         ""};
    case CURLE_SSL_CACERT_BADFILE:
      return util::Error{util::ErrorCode::kNetwork,
                         context + ": the CA certificates could not be loaded (" + reason +
                             "); check the file given with --ca-bundle",
                         ""};
    case CURLE_WRITE_ERROR:
      if (transfer.body_too_large) {
        return util::Error{util::ErrorCode::kNetwork,
                           context + ": response body larger than " +
                               std::to_string(transfer.max_response_body) + " bytes",
                           ""};
      }
      break;
    default:
      break;
  }
  return util::Error{util::ErrorCode::kNetwork, context + ": " + reason, ""};
}

}  // namespace

#define MC_SETOPT(option, value)                                 \
  do {                                                           \
    CURLcode mc_setopt_ = curl_easy_setopt(easy, option, value); \
    if (mc_setopt_ != CURLE_OK) return mc_setopt_;               \
  } while (0)

void FreeLists(Transfer& transfer) {
  curl_slist_free_all(transfer.headers);
  transfer.headers = nullptr;
  curl_slist_free_all(transfer.connect_to);
  transfer.connect_to = nullptr;
}

CURLcode ConfigureEasy(CURL* easy, const CurlSettings& settings, Transfer& transfer) {
  const HttpRequest& request = *transfer.request;
  transfer.easy = easy;
  transfer.max_response_body = settings.max_response_body;
  MC_SETOPT(CURLOPT_PRIVATE, &transfer);
  MC_SETOPT(CURLOPT_ERRORBUFFER, transfer.error_buffer);
  MC_SETOPT(CURLOPT_URL, request.url.c_str());
  // Signals cannot reach the right thread in a multi-threaded program; we have no resolver
  // timeouts that would need them (threaded resolver or c-ares).
  MC_SETOPT(CURLOPT_NOSIGNAL, 1L);
  MC_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
  MC_SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  MC_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);  // CurlHttpClient follows itself, checking each target
  MC_SETOPT(CURLOPT_USERAGENT, settings.user_agent.c_str());
  // HTTP/2 over TLS when the server offers it in ALPN; PIPEWAIT makes concurrent requests wait
  // for the first connection to learn that, and then multiplex onto it instead of each opening
  // its own TLS connection.
  MC_SETOPT(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  MC_SETOPT(CURLOPT_PIPEWAIT, 1L);
  MC_SETOPT(CURLOPT_SHARE, settings.share);
  MC_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout.count()));
  MC_SETOPT(CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, transfer.timeout.count())));

  // Trust: verification is never switched off. The system store is the hashed directory; the
  // compiled-in CAINFO default (the whole bundle) is replaced by the extra file or by nothing.
  MC_SETOPT(CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  MC_SETOPT(CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.connect_to_address.empty()) {
    // "::ADDRESS:" = any host, any port → this address, same port (CURLOPT_CONNECT_TO).
    const bool ipv6 = request.connect_to_address.find(':') != std::string::npos;
    const std::string entry = "::" + (ipv6 ? "[" + request.connect_to_address + "]"
                                            : request.connect_to_address) + ":";
    transfer.connect_to = curl_slist_append(nullptr, entry.c_str());
    if (transfer.connect_to == nullptr) return CURLE_OUT_OF_MEMORY;
  }
  MC_SETOPT(CURLOPT_CONNECT_TO, transfer.connect_to);
  MC_SETOPT(CURLOPT_CAPATH, kSystemCaPath);
  MC_SETOPT(CURLOPT_CAINFO, settings.extra_ca_bundle_file.empty()
                                ? static_cast<const char*>(nullptr)
                                : settings.extra_ca_bundle_file.c_str());
  MC_SETOPT(CURLOPT_CA_CACHE_TIMEOUT, kCaCacheSeconds);

  MC_SETOPT(CURLOPT_HEADERFUNCTION, OnHeader);
  MC_SETOPT(CURLOPT_HEADERDATA, &transfer);
  MC_SETOPT(CURLOPT_WRITEFUNCTION, OnBody);
  MC_SETOPT(CURLOPT_WRITEDATA, &transfer);

  if (request.method == "GET") {
    MC_SETOPT(CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    MC_SETOPT(CURLOPT_NOBODY, 1L);
  } else {
    if (request.method == "POST" || !request.body.empty()) {
      // Not copied: the caller's request outlives the transfer.
      MC_SETOPT(CURLOPT_POSTFIELDS, request.body.data());
      MC_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    if (request.method != "POST") MC_SETOPT(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  bool has_expect = false;
  for (const auto& [name, value] : request.headers) {
    has_expect = has_expect || util::EqualsIgnoreCase(name, "expect");
    std::string line = value.empty() ? name + ";" : name + ": " + value;  // "X;" sends "X:"
    curl_slist* appended = curl_slist_append(transfer.headers, line.c_str());
    if (appended == nullptr) return CURLE_OUT_OF_MEMORY;
    transfer.headers = appended;
  }
  // curl adds "Expect: 100-continue" to larger HTTP/1.1 POSTs and then waits up to a second for
  // an interim response that many servers never send; a JWS body is small, so send it at once.
  if (!has_expect) {
    curl_slist* appended = curl_slist_append(transfer.headers, "Expect:");
    if (appended == nullptr) return CURLE_OUT_OF_MEMORY;
    transfer.headers = appended;
  }
  MC_SETOPT(CURLOPT_HTTPHEADER, transfer.headers);
  return CURLE_OK;
}

#undef MC_SETOPT

util::Result<HttpResponse> CompleteTransfer(CURL* easy, Transfer& transfer, CURLcode code) {
  FreeLists(transfer);
  transfer.headers = nullptr;
  if (code != CURLE_OK) return util::Fail(TransferError(easy, transfer, code));
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

std::string RedactUrl(std::string_view url) {
  std::string_view rest = url;
  std::string result;
  if (size_t scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    result.append(rest.substr(0, scheme_end + 3));
    rest.remove_prefix(scheme_end + 3);
    size_t authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      rest.remove_prefix(at + 1);  // drop user:password@
    }
  }
  size_t cut = rest.find_first_of("?#");
  result.append(rest.substr(0, cut));
  if (cut != std::string_view::npos && rest[cut] == '?') result.append("?...");
  return result;
}

}  // namespace mailcert::net
