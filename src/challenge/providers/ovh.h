#pragma once
// OVH's API request signature and endpoints, apart from the provider so that the signature can
// be checked against known-good values. Internal to challenge/providers/.

#include <optional>
#include <string>
#include <string_view>

namespace mailcert::challenge::api {

// "$1$" + hex(SHA-1(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY + "+" + TIMESTAMP)),
// the X-Ovh-Signature of OVH's "First Steps with the OVHcloud APIs" (section "Signing
// requests"). `url` is the full URL including the query; `body` exactly as sent.
std::string OvhSignature(std::string_view application_secret, std::string_view consumer_key,
                         std::string_view method, std::string_view url, std::string_view body,
                         std::string_view timestamp);

// The API root of an OVH_END_POINT value: "ovh-eu" → "https://eu.api.ovh.com/1.0" (also
// ovh-ca, ovh-us, kimsufi-eu/-ca, soyoustart-eu/-ca); an http(s) URL is taken as it is.
// nullopt for anything else.
std::optional<std::string> OvhEndpointUrl(std::string_view end_point);

}  // namespace mailcert::challenge::api
