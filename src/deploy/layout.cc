#include "deploy/layout.h"

#include <algorithm>
#include <set>

#include "sys/fs.h"
#include "util/strings.h"

namespace mailcert::deploy {
namespace {

constexpr mode_t kPublic = 0644;
constexpr mode_t kSecret = 0600;

std::string Stem(const Material& material) { return GroupOf(material) + "." + material.key_type; }

bool IsWildcard(const std::string& name) { return name.rfind("*.", 0) == 0; }

// Wildcard lookups first, exact names after: Dovecot takes the last matching local_name block
// (dovecot ssl.md), Postfix matches exact names before ".parent" entries on its own.
std::vector<std::string> SniOrder(const std::vector<std::string>& names) {
  std::vector<std::string> ordered;
  for (const auto& name : names) {
    if (IsWildcard(name)) ordered.push_back(name);
  }
  for (const auto& name : names) {
    if (!IsWildcard(name)) ordered.push_back(name);
  }
  return ordered;
}

// Materials grouped by certificate (GroupOf), preserving order; the server's first.
std::vector<std::vector<const Material*>> ByLineage(const std::vector<Material>& materials) {
  std::vector<std::vector<const Material*>> groups;
  auto add = [&](const Material& material) {
    for (auto& group : groups) {
      if (GroupOf(*group.front()) == GroupOf(material)) {
        group.push_back(&material);
        return;
      }
    }
    groups.push_back({&material});
  };
  for (const auto& material : materials) {
    if (material.server) add(material);
  }
  for (const auto& material : materials) {
    if (!material.server) add(material);
  }
  return groups;
}

}  // namespace

std::string KeyAndChain(const store::VersionFiles& files) {
  std::string pem = files.key_pem;
  if (!pem.empty() && pem.back() != '\n') pem += '\n';
  return pem + files.fullchain_pem;
}

std::string PostfixSniMapPath(const std::string& dir) { return sys::JoinPath(dir, "sni.map"); }

std::string PostfixChainPath(const std::string& dir, const Material& material) {
  return sys::JoinPath(dir, Stem(material) + ".pem");
}

Layout PostfixLayout(const std::string& dir, const std::vector<Material>& materials, bool sni) {
  Layout layout;
  for (const auto& material : materials) {
    layout.files.push_back({PostfixChainPath(dir, material), KeyAndChain(material.files), kSecret});
  }
  if (sni) {
    // tls_server_sni_maps: "name file [file]" — one chain file per key type (postconf(5));
    // "*.example.org" is written as ".example.org", Postfix's parent-domain form.
    std::string map = "# written by mailcert; rebuilt with postmap -F after every change\n";
    for (const auto& group : ByLineage(materials)) {
      std::vector<std::string> paths;
      for (const Material* material : group) paths.push_back(PostfixChainPath(dir, *material));
      for (const auto& name : SniOrder(group.front()->names)) {
        map += (IsWildcard(name) ? name.substr(1) : name) + " " + util::Join(paths, " ") + "\n";
      }
    }
    layout.files.push_back({PostfixSniMapPath(dir), map, kPublic});
  }
  return layout;
}

std::string DovecotCertPath(const std::string& dir, const Material& material) {
  return sys::JoinPath(dir, Stem(material) + ".crt");
}
std::string DovecotKeyPath(const std::string& dir, const Material& material) {
  return sys::JoinPath(dir, Stem(material) + ".key");
}

Layout DovecotLayout(const std::string& dir, const std::vector<Material>& materials, bool sni,
                     DovecotSyntax syntax) {
  Layout layout;
  for (const auto& material : materials) {
    layout.files.push_back({DovecotCertPath(dir, material), material.files.fullchain_pem, kPublic});
    layout.files.push_back({DovecotKeyPath(dir, material), material.files.key_pem, kSecret});
  }
  if (!sni) return layout;
  // The include the administrator adds with `!include_try <dir>/sni.conf`.
  auto setting = [&](bool alt, bool key, const std::string& path) {
    if (syntax == DovecotSyntax::k23) {
      return std::string(alt ? "ssl_alt_" : "ssl_") + (key ? "key" : "cert") + " = <" + path;
    }
    return std::string(alt ? "ssl_server_alt_" : "ssl_server_") + (key ? "key" : "cert") +
           "_file = " + path;
  };
  std::string conf = "# written by mailcert (Dovecot " +
                     std::string(syntax == DovecotSyntax::k23 ? "2.3" : "2.4") + " syntax)\n";
  std::vector<std::pair<std::string, std::vector<const Material*>>> blocks;
  for (const auto& group : ByLineage(materials)) {
    for (const auto& name : group.front()->names) blocks.emplace_back(name, group);
  }
  std::stable_sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
    return IsWildcard(a.first) && !IsWildcard(b.first);
  });
  for (const auto& [name, group] : blocks) {
    conf += "local_name " + name + " {\n";
    for (size_t i = 0; i < group.size(); ++i) {
      conf += "  " + setting(i > 0, false, DovecotCertPath(dir, *group[i])) + "\n";
      conf += "  " + setting(i > 0, true, DovecotKeyPath(dir, *group[i])) + "\n";
    }
    conf += "}\n";
  }
  layout.files.push_back({sys::JoinPath(dir, "sni.conf"), conf, kPublic});
  return layout;
}

std::string NginxCertPath(const std::string& dir, const Material& material) {
  return sys::JoinPath(dir, Stem(material) + ".crt");
}
std::string NginxKeyPath(const std::string& dir, const Material& material) {
  return sys::JoinPath(dir, Stem(material) + ".key");
}

Layout NginxLayout(const std::string& dir, const std::vector<Material>& materials) {
  Layout layout;
  for (const auto& material : materials) {
    layout.files.push_back({NginxCertPath(dir, material), material.files.fullchain_pem, kPublic});
    layout.files.push_back({NginxKeyPath(dir, material), material.files.key_pem, kSecret});
  }
  return layout;
}

Layout MailcowLayout(const std::string& ssl_dir, const std::vector<Material>& materials,
                     const std::vector<ExistingDir>& existing_dirs) {
  Layout layout;
  std::set<std::string> current;
  for (const auto& group : ByLineage(materials)) {
    // mailcow takes one key per certificate: the first key type configured.
    const Material& material = *group.front();
    if (material.server) {
      layout.files.push_back({sys::JoinPath(ssl_dir, "cert.pem"), material.files.fullchain_pem,
                              kPublic});
      layout.files.push_back({sys::JoinPath(ssl_dir, "key.pem"), material.files.key_pem, kSecret});
    }
    // The folder mailcow's postfix/dovecot/nginx entrypoints turn into SNI entries is named after
    // the first name and holds the space-joined name list in `domains` (mailcow acme.sh).
    const std::string folder = sys::JoinPath(ssl_dir, material.names.front());
    current.insert(material.names.front());
    layout.files.push_back({sys::JoinPath(folder, "cert.pem"), material.files.fullchain_pem,
                            kPublic});
    layout.files.push_back({sys::JoinPath(folder, "key.pem"), material.files.key_pem, kSecret});
    layout.files.push_back({sys::JoinPath(folder, "domains"), util::Join(material.names, " "),
                            kPublic});
    layout.files.push_back({sys::JoinPath(folder, kMailcowMarker),
                            "written by mailcert; this folder is removed when its certificate "
                            "is no longer configured\n",
                            kPublic});
  }
  for (const auto& dir : existing_dirs) {
    if (dir.ours && !current.count(dir.name)) {
      layout.remove_dirs.push_back(sys::JoinPath(ssl_dir, dir.name));
    }
  }
  return layout;
}

namespace {
// docker-mailserver serves one certificate: the server's, its first key type first.
std::vector<const Material*> ServerFirst(const std::vector<Material>& materials) {
  std::vector<const Material*> ordered;
  for (const auto& material : materials) {
    if (material.server) ordered.push_back(&material);
  }
  for (const auto& material : materials) {
    if (!material.server) ordered.push_back(&material);
  }
  return ordered;
}
}  // namespace

std::string FillPath(const std::string& path_template, const Material& material) {
  std::string path = path_template;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"{lineage}", material.lineage}, {"{key_type}", material.key_type}}) {
    for (size_t at = path.find(key); at != std::string::npos; at = path.find(key, at)) {
      path.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return path;
}

Layout FilesLayout(const FilesPaths& paths, const std::vector<Material>& materials) {
  Layout layout;
  for (const auto& material : materials) {
    auto add = [&](const std::string& path_template, const std::string& content, mode_t mode) {
      if (!path_template.empty()) layout.files.push_back({FillPath(path_template, material), content, mode});
    };
    add(paths.cert, material.files.cert_pem, paths.cert_mode);
    add(paths.chain, material.files.chain_pem, paths.cert_mode);
    add(paths.fullchain, material.files.fullchain_pem, paths.cert_mode);
    add(paths.key, material.files.key_pem, paths.key_mode);
    add(paths.combined, KeyAndChain(material.files), paths.key_mode);
  }
  return layout;
}

Layout DmsManualLayout(const DmsManualPaths& paths, const std::vector<Material>& all) {
  Layout layout;
  std::vector<Material> materials;
  for (const Material* material : ServerFirst(all)) materials.push_back(*material);
  if (materials.empty()) return layout;
  layout.files.push_back({paths.cert, materials[0].files.fullchain_pem, kPublic});
  layout.files.push_back({paths.key, materials[0].files.key_pem, kSecret});
  if (materials.size() > 1 && !paths.alt_cert.empty() && !paths.alt_key.empty()) {
    layout.files.push_back({paths.alt_cert, materials[1].files.fullchain_pem, kPublic});
    layout.files.push_back({paths.alt_key, materials[1].files.key_pem, kSecret});
  }
  return layout;
}

Layout DmsLetsencryptLayout(const std::string& letsencrypt_dir, const std::string& fqdn,
                            const std::vector<Material>& all) {
  Layout layout;
  std::vector<Material> materials;
  for (const Material* material : ServerFirst(all)) materials.push_back(*material);
  if (materials.empty()) return layout;
  // DMS reads live/<fqdn>/fullchain.pem and privkey.pem (then key.pem) — real files here, so a
  // mount of only live/ works too (DMS #2698 broke on dangling symlinks into archive/).
  const std::string dir = sys::JoinPath(sys::JoinPath(letsencrypt_dir, "live"), fqdn);
  const store::VersionFiles& files = materials[0].files;
  layout.files.push_back({sys::JoinPath(dir, "fullchain.pem"), files.fullchain_pem, kPublic});
  layout.files.push_back({sys::JoinPath(dir, "privkey.pem"), files.key_pem, kSecret});
  layout.files.push_back({sys::JoinPath(dir, "cert.pem"), files.cert_pem, kPublic});
  layout.files.push_back({sys::JoinPath(dir, "chain.pem"), files.chain_pem, kPublic});
  return layout;
}

}  // namespace mailcert::deploy
