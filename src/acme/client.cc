#include "acme/client.h"

#include "acme/problem.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strings.h"

namespace mailcert::acme {
namespace {

constexpr size_t kMaxPooledNonces = 64;
constexpr int kMaxTransientRetries = 3;

std::string JoseContentType() { return "application/jose+json"; }

}  // namespace

AcmeClient::AcmeClient(net::HttpClient& http, sys::Clock& clock, std::string directory_url,
                       ClientOptions options)
    : http_(http), clock_(clock), directory_url_(std::move(directory_url)), options_(options) {}

int AcmeClient::requests_sent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_sent_;
}

int AcmeClient::bad_nonce_retries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bad_nonce_retries_;
}

util::Result<Directory> AcmeClient::GetDirectory() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (directory_) return *directory_;
  }
  net::HttpRequest request;
  request.url = directory_url_;
  MC_ASSIGN_OR_RETURN(net::HttpResponse response, http_.Send(request));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_sent_;
  }
  if (response.status != 200) {
    return util::Fail(util::ErrorCode::kProtocol,
                      "ACME directory " + directory_url_ + " answered HTTP " +
                          std::to_string(response.status) + "; check --server");
  }
  MC_ASSIGN_OR_RETURN(Directory directory, ParseDirectory(response.body, directory_url_));
  std::lock_guard<std::mutex> lock(mutex_);
  if (!directory_) directory_ = std::move(directory);
  return *directory_;
}

void AcmeClient::KeepNonce(const net::HttpResponse& response) {
  // RFC 8555 §6.5: every response carries a fresh Replay-Nonce; pooling them saves a HEAD
  // newNonce round trip per request.
  auto nonce = response.Header("replay-nonce");
  if (!nonce || nonce->empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (nonces_.size() >= kMaxPooledNonces) nonces_.pop_front();
  nonces_.push_back(std::move(*nonce));
}

util::Result<std::string> AcmeClient::TakeNonce() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!nonces_.empty()) {
      // Newest first: older nonces are likelier to have expired on the server.
      std::string nonce = std::move(nonces_.back());
      nonces_.pop_back();
      return nonce;
    }
  }
  MC_ASSIGN_OR_RETURN(Directory directory, GetDirectory());
  net::HttpRequest request;
  request.method = "HEAD";
  request.url = directory.new_nonce;
  MC_ASSIGN_OR_RETURN(net::HttpResponse response, http_.Send(request));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_sent_;
  }
  auto nonce = response.Header("replay-nonce");
  if (!nonce || nonce->empty()) {
    return util::Fail(util::ErrorCode::kProtocol,
                      "the CA's newNonce (" + directory.new_nonce + ") answered HTTP " +
                          std::to_string(response.status) + " without a Replay-Nonce");
  }
  return *nonce;
}

util::Result<std::string> AcmeClient::SignedBody(const std::string& url, const std::string& payload,
                                                 const SignAs& sign_as, const std::string& nonce) {
  if (sign_as.signer == nullptr) {
    return util::Fail(util::ErrorCode::kInternal, "signed request without a signer");
  }
  // RFC 8555 §6.2: alg, nonce, url, and exactly one of jwk / kid.
  util::Json header = {{"alg", sign_as.signer->Algorithm()}};
  if (sign_as.kid.empty()) {
    MC_ASSIGN_OR_RETURN(util::Json jwk, util::ParseJson(sign_as.signer->PublicJwkJson(), "jwk",
                                                        util::ErrorCode::kInternal));
    header["jwk"] = std::move(jwk);
  } else {
    header["kid"] = sign_as.kid;
  }
  if (!nonce.empty()) header["nonce"] = nonce;
  header["url"] = url;
  return crypto::SignFlattenedJws(*sign_as.signer, util::DumpJson(header), payload);
}

util::Result<AcmeResponse> AcmeClient::Exchange(const net::HttpRequest& request,
                                                const std::string& context) {
  auto sent = http_.Send(request);
  if (!sent) return util::Fail(sent.error().WithContext(context));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_sent_;
  }
  KeepNonce(*sent);
  return Interpret(request, *sent);
}

util::Error ResponseError(const AcmeResponse& response, const std::optional<Problem>& problem,
                          const std::string& context) {
  if (problem) return ProblemToError(*problem, context, response.retry_after);
  return HttpStatusError(response.status, context, response.body);
}

util::Result<AcmeResponse> AcmeClient::Interpret(const net::HttpRequest& request,
                                                 const net::HttpResponse& response) {
  AcmeResponse result;
  result.status = response.status;
  result.body = response.body;
  result.location = response.Header("location").value_or("");
  result.content_type = response.Header("content-type").value_or("");
  if (auto retry_after = response.Header("retry-after")) {
    result.retry_after = util::ParseRetryAfter(*retry_after, clock_.Now());
  }
  result.links = net::ParseLinks(response.Headers("link"), request.url);
  return result;
}

util::Result<AcmeResponse> AcmeClient::Post(const std::string& url,
                                            const std::optional<std::string>& payload,
                                            const SignAs& sign_as, const std::string& context) {
  int bad_nonces = 0;
  int transient_retries = 0;
  while (true) {
    MC_ASSIGN_OR_RETURN(std::string nonce, TakeNonce());
    MC_ASSIGN_OR_RETURN(std::string body, SignedBody(url, payload.value_or(""), sign_as, nonce));
    net::HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Content-Type", JoseContentType()}};
    request.body = std::move(body);
    MC_ASSIGN_OR_RETURN(AcmeResponse response, Exchange(request, context));
    if (response.status < 400) return response;

    auto problem = ParseProblem(response.body);
    if (problem && problem->ShortType() == "badNonce" &&
        bad_nonces < options_.max_bad_nonce_retries) {
      // The fresh nonce from this very response is now in the pool (RFC 8555 §6.5).
      ++bad_nonces;
      std::lock_guard<std::mutex> lock(mutex_);
      ++bad_nonce_retries_;
      continue;
    }
    if (response.status == 503 && response.retry_after &&
        *response.retry_after <= options_.max_transient_retry_after &&
        transient_retries < kMaxTransientRetries) {
      ++transient_retries;
      clock_.SleepFor(std::max<std::chrono::milliseconds>(*response.retry_after,
                                                          std::chrono::milliseconds(100)));
      continue;
    }
    return util::Fail(ResponseError(response, problem, context));
  }
}

util::Result<AcmeResponse> AcmeClient::Get(const std::string& url, const std::string& context) {
  net::HttpRequest request;
  request.url = url;
  MC_ASSIGN_OR_RETURN(AcmeResponse response, Exchange(request, context));
  if (response.status >= 400) {
    return util::Fail(ResponseError(response, ParseProblem(response.body), context));
  }
  return response;
}

util::Error HttpStatusError(long status, const std::string& context, const std::string& body) {
  // The body of a non-ACME error page can be long HTML: keep only a short, printable start.
  std::string excerpt;
  for (char c : body.substr(0, 120)) {
    excerpt.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return util::Error{
      status == 429 || status == 503 ? util::ErrorCode::kRateLimited : util::ErrorCode::kProtocol,
      context + ": the CA answered HTTP " + std::to_string(status) + " without a problem document",
      excerpt.empty() ? "" : "body starts: " + util::Quote(excerpt)};
}

}  // namespace mailcert::acme
