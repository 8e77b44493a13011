// mailcow.conf and docker-mailserver settings read as data, with their projects' meanings.
#include <gtest/gtest.h>

#include "plan/dms.h"
#include "util/env_file.h"
#include "plan/mailcow.h"
#include "plan/planner.h"

namespace mailcert::plan {

using util::EnvFile;
using util::ParseEnvFile;
namespace {

// A mailcow.conf as generate_config.sh writes it, with the settings this reader knows and a
// few it must report.
constexpr const char* kMailcowConf = R"(# ------------------------------
# mailcow web ui configuration
# ------------------------------
MAILCOW_HOSTNAME=Mail.Example.org
DBNAME=mailcow
DBPASS=s3cr3t-database-password
HTTP_PORT=80

# Skip running ACME (acme-mailcow, Let's Encrypt certs) - y/n
SKIP_LETS_ENCRYPT=n
ADDITIONAL_SAN=webmail.example.org,imap.*,*.example.net
AUTODISCOVER_SAN=Yes
ENABLE_SSL_SNI=y
ONLY_MAILCOW_HOSTNAME=true
SKIP_IP_CHECK=YES
SKIP_HTTP_VERIFICATION=n
SNAT_TO_SOURCE=203.0.113.7
SNAT6_TO_SOURCE=n
DIRECTORY_URL=https://acme.example/directory
LE_STAGING=y
ACME_DNS_CHALLENGE=y
ACME_DNS_PROVIDER=dns_cf
ACME_ACCOUNT_EMAIL="postmaster@example.org"
this line is broken
9BAD=x
)";

TEST(EnvFile, ReadsAssignmentsQuotesCommentsAndReportsTheRest) {
  EnvFile file = ParseEnvFile(
      "A=1\nexport B='two words'\nC=\"x\" # comment\nD=plain # comment\nnot an assignment\n"
      "E=\"unterminated\nA=again\n",
      "test.env");
  EXPECT_EQ(file.Get("A"), "again");  // the last assignment wins, as in a shell
  EXPECT_EQ(file.Where("A"), "test.env:7");
  EXPECT_EQ(file.Get("B"), "two words");
  EXPECT_EQ(file.Get("C"), "x");
  EXPECT_EQ(file.Get("D"), "plain");
  EXPECT_FALSE(file.Has("E"));
  ASSERT_EQ(file.warnings.size(), 2u);
  EXPECT_EQ(file.warnings[0].rfind("test.env:5: not KEY=VALUE", 0), 0u) << file.warnings[0];
  EXPECT_EQ(file.warnings[1].rfind("test.env:6: E has an unterminated quote", 0), 0u);
}

TEST(Mailcow, TruthIsWhatMailcowReads) {
  for (const char* yes : {"y", "Y", "yes", "YES", "Yes", "yy", "yesy"}) {
    EXPECT_TRUE(MailcowTrue(yes)) << yes;
  }
  for (const char* no : {"n", "no", "true", "1", "on", "", "yes please", " y"}) {
    EXPECT_FALSE(MailcowTrue(no)) << no;
  }
}

TEST(Mailcow, EverySettingWithMailcowsMeaningAndPrecedence) {
  MailcowSettings settings = ReadMailcow(ParseEnvFile(kMailcowConf, "/opt/mailcow/mailcow.conf"));
  const MailSetup& setup = settings.setup;
  EXPECT_EQ(setup.hostname, "mail.example.org");
  EXPECT_EQ(setup.additional_names,
            (std::vector<std::string>{"webmail.example.org", "imap.*", "*.example.net"}));
  EXPECT_EQ(setup.labels, (std::vector<std::string>{"autoconfig", "autodiscover"}));
  EXPECT_TRUE(setup.sni);
  EXPECT_FALSE(setup.only_hostname) << "\"true\" is not a yes for mailcow";
  EXPECT_FALSE(settings.acme_disabled);
  EXPECT_TRUE(settings.skip_ip_check);
  EXPECT_FALSE(settings.skip_http_check);
  EXPECT_TRUE(settings.ipv4_snat);
  EXPECT_FALSE(settings.ipv6_snat);
  EXPECT_EQ(settings.directory_url, "https://acme-staging-v02.api.letsencrypt.org/directory")
      << "LE_STAGING wins over DIRECTORY_URL";
  EXPECT_EQ(setup.challenge, "dns-01");
  EXPECT_EQ(settings.dns_provider, "dns_cf");
  EXPECT_EQ(settings.account_email, "postmaster@example.org");

  // Malformed lines and the DIRECTORY_URL override are reported with file and line.
  auto has = [&](const std::string& text) {
    for (const auto& warning : settings.warnings) {
      if (warning.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("/opt/mailcow/mailcow.conf:24: not KEY=VALUE"));
  EXPECT_TRUE(has("/opt/mailcow/mailcow.conf:25: \"9BAD\" is not a variable name"));
  EXPECT_TRUE(has("/opt/mailcow/mailcow.conf:19: ignored because LE_STAGING is on"));
  // Settings that are not about certificates are listed, by name only: never a value.
  EXPECT_EQ(settings.ignored,
            (std::vector<std::string>{"/opt/mailcow/mailcow.conf:5: DBNAME",
                                      "/opt/mailcow/mailcow.conf:6: DBPASS",
                                      "/opt/mailcow/mailcow.conf:7: HTTP_PORT"}));
  for (const auto& line : settings.warnings) {
    EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
  }
}

TEST(Mailcow, DefaultsWhenSettingsAreAbsent) {
  MailcowSettings settings = ReadMailcow(ParseEnvFile("MAILCOW_HOSTNAME=mx.example.org\n", "m"));
  EXPECT_EQ(settings.setup.labels, (std::vector<std::string>{"autoconfig", "autodiscover"}))
      << "AUTODISCOVER_SAN defaults to y";
  EXPECT_FALSE(settings.setup.sni);
  EXPECT_EQ(settings.setup.challenge, "http-01");
  EXPECT_EQ(settings.directory_url, "https://acme-v02.api.letsencrypt.org/directory");
  MailcowSettings off = ReadMailcow(
      ParseEnvFile("MAILCOW_HOSTNAME=mx.example.org\nAUTODISCOVER_SAN=n\nSKIP_LETS_ENCRYPT=y\n",
                   "m"));
  EXPECT_TRUE(off.setup.labels.empty());
  EXPECT_TRUE(off.acme_disabled);
}

TEST(Mailcow, PlansLikeMailcowWithSni) {
  MailcowSettings settings = ReadMailcow(ParseEnvFile(
      "MAILCOW_HOSTNAME=mail.example.org\nADDITIONAL_SAN=webmail.example.org\nENABLE_SSL_SNI=y\n",
      "m"));
  settings.setup.domains = {"example.org", "example.com"};
  Plan plan = MakePlan(settings.setup, {}, {});
  ASSERT_EQ(plan.certificates.size(), 3u);
  EXPECT_EQ(plan.certificates[0].names,
            (std::vector<std::string>{"mail.example.org", "webmail.example.org"}));
  EXPECT_EQ(plan.certificates[1].lineage, "example.com");
}

TEST(Dms, LookupOrderSslDomainThenHostnameThenDomainname) {
  DmsSettings explicit_domain = ReadDms(
      ParseEnvFile("SSL_TYPE=letsencrypt\nSSL_DOMAIN=*.example.org\n", "mailserver.env"),
      "mail.example.org");
  EXPECT_EQ(explicit_domain.live_name, "example.org");
  EXPECT_EQ(explicit_domain.setup.challenge, "dns-01");
  EXPECT_EQ(explicit_domain.setup.additional_names, std::vector<std::string>{"*.example.org"});

  DmsSettings override_host = ReadDms(
      ParseEnvFile("SSL_TYPE=letsencrypt\nOVERRIDE_HOSTNAME=MX.Example.org\n", "mailserver.env"),
      "container.local");
  EXPECT_EQ(override_host.setup.hostname, "mx.example.org");
  EXPECT_EQ(override_host.live_name, "mx.example.org");

  DmsSettings manual =
      ReadDms(ParseEnvFile("SSL_TYPE=manual\n", "mailserver.env"), "mail.example.org");
  EXPECT_EQ(manual.setup.key_types, (std::vector<std::string>{"ec256", "rsa2048"}))
      << "manual mode carries an RSA fallback as SSL_ALT_*";
  EXPECT_TRUE(manual.setup.labels.empty());

  DmsSettings no_tls = ReadDms(ParseEnvFile("broken line\n", "mailserver.env"), "");
  ASSERT_GE(no_tls.warnings.size(), 3u);
  EXPECT_EQ(no_tls.warnings[0].rfind("mailserver.env:1: not KEY=VALUE", 0), 0u);
}

}  // namespace
}  // namespace mailcert::plan
