// Each target's files, checked against what the mail stack reads (postconf(5), Dovecot ssl.md,
// mailcow's acme/postfix/dovecot entrypoints, docker-mailserver's ssl.sh).
#include "deploy/layout.h"

#include <gtest/gtest.h>

namespace mailcert::deploy {
namespace {

Material Make(const std::string& lineage, std::vector<std::string> names, const std::string& type,
              bool server = false) {
  Material material;
  material.lineage = lineage;
  material.names = std::move(names);
  material.key_type = type;
  material.server = server;
  material.files = {"KEY " + lineage + " " + type + "\n", "CERT " + lineage + "\n",
                    "CHAIN\n", "CERT " + lineage + "\nCHAIN\n"};
  return material;
}

const FileSpec* Find(const Layout& layout, const std::string& path) {
  for (const auto& file : layout.files) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

TEST(Layout, PostfixChainFilesPerKeyTypeAndSniMap) {
  std::vector<Material> materials = {
      Make("mail", {"mail.example.org"}, "ec256", true),
      Make("mail", {"mail.example.org"}, "rsa2048", true),
      Make("example.net", {"*.example.net", "autoconfig.example.net"}, "ec256")};
  Layout layout = PostfixLayout("/etc/postfix/mailcert", materials, /*sni=*/true);
  const FileSpec* ec = Find(layout, "/etc/postfix/mailcert/mail.ec256.pem");
  ASSERT_NE(ec, nullptr);
  // smtpd_tls_chain_files order: key, then certificate, then chain, in one file.
  EXPECT_EQ(ec->content, "KEY mail ec256\nCERT mail\nCHAIN\n");
  EXPECT_EQ(ec->mode, 0600u) << "the file holds the key";
  const FileSpec* map = Find(layout, "/etc/postfix/mailcert/sni.map");
  ASSERT_NE(map, nullptr);
  EXPECT_NE(map->content.find("mail.example.org /etc/postfix/mailcert/mail.ec256.pem "
                              "/etc/postfix/mailcert/mail.rsa2048.pem\n"),
            std::string::npos)
      << map->content;
  EXPECT_NE(map->content.find("\n.example.net /etc/postfix/mailcert/example.net.ec256.pem\n"),
            std::string::npos)
      << "wildcards become Postfix's .parent form: " << map->content;
}

TEST(Layout, DovecotBothSyntaxesWithAltKeysAndWildcardsFirst) {
  std::vector<Material> materials = {
      Make("example.net", {"autoconfig.example.net", "*.example.net"}, "ec256"),
      Make("example.net", {"autoconfig.example.net", "*.example.net"}, "rsa2048")};
  Layout v23 = DovecotLayout("/etc/dovecot/mailcert", materials, true, DovecotSyntax::k23);
  const FileSpec* conf = Find(v23, "/etc/dovecot/mailcert/sni.conf");
  ASSERT_NE(conf, nullptr);
  const std::string& text = conf->content;
  EXPECT_LT(text.find("local_name *.example.net {"), text.find("local_name autoconfig.example.net"))
      << "the last matching block wins, so wildcards go first";
  EXPECT_NE(text.find("  ssl_cert = </etc/dovecot/mailcert/example.net.ec256.crt\n"
                      "  ssl_key = </etc/dovecot/mailcert/example.net.ec256.key\n"
                      "  ssl_alt_cert = </etc/dovecot/mailcert/example.net.rsa2048.crt\n"),
            std::string::npos)
      << text;
  Layout v24 = DovecotLayout("/etc/dovecot/mailcert", materials, true, DovecotSyntax::k24);
  const std::string& text24 = Find(v24, "/etc/dovecot/mailcert/sni.conf")->content;
  EXPECT_NE(text24.find("ssl_server_cert_file = /etc/dovecot/mailcert/example.net.ec256.crt"),
            std::string::npos);
  EXPECT_NE(text24.find("ssl_server_alt_key_file = /etc/dovecot/mailcert/example.net.rsa2048.key"),
            std::string::npos);
  EXPECT_EQ(Find(v24, "/etc/dovecot/mailcert/example.net.ec256.key")->mode, 0600u);
  EXPECT_EQ(Find(v24, "/etc/dovecot/mailcert/example.net.ec256.crt")->content,
            "CERT example.net\nCHAIN\n");
}

TEST(Layout, MailcowServerCertificateSniFoldersAndOnlyOurStaleFoldersRemoved) {
  std::vector<Material> materials = {
      Make("mail", {"mail.example.org", "webmail.example.org"}, "ec256", true),
      Make("example.net", {"autoconfig.example.net", "autodiscover.example.net"}, "ec256")};
  Layout layout = MailcowLayout("/opt/mailcow/data/assets/ssl", materials,
                                {{"mail.example.org", true},
                                 {"autoconfig.example.com", true},   // ours, domain removed
                                 {"custom.example.org", false},      // the admin's own
                                 {"backups", false}});
  EXPECT_EQ(Find(layout, "/opt/mailcow/data/assets/ssl/cert.pem")->content,
            "CERT mail\nCHAIN\n");
  EXPECT_EQ(Find(layout, "/opt/mailcow/data/assets/ssl/key.pem")->mode, 0600u);
  EXPECT_EQ(Find(layout, "/opt/mailcow/data/assets/ssl/autoconfig.example.net/domains")->content,
            "autoconfig.example.net autodiscover.example.net");
  EXPECT_NE(Find(layout, "/opt/mailcow/data/assets/ssl/mail.example.org/cert.pem"), nullptr);
  EXPECT_EQ(layout.remove_dirs,
            std::vector<std::string>{"/opt/mailcow/data/assets/ssl/autoconfig.example.com"});
}

TEST(Layout, DockerMailserverManualAndLetsencrypt) {
  std::vector<Material> materials = {Make("mail", {"mail.example.org"}, "ec256", true),
                                     Make("mail", {"mail.example.org"}, "rsa2048", true)};
  Layout manual = DmsManualLayout({"/tmp/dms/cert.pem", "/tmp/dms/key.pem", "/tmp/dms/rsa.crt",
                                   "/tmp/dms/rsa.key"},
                                  materials);
  ASSERT_EQ(manual.files.size(), 4u);
  EXPECT_EQ(manual.files[2].content, "CERT mail\nCHAIN\n");
  EXPECT_EQ(manual.files[3].content, "KEY mail rsa2048\n");
  Layout live = DmsLetsencryptLayout("/etc/letsencrypt", "mail.example.org", materials);
  EXPECT_NE(Find(live, "/etc/letsencrypt/live/mail.example.org/fullchain.pem"), nullptr);
  EXPECT_EQ(Find(live, "/etc/letsencrypt/live/mail.example.org/privkey.pem")->mode, 0600u);
}

}  // namespace
}  // namespace mailcert::deploy
