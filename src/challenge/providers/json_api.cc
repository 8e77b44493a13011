#include "challenge/providers/json_api.h"

#include <algorithm>

namespace mailcert::challenge::api {

net::HttpRequest JsonRequest(std::string method, std::string url, const net::HeaderList& auth,
                             const util::Json* body, const net::HeaderList& extra) {
  net::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers = auth;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.insert(request.headers.end(), extra.begin(), extra.end());
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = util::DumpJson(*body);
  }
  return request;
}

JsonApi::JsonApi(const Settings& settings, net::HttpClient& http, std::string base,
                 net::HeaderList auth, ApiMessage message)
    : ApiClient(settings.provider(), http, settings.secrets(), message),
      base_(std::move(base)),
      auth_(std::move(auth)) {}

util::Result<net::HttpResponse> JsonApi::Call(const std::string& method, const std::string& path,
                                              const util::Json* body,
                                              const net::HeaderList& extra) const {
  return Send(JsonRequest(method, base_ + path, auth_, body, extra));
}

util::Result<util::Json> JsonApi::GetJson(const std::string& path, std::string_view what,
                                          const net::HeaderList& extra) const {
  MC_ASSIGN_OR_RETURN(net::HttpResponse response, Call("GET", path, nullptr, extra));
  MC_RETURN_IF_ERROR(Expect(response, what));
  return ParseJson(what, response);
}

util::Result<void> JsonApi::Delete(const std::string& path, std::string_view what) const {
  auto response = Call("DELETE", path);
  if (response && response->status == 404) return {};
  return Expect(response, what);
}

std::string IdOf(const util::Json& item, const char* key) {
  if (!item.is_object() || !item.contains(key) || item[key].is_null()) return "";
  return item[key].is_string() ? item[key].get<std::string>() : item[key].dump();
}

const util::Json& ArrayOf(const util::Json& object, const char* key) {
  static const util::Json kEmpty = util::Json::array();
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return kEmpty;
  return object[key];
}

std::vector<TxtRecord> TxtRecordsNamed(const util::Json& list, std::string_view name,
                                       const char* value_key) {
  std::vector<TxtRecord> records;
  if (!list.is_array()) return records;
  for (const util::Json& item : list) {
    if (util::OptionalString(item, "type").value_or("") != "TXT") continue;
    if (!SameName(util::OptionalString(item, "name").value_or(""), name)) continue;
    records.push_back({IdOf(item), UnquoteTxt(util::OptionalString(item, value_key).value_or(""))});
  }
  return records;
}

bool HasValue(const std::vector<TxtRecord>& records, std::string_view value) {
  return std::ranges::any_of(records,
                             [&](const TxtRecord& record) { return record.value == value; });
}

util::Result<void> RemoveEach(const std::vector<TxtRecord>& records, std::string_view value,
                              const std::function<util::Result<void>(const TxtRecord&)>& remove) {
  for (const TxtRecord& record : records) {
    if (record.value == value) MC_RETURN_IF_ERROR(remove(record));
  }
  return {};
}

net::HttpRequest TokenRequest(std::string url,
                              const std::vector<std::pair<std::string, std::string>>& form) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = FormEncode(form);
  return request;
}

util::Result<std::string> AccessToken::Get(
    ApiClient& client, const std::string& what,
    const std::function<util::Result<net::HttpRequest>()>& make_request) {
  auto now = std::chrono::steady_clock::now();
  if (!token_.empty() && now < expires_) return token_;
  MC_ASSIGN_OR_RETURN(net::HttpRequest request, make_request());
  MC_ASSIGN_OR_RETURN(net::HttpResponse response, client.Send(std::move(request)));
  if (!IsSuccess(response)) {
    util::Error error = client.Failure(what, response);
    error.code = util::ErrorCode::kInvalidInput;  // the credentials were refused
    return util::Fail(std::move(error));
  }
  MC_ASSIGN_OR_RETURN(util::Json json, client.ParseJson(what, response));
  std::string token = util::OptionalString(json, "access_token").value_or("");
  if (token.empty()) {
    return util::Fail(client.Make(util::ErrorCode::kProtocol, what + ": no access_token"));
  }
  int64_t lifetime = util::OptionalInt(json, "expires_in").value_or(300);
  token_ = token;
  expires_ = now + std::chrono::seconds(std::max<int64_t>(lifetime - 60, 0));
  client.AddSecret(token);
  return token_;
}

}  // namespace mailcert::challenge::api
