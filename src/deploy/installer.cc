#include "deploy/installer.h"

#include "crypto/key.h"
#include "crypto/x509.h"
#include "util/strings.h"

namespace mailcert::deploy {
namespace {

bool Covers(const crypto::CertificateInfo& leaf, const std::string& name) {
  const std::string wanted = util::ToLower(name);
  for (const auto& dns : leaf.dns_names) {
    const std::string have = util::ToLower(dns);
    if (have == wanted) return true;
    // A wildcard certificate covers one label (RFC 6125 §6.4.3).
    if (have.rfind("*.", 0) == 0 && wanted.rfind("*.", 0) != 0) {
      size_t dot = wanted.find('.');
      if (dot != std::string::npos && wanted.substr(dot) == have.substr(1)) return true;
    }
  }
  for (const auto& ip : leaf.ip_addresses) {
    if (ip == wanted) return true;
  }
  return false;
}

util::Error Invalid(const Material& material, const std::string& what) {
  return util::Error{util::ErrorCode::kCrypto,
                     "certificate " + material.lineage + " (" + material.key_type +
                         ") not deployed: " + what,
                     {}};
}

}  // namespace

util::Result<void> ValidateMaterial(const Material& material, const std::string& trusted_roots_pem,
                                    util::TimePoint now) {
  auto chain = crypto::SplitPemCertificates(material.files.fullchain_pem);
  if (!chain) return util::Fail(Invalid(material, "its chain does not parse: " + chain.error().message));
  auto leaf = crypto::ParseCertificate(chain->front());
  if (!leaf) return util::Fail(Invalid(material, "its certificate does not parse"));
  auto key = crypto::PrivateKey::FromPem(material.files.key_pem);
  if (!key) return util::Fail(Invalid(material, "its key does not parse"));
  if (!crypto::KeyMatchesCertificate(*key, *leaf)) {
    return util::Fail(Invalid(material, "the key does not match the certificate"));
  }
  std::vector<std::string> missing;
  for (const auto& name : material.names) {
    if (!Covers(*leaf, name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    return util::Fail(Invalid(material, "the certificate does not cover " +
                                            util::Join(missing, ", ")));
  }
  crypto::VerifyOptions options;
  options.trusted_roots_pem = trusted_roots_pem;
  options.at = now;
  if (auto verified = crypto::VerifyChain(*chain, options); !verified) {
    return util::Fail(Invalid(material, verified.error().message +
                                            (trusted_roots_pem.empty()
                                                 ? " (a private CA needs its root in ca_bundle)"
                                                 : "")));
  }
  return {};
}

util::Result<InstallResult> Install(sys::Fs& fs, const Layout& layout, const Ownership& owner) {
  InstallResult result;
  auto undo = [&](const util::Error& error) -> util::Result<InstallResult> {
    (void)Restore(fs, result);
    return util::Fail(error);
  };
  for (const FileSpec& file : layout.files) {
    PreviousFile previous;
    previous.path = file.path;
    auto stat = fs.Stat(file.path);
    if (stat && !stat->is_directory) {
      previous.existed = true;
      previous.mode = stat->mode;
      // A symlink is replaced by a real file (mailcow and others refuse links); its old target
      // content is what it served, so that is what a rollback restores.
      auto content = fs.ReadFile(file.path);
      if (content) previous.content = std::move(*content);
      const bool owner_ok =
          (owner.uid == static_cast<uid_t>(-1) || stat->uid == owner.uid) &&
          (owner.gid == static_cast<gid_t>(-1) || stat->gid == owner.gid);
      if (!stat->is_symlink && content && previous.content == file.content &&
          stat->mode == file.mode && owner_ok) {
        result.unchanged.push_back(file.path);
        continue;
      }
    } else if (stat && stat->is_directory) {
      return undo(util::Error{util::ErrorCode::kIo,
                              "deploy " + file.path + ": a directory is in the way", {}});
    }
    if (auto made = fs.MakeDirs(sys::DirName(file.path), 0755); !made) return undo(made.error());
    result.previous.push_back(previous);
    // A failure may come after the rename (the directory sync): the new file may be in place,
    // so the previous content is restored in every case.
    if (auto written = sys::WriteFileAtomic(fs, file.path, file.content, file.mode); !written) {
      return undo(written.error());
    }
    if (owner.uid != static_cast<uid_t>(-1) || owner.gid != static_cast<gid_t>(-1)) {
      if (auto owned = fs.Chown(file.path, owner.uid, owner.gid); !owned) {
        return undo(owned.error());
      }
    }
    result.written.push_back(file.path);
  }
  for (const auto& dir : layout.remove_dirs) {
    auto names = fs.ListDir(dir);
    if (names) {
      for (const auto& name : *names) {
        const std::string path = sys::JoinPath(dir, name);
        auto stat = fs.Stat(path);
        auto content = fs.ReadFile(path);
        if (stat && content) {
          result.previous.push_back(PreviousFile{path, true, std::move(*content), stat->mode});
        }
      }
    }
    if (auto removed = fs.RemoveAll(dir); !removed) return undo(removed.error());
    result.removed_dirs.push_back(dir);
  }
  return result;
}

util::Result<void> Restore(sys::Fs& fs, const InstallResult& installed) {
  util::Result<void> status;
  for (auto it = installed.previous.rbegin(); it != installed.previous.rend(); ++it) {
    util::Result<void> step;
    if (it->existed) {
      (void)fs.MakeDirs(sys::DirName(it->path), 0755);
      step = sys::WriteFileAtomic(fs, it->path, it->content, it->mode);
    } else {
      step = fs.Remove(it->path);
    }
    if (!step && status) status = step;  // keep restoring the rest; report the first failure
  }
  return status;
}

}  // namespace mailcert::deploy
