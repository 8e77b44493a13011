#include "net/ca_bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

#include "net/socket_address.h"

namespace mailcert::net {
namespace {

// A CA bundle of every public CA is about 200 KiB; anything far larger is not a bundle.
constexpr off_t kMaxBundleSize = 16 * 1024 * 1024;

// RFC 7468 §5.1 labels that OpenSSL accepts as trust anchors in a CAfile.
constexpr std::string_view kCertificateBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kTrustedCertificateBegin = "-----BEGIN TRUSTED CERTIFICATE-----";
constexpr std::string_view kCertificateEnd = "-----END CERTIFICATE-----";
constexpr std::string_view kTrustedCertificateEnd = "-----END TRUSTED CERTIFICATE-----";

util::Error Invalid(const std::string& path, const std::string& problem) {
  return util::Error{util::ErrorCode::kInvalidInput,
                     "CA bundle " + path + ": " + problem +
                         "; pass a file of PEM certificates (-----BEGIN CERTIFICATE-----) "
                         "with --ca-bundle, or leave it out to trust the system store only",
                     ""};
}

bool HasPemBlock(std::string_view text, std::string_view begin, std::string_view end) {
  size_t start = text.find(begin);
  return start != std::string_view::npos && text.find(end, start + begin.size()) != text.npos;
}

}  // namespace

util::Result<void> CheckCaBundleFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return util::Fail(Invalid(path, ErrnoText(errno)));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return util::Fail(Invalid(path, "not a regular file"));
  }
  if (info.st_size > kMaxBundleSize) {
    ::close(fd);
    return util::Fail(Invalid(path, "larger than 16 MiB"));
  }
  std::string text(static_cast<size_t>(info.st_size), '\0');
  size_t filled = 0;
  while (filled < text.size()) {
    ssize_t n = ::read(fd, text.data() + filled, text.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return util::Fail(Invalid(path, ErrnoText(error)));
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(filled);
  if (!HasPemBlock(text, kCertificateBegin, kCertificateEnd) &&
      !HasPemBlock(text, kTrustedCertificateBegin, kTrustedCertificateEnd)) {
    return util::Fail(Invalid(path, "holds no PEM certificate"));
  }
  return {};
}

}  // namespace mailcert::net
