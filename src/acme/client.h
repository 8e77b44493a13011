#pragma once
// The transport half of RFC 8555: directory, nonces, signed requests (§6.2, §6.3, §6.5) and
// problem handling (§6.7). Object-specific requests live in account.h and order.h, one function
// per request. Thread-safe: a run shares one client (and so one connection and one nonce pool)
// across all lineages in flight.

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acme/directory.h"
#include "acme/problem.h"
#include "crypto/jws.h"
#include "net/http_client.h"
#include "net/link_header.h"
#include "sys/clock.h"
#include "util/result.h"
#include "util/time.h"

namespace mailcert::acme {

struct AcmeResponse {
  long status = 0;
  std::string body;
  std::string location;                      // Location header, if any
  std::optional<util::Seconds> retry_after;  // parsed Retry-After, if any
  std::vector<net::Link> links;
  std::string content_type;
};

// Who signs a request: an account (kid = account URL, RFC 8555 §6.2) or, for newAccount and
// revocation with the certificate key, the key itself (jwk).
struct SignAs {
  const crypto::JwsSigner* signer = nullptr;
  std::string kid;  // empty → embed the jwk
};

struct ClientOptions {
  int max_bad_nonce_retries = 10;  // badNonce is retried, never surfaced (RFC 8555 §6.5)
  // A 503 with a Retry-After up to this long is waited out and retried, at most 3 times.
  std::chrono::seconds max_transient_retry_after{10};
};

class AcmeClient {
 public:
  AcmeClient(net::HttpClient& http, sys::Clock& clock, std::string directory_url,
             ClientOptions options = {});

  const std::string& directory_url() const { return directory_url_; }

  // Fetches the directory once; later calls return the cached copy.
  // Errors: kNetwork, kProtocol ("… is not an ACME directory").
  util::Result<Directory> GetDirectory();

  // Signed POST with `payload` (a JSON text), or POST-as-GET when payload is nullopt (§6.3).
  // A 4xx/5xx answer becomes an Error built from its problem document, prefixed by `context`.
  util::Result<AcmeResponse> Post(const std::string& url, const std::optional<std::string>& payload,
                                  const SignAs& sign_as, const std::string& context);

  // Unsigned GET (directory, ARI renewalInfo).
  util::Result<AcmeResponse> Get(const std::string& url, const std::string& context);

  // The flattened JWS for `payload` signed for `url`, without nonce when `nonce` is empty
  // (the inner JWS of a key change has none, §7.3.5).
  util::Result<std::string> SignedBody(const std::string& url, const std::string& payload,
                                       const SignAs& sign_as, const std::string& nonce);

  // Number of requests sent, and badNonce retries done (for tests and benchmarks).
  int requests_sent() const;
  int bad_nonce_retries() const;

 private:
  util::Result<std::string> TakeNonce();
  void KeepNonce(const net::HttpResponse& response);
  // Sends, counts, keeps the Replay-Nonce and interprets the headers; HTTP errors are not
  // errors here.
  util::Result<AcmeResponse> Exchange(const net::HttpRequest& request, const std::string& context);
  util::Result<AcmeResponse> Interpret(const net::HttpRequest& request,
                                       const net::HttpResponse& response);

  net::HttpClient& http_;
  sys::Clock& clock_;
  std::string directory_url_;
  ClientOptions options_;

  mutable std::mutex mutex_;
  std::optional<Directory> directory_;
  std::deque<std::string> nonces_;
  int requests_sent_ = 0;
  int bad_nonce_retries_ = 0;
};

// The error for a 4xx/5xx answer: from its problem document when it has one.
util::Error ResponseError(const AcmeResponse& response, const std::optional<Problem>& problem,
                          const std::string& context);

// Message-friendly form of an HTTP failure without a problem document.
util::Error HttpStatusError(long status, const std::string& context, const std::string& body);

}  // namespace mailcert::acme
