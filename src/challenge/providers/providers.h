#pragma once
// One factory per HTTP-API DNS provider (api_providers.cc maps names to them). Each reads its
// settings by the variable names of mailcow's dns-01.conf / acme.sh's dnsapi, plus one base-URL
// override (for tests against a local fake, or an API's sandbox). The README's DNS-01 section
// lists every setting.
//
// Errors of every factory: kInvalidInput naming a missing or malformed variable (never its
// value). Providers that read-modify-write a whole record set serialize their own calls, so a
// wildcard and its apex added at once on one name do not lose each other's value, and name
// themselves in DnsProvider::RewriteLockName so that the dns-01 solver also locks the zone against
// other mailcert runs (zone_lock.h).

#include "challenge/dns_provider.h"
#include "net/http_client.h"
#include "util/result.h"

namespace mailcert::challenge {

// The signature every factory below has; `http` outlives the provider.
using ApiProviderFactory = DnsProviderResult(const ProviderSettings& settings,
                                             net::HttpClient& http);

// SERVERCOW_API_Username, SERVERCOW_API_Password; SERVERCOW_API_BASE.
ApiProviderFactory MakeServercowProvider;
// CF_Token (or CF_Key + CF_Email), optional CF_Account_ID, CF_Zone_ID; CF_API_BASE.
ApiProviderFactory MakeCloudflareProvider;
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN; AWS_ROUTE53_API_BASE.
ApiProviderFactory MakeRoute53Provider;
// AZUREDNS_SUBSCRIPTIONID, AZUREDNS_TENANTID, AZUREDNS_APPID, AZUREDNS_CLIENTSECRET;
// AZUREDNS_API_BASE, AZUREDNS_LOGIN_BASE.
ApiProviderFactory MakeAzureProvider;
// GCE_SERVICE_ACCOUNT_FILE (or GOOGLE_APPLICATION_CREDENTIALS, or GCE_SERVICE_ACCOUNT holding
// the JSON itself), optional GCE_PROJECT; GCE_API_BASE (the token URL is the key file's).
ApiProviderFactory MakeGcloudProvider;
// DO_API_KEY; DO_API_BASE.
ApiProviderFactory MakeDigitalOceanProvider;
// HETZNER_Token; HETZNER_API_BASE.
ApiProviderFactory MakeHetznerProvider;
// HETZNER_TOKEN, optional HETZNER_TTL, HETZNER_MAX_ATTEMPTS; HETZNER_API. The Hetzner Cloud API,
// where Hetzner moves DNS from the DNS Console.
ApiProviderFactory MakeHetznerCloudProvider;
// OVH_AK, OVH_AS, OVH_CK, optional OVH_END_POINT (a region name or a URL).
ApiProviderFactory MakeOvhProvider;
// NAMECHEAP_USERNAME, NAMECHEAP_API_KEY, NAMECHEAP_SOURCEIP; NAMECHEAP_API_BASE.
ApiProviderFactory MakeNamecheapProvider;
// GD_Key, GD_Secret; GD_API_BASE.
ApiProviderFactory MakeGoDaddyProvider;
// LINODE_V4_API_KEY; LINODE_V4_API_BASE.
ApiProviderFactory MakeLinodeProvider;
// DNSimple_OAUTH_TOKEN, optional DNSimple_ACCOUNT_ID; DNSimple_API_BASE.
ApiProviderFactory MakeDnsimpleProvider;
// IONOS_PREFIX + IONOS_SECRET (or IONOS_API_KEY = "prefix.secret"); IONOS_API_BASE.
ApiProviderFactory MakeIonosProvider;

}  // namespace mailcert::challenge
