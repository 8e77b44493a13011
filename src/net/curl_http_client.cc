// The real HttpClient: one I/O thread drives a curl multi handle; callers hand their requests over
// through a queue and block until the I/O thread completes them.
//
// Why one thread and one multi handle: the multi handle owns the connection cache, so every
// request of the process to the ACME server rides on one TLS connection (HTTP/2 streams when the
// server offers h2, RFC 9113 §5), which is set up once; the CPU budget (≤ 2 ms per certificate
// for the whole program) leaves no room for a TLS handshake or a CA store load per request.

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "net/ca_bundle.h"
#include "net/curl_transfer.h"
#include "net/http_client.h"
#include "net/link_header.h"
#include "util/log.h"
#include "util/strings.h"
#include "util/version.h"

namespace mailcert::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Easy handles kept for reuse once their transfer is done; beyond this they are freed, so a burst
// of concurrent requests does not keep its memory (~100 KiB of buffers per handle).
constexpr size_t kMaxIdleHandles = 8;
// curl_multi_poll also returns when curl's own timers are due, so this only bounds an idle wait.
constexpr int kIdlePollMs = 60000;

util::Result<void> InitCurlOnce() {
  static std::once_flag once;
  static CURLcode init_result = CURLE_OK;
  // curl_global_init is not thread-safe in every build; call_once makes it so. There is no
  // matching curl_global_cleanup: clients may live until exit.
  std::call_once(once, [] { init_result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init_result != CURLE_OK) {
    return util::Fail(util::ErrorCode::kInternal,
                      std::string("curl_global_init: ") + curl_easy_strerror(init_result));
  }
  return {};
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct UrlParts {
  std::string scheme;
  std::string host;
  long port = 0;
};

std::optional<UrlParts> ParseUrl(const std::string& url) {
  CURLU* handle = curl_url();
  if (handle == nullptr) return std::nullopt;
  std::optional<UrlParts> result;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    result = UrlParts{util::ToLower(scheme), util::ToLower(host), std::strtol(port, nullptr, 10)};
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(handle);
  return result;
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(const HttpClientOptions& options, CURLM* multi, CURLSH* share)
      : options_(options), multi_(multi), share_(share) {
    settings_.user_agent =
        options.user_agent.empty() ? std::string("mailcert/") + util::kVersion : options.user_agent;
    settings_.extra_ca_bundle_file = options.extra_ca_bundle_file;
    settings_.connect_timeout = options.connect_timeout;
    settings_.max_response_body = options.max_response_body;
    settings_.share = share;
    thread_ = std::thread([this] { Run(); });
  }

  ~CurlHttpClient() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_);
    thread_.join();
    for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);  // closes the cached connections
    curl_share_cleanup(share_);  // after every handle that used it
  }

  util::Result<HttpResponse> Send(const HttpRequest& request) override;

  HttpClientStats Stats() const override {
    return HttpClientStats{requests_.load(), connections_opened_.load()};
  }

 private:
  util::Result<HttpResponse> SendOnce(const HttpRequest& request, milliseconds timeout);
  util::Result<void> CheckRedirect(const HttpRequest& from, const std::string& target) const;

  // I/O thread.
  void Run();
  void StartTransfer(Transfer* transfer);
  void FinishTransfer(CURL* easy, CURLcode code);
  void FailEverything();

  const HttpClientOptions options_;
  CurlSettings settings_;
  CURLM* const multi_;
  CURLSH* const share_;

  std::mutex mutex_;
  std::vector<Transfer*> queue_;  // guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_

  std::vector<CURL*> idle_handles_;  // I/O thread only
  std::vector<Transfer*> active_;    // I/O thread only: added to multi_, not yet finished
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> connections_opened_{0};
  std::thread thread_;
};

util::Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  if (!options_.follow_redirects) return SendOnce(request, request.timeout);

  // Redirects are followed here rather than by curl so that every target is checked first
  // (curl restricts schemes, not ports), and so that all hops share the request's time budget.
  Clock::time_point deadline = Clock::now() + request.timeout;
  std::optional<HttpRequest> redirected;
  const HttpRequest* current = &request;
  for (int hop = 0;; ++hop) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      return util::Fail(util::ErrorCode::kTimeout,
                        request.method + " " + RedactUrl(request.url) + ": timed out after " +
                            std::to_string(request.timeout.count()) + " ms following redirects");
    }
    MC_ASSIGN_OR_RETURN(HttpResponse response, SendOnce(*current, remaining));
    std::optional<std::string> location = response.Header("location");
    if (!IsRedirect(response.status) || !location) return response;
    if (hop >= options_.max_redirects) {
      return util::Fail(util::ErrorCode::kNetwork,
                        request.method + " " + RedactUrl(request.url) + ": more than " +
                            std::to_string(options_.max_redirects) + " redirects");
    }
    std::string target = ResolveUrl(current->url, *location);  // RFC 9110 §10.2.2
    MC_RETURN_IF_ERROR(CheckRedirect(*current, target));

    HttpRequest next = *current;
    next.url = std::move(target);
    // RFC 9110 §15.4.4: after 303 the new request is a GET; §15.4.2/§15.4.3: for 301 and 302
    // user agents (curl and browsers alike) turn POST into GET. 307/308 keep method and body.
    bool to_get = (response.status == 303 && next.method != "HEAD") ||
                  ((response.status == 301 || response.status == 302) && next.method == "POST");
    if (to_get) {
      next.method = "GET";
      next.body.clear();
      std::erase_if(next.headers, [](const auto& header) {
        return util::EqualsIgnoreCase(header.first, "content-type") ||
               util::EqualsIgnoreCase(header.first, "content-length");
      });
    }
    util::LogDebug("http: " + std::to_string(response.status) + " redirect to " +
                   RedactUrl(next.url));
    redirected = std::move(next);
    current = &*redirected;
  }
}

util::Result<void> CurlHttpClient::CheckRedirect(const HttpRequest& from,
                                                 const std::string& target) const {
  std::string context =
      from.method + " " + RedactUrl(from.url) + ": redirect to " + RedactUrl(target) + " refused: ";
  std::optional<UrlParts> parts = ParseUrl(target);
  if (!parts) return util::Fail(util::ErrorCode::kNetwork, context + "not a valid URL");
  if (parts->scheme != "http" && parts->scheme != "https") {
    return util::Fail(util::ErrorCode::kNetwork, context + "only http and https are followed");
  }
  // Let's Encrypt and other CAs follow HTTP-01 redirects only to ports 80 and 443; the
  // self-check must refuse what the CA would refuse.
  if (options_.redirects_only_to_web_ports && parts->port != 80 && parts->port != 443) {
    return util::Fail(util::ErrorCode::kNetwork,
                      context + "only ports 80 and 443 are allowed, as the CA allows (port " +
                          std::to_string(parts->port) + ")");
  }
  return {};
}

util::Result<HttpResponse> CurlHttpClient::SendOnce(const HttpRequest& request,
                                                    milliseconds timeout) {
  Transfer transfer;
  transfer.request = &request;
  transfer.timeout = timeout;
  std::future<util::Result<HttpResponse>> done = transfer.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return util::Fail(util::ErrorCode::kInternal, "HTTP client used while shutting down");
    }
    queue_.push_back(&transfer);
  }
  curl_multi_wakeup(multi_);
  return done.get();
}

void CurlHttpClient::Run() {
  std::vector<Transfer*> incoming;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) break;
      incoming.swap(queue_);
    }
    for (Transfer* transfer : incoming) StartTransfer(transfer);
    incoming.clear();

    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
      if (message->msg == CURLMSG_DONE) FinishTransfer(message->easy_handle, message->data.result);
    }
    curl_multi_poll(multi_, nullptr, 0, kIdlePollMs, nullptr);
  }
  FailEverything();
}

void CurlHttpClient::StartTransfer(Transfer* transfer) {
  CURL* easy = nullptr;
  if (!idle_handles_.empty()) {
    easy = idle_handles_.back();
    idle_handles_.pop_back();
  } else {
    easy = curl_easy_init();
  }
  CURLcode code = easy == nullptr ? CURLE_OUT_OF_MEMORY : ConfigureEasy(easy, settings_, *transfer);
  if (code == CURLE_OK && curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    code = CURLE_OUT_OF_MEMORY;
  }
  if (code != CURLE_OK) {
    FreeLists(*transfer);
    transfer->headers = nullptr;
    if (easy != nullptr) curl_easy_cleanup(easy);
    transfer->done.set_value(util::Fail(
        util::ErrorCode::kInternal,
        "set up " + RedactUrl(transfer->request->url) + ": " + curl_easy_strerror(code)));
    return;
  }
  active_.push_back(transfer);
}

void CurlHttpClient::FinishTransfer(CURL* easy, CURLcode code) {
  char* private_data = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &private_data);
  auto* transfer = reinterpret_cast<Transfer*>(private_data);
  long new_connections = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
  requests_.fetch_add(1);
  connections_opened_.fetch_add(static_cast<uint64_t>(std::max(0L, new_connections)));

  util::Result<HttpResponse> result = CompleteTransfer(easy, *transfer, code);
  if (util::GetLogLevel() <= util::LogLevel::kDebug) {
    curl_off_t micros = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &micros);
    std::string outcome =
        result ? std::to_string(result->status) : "failed: " + result.error().message;
    const char* connection = new_connections > 0 ? "new connection"
                             : result            ? "reused connection"
                                                 : "no connection";
    util::LogDebug("http: " + transfer->request->method + " " + RedactUrl(transfer->request->url) +
                   ": " + outcome + " (" + std::to_string(micros / 1000) + " ms, " + connection +
                   ")");
  }

  curl_multi_remove_handle(multi_, easy);
  std::erase(active_, transfer);
  if (idle_handles_.size() < kMaxIdleHandles) {
    // Reset drops the options (and our pointers into the transfer) but keeps what is worth
    // keeping: the handle's buffers and its link to the shared TLS session cache.
    curl_easy_reset(easy);
    idle_handles_.push_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
  transfer->done.set_value(std::move(result));  // the caller may free `transfer` from here on
}

void CurlHttpClient::FailEverything() {
  std::vector<Transfer*> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued.swap(queue_);
  }
  for (Transfer* transfer : active_) {
    curl_multi_remove_handle(multi_, transfer->easy);
    curl_easy_cleanup(transfer->easy);
    FreeLists(*transfer);
    transfer->headers = nullptr;
    queued.push_back(transfer);
  }
  active_.clear();
  for (Transfer* transfer : queued) {
    transfer->done.set_value(
        util::Fail(util::ErrorCode::kNetwork, transfer->request->method + " " +
                                                  RedactUrl(transfer->request->url) +
                                                  ": the HTTP client was shut down"));
  }
}

}  // namespace

util::Result<std::unique_ptr<HttpClient>> MakeHttpClient(const HttpClientOptions& options) {
  MC_RETURN_IF_ERROR(InitCurlOnce());
  if (!options.extra_ca_bundle_file.empty()) {
    MC_RETURN_IF_ERROR(CheckCaBundleFile(options.extra_ca_bundle_file));
  }
  CURLM* multi = curl_multi_init();
  CURLSH* share = curl_share_init();
  bool ok = multi != nullptr && share != nullptr &&
            curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK &&
            curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX) == CURLM_OK;
  if (!ok) {
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (share != nullptr) curl_share_cleanup(share);
    return util::Fail(util::ErrorCode::kInternal, "curl: could not create the multi handle");
  }
  // Only the I/O thread uses the share, so it needs no lock callbacks.
  return std::unique_ptr<HttpClient>(std::make_unique<CurlHttpClient>(options, multi, share));
}

}  // namespace mailcert::net
