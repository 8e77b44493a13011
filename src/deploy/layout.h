#pragma once
// What each deploy target wants on disk: pure functions from a lineage's current version to the
// files (path, content, mode) in the layout the mail stack reads. Installation (compare, write
// atomically, reload, verify, roll back) is in installer.h.
//
// Layouts and why (ca-and-mail-tls-landscape-2026.md §4, mailcow-and-dms-certificate-handling.md):
// - postfix: one file per key type holding key, certificate and chain, in that order, as
//   smtpd_tls_chain_files and tls_server_sni_maps read them (postconf(5)); key and certificate
//   in one file leave no window where a reload loads a mismatched pair.
// - dovecot: certificate and key files; an include with local_name blocks for SNI in 2.3
//   (`ssl_cert = <file`) or 2.4 (`ssl_server_cert_file = file`) syntax.
// - nginx: certificate (full chain) and key per key type.
// - mailcow: data/assets/ssl/{cert,key}.pem for the server certificate, <first name>/{cert.pem,
//   key.pem,domains} per SNI certificate; real files, never symlinks (mailcow #1421).
// - docker-mailserver: `manual` (SSL_CERT_PATH/SSL_KEY_PATH + SSL_ALT_*) or `letsencrypt`
//   (live/<fqdn>/fullchain.pem + privkey.pem).

#include <sys/types.h>

#include <string>
#include <vector>

#include "store/records.h"

namespace mailcert::deploy {

// One lineage's current version, as a target installs it.
struct Material {
  std::string lineage;
  // The certificate this key type belongs to: lineages holding the same names with different
  // key types (a dual RSA + ECDSA pair) share a group, and so one SNI entry and one file stem.
  // Empty: the lineage itself.
  std::string group;
  std::vector<std::string> names;
  std::string key_type;  // "ec256", "rsa2048", …
  store::VersionFiles files;
  bool server = false;   // the default certificate (mailcow cert.pem, DMS, postfix default)
  std::string store_dir;  // the stored version's directory (hooks' RENEWED_LINEAGE)
};

inline const std::string& GroupOf(const Material& material) {
  return material.group.empty() ? material.lineage : material.group;
}

struct FileSpec {
  std::string path;
  std::string content;
  mode_t mode = 0644;  // 0600 for anything holding a key
};

struct Layout {
  std::vector<FileSpec> files;
  // Directories this target created earlier that no longer have a certificate (mailcow SNI
  // folders with mailcert's marker); removed after the files are written.
  std::vector<std::string> remove_dirs;
};

// Marker file mailcert puts into mailcow SNI folders it creates, so it removes only those.
inline constexpr const char* kMailcowMarker = ".mailcert";

Layout PostfixLayout(const std::string& dir, const std::vector<Material>& materials, bool sni);
// The sni map path PostfixLayout writes (for `postmap -F hash:<path>`).
std::string PostfixSniMapPath(const std::string& dir);
// The chain file of one material (for main.cf's smtpd_tls_chain_files).
std::string PostfixChainPath(const std::string& dir, const Material& material);

enum class DovecotSyntax { k23, k24 };
Layout DovecotLayout(const std::string& dir, const std::vector<Material>& materials, bool sni,
                     DovecotSyntax syntax);
std::string DovecotCertPath(const std::string& dir, const Material& material);
std::string DovecotKeyPath(const std::string& dir, const Material& material);

Layout NginxLayout(const std::string& dir, const std::vector<Material>& materials);
std::string NginxCertPath(const std::string& dir, const Material& material);
std::string NginxKeyPath(const std::string& dir, const Material& material);

// `existing_dirs`: the subdirectories of ssl_dir now, each with whether it has mailcert's marker.
struct ExistingDir {
  std::string name;
  bool ours = false;
};
Layout MailcowLayout(const std::string& ssl_dir, const std::vector<Material>& materials,
                     const std::vector<ExistingDir>& existing_dirs);

struct DmsManualPaths {
  std::string cert, key, alt_cert, alt_key;  // alt_* used for a second key type
};
Layout DmsManualLayout(const DmsManualPaths& paths, const std::vector<Material>& materials);
Layout DmsLetsencryptLayout(const std::string& letsencrypt_dir, const std::string& fqdn,
                            const std::vector<Material>& materials);

// The `files` target: any paths (templates where "{lineage}" and "{key_type}" are replaced), each
// optional, with the modes the administrator wants.
struct FilesPaths {
  std::string cert, key, chain, fullchain, combined;  // combined = key + full chain
  mode_t cert_mode = 0644;
  mode_t key_mode = 0600;
};
Layout FilesLayout(const FilesPaths& paths, const std::vector<Material>& materials);
// A template filled in for one material.
std::string FillPath(const std::string& path_template, const Material& material);

// Two-part PEM of key + full chain, the Postfix chain-file form.
std::string KeyAndChain(const store::VersionFiles& files);

}  // namespace mailcert::deploy
