#include "resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <vector>

namespace capwire {

namespace {

constexpr int kMaxSymlinks = 40;

long Openat2(int dirfd, const char* path, uint64_t flags, uint64_t resolve) {
  struct open_how how {};
  how.flags = flags;
  how.resolve = resolve;
  return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

UniqueFd ResolveOpenat2(const ResolveRequest& req, int* err) {
  std::string rel = RelativePath(Components(req.components->begin() + req.begin, req.components->begin() + req.end), 0);
  uint64_t flags = O_PATH | O_CLOEXEC;
  if (!req.followFinal) flags |= O_NOFOLLOW;
  if (req.mustBeDir) flags |= O_DIRECTORY;
  for (int attempt = 0; attempt < 32; ++attempt) {
    long fd = Openat2(req.rootFd, rel.c_str(), flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    // EAGAIN: a concurrent rename raced a `..` lookup; the kernel asks us to retry.
    if (errno != EAGAIN && errno != EINTR) {
      *err = errno;
      return UniqueFd();
    }
  }
  *err = EAGAIN;
  return UniqueFd();
}

void SplitInto(const std::string& text, std::deque<std::string>* out) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find('/', i);
    if (j == std::string::npos) j = text.size();
    parts.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out->push_front(*it);
}

UniqueFd ResolveFallback(const ResolveRequest& req, int* err) {
  std::vector<UniqueFd> stack;  // owned fds below the root; the root itself is borrowed
  auto cur = [&]() { return stack.empty() ? req.rootFd : stack.back().get(); };
  auto dupCur = [&]() -> UniqueFd {
    int fd = fcntl(cur(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) *err = errno;
    return UniqueFd(fd);
  };
  std::deque<std::string> pending(req.components->begin() + req.begin, req.components->begin() + req.end);
  if (pending.empty()) return dupCur();
  int links = 0;
  // A trailing "." or empty component after a symlink means "must be a directory".
  while (!pending.empty()) {
    std::string comp = std::move(pending.front());
    pending.pop_front();
    bool last = pending.empty();
    if (comp.empty() || comp == ".") {
      if (last) return dupCur();
      continue;
    }
    if (comp == "..") {
      if (stack.empty()) {
        *err = EXDEV;  // `..` above the root
        return UniqueFd();
      }
      stack.pop_back();
      if (last) return dupCur();
      continue;
    }
    int fd = openat(cur(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      *err = errno;
      return UniqueFd();
    }
    UniqueFd child(fd);
    struct stat st {};
    if (fstat(child.get(), &st) != 0) {
      *err = errno;
      return UniqueFd();
    }
    if (S_ISLNK(st.st_mode)) {
      if (last && !req.followFinal) return child;
      if (++links > kMaxSymlinks) {
        *err = ELOOP;
        return UniqueFd();
      }
      char buf[4096];
      ssize_t n = readlinkat(child.get(), "", buf, sizeof(buf));
      if (n < 0) {
        *err = errno;
        return UniqueFd();
      }
      if (n == 0 || static_cast<size_t>(n) >= sizeof(buf)) {
        *err = n == 0 ? ENOENT : ENAMETOOLONG;
        return UniqueFd();
      }
      std::string target(buf, static_cast<size_t>(n));
      if (target[0] == '/') {
        *err = EXDEV;  // absolute targets leave the root, as with RESOLVE_BENEATH
        return UniqueFd();
      }
      SplitInto(target, &pending);
      continue;
    }
    if (last) {
      if (req.mustBeDir && !S_ISDIR(st.st_mode)) {
        *err = ENOTDIR;
        return UniqueFd();
      }
      return child;
    }
    if (!S_ISDIR(st.st_mode)) {
      *err = ENOTDIR;
      return UniqueFd();
    }
    stack.push_back(std::move(child));
  }
  return dupCur();
}

}  // namespace

bool KernelHasOpenat2() {
  static const bool has = [] {
    long fd = Openat2(AT_FDCWD, "/", O_PATH | O_CLOEXEC, 0);
    if (fd < 0) return false;
    close(static_cast<int>(fd));
    return true;
  }();
  return has;
}

UniqueFd ResolveBeneath(const ResolveRequest& req, int* err) {
  *err = 0;
  if (req.mode == ResolveMode::kOpenat2) {
    UniqueFd fd = ResolveOpenat2(req, err);
    if (fd.valid() || *err != ENOSYS) return fd;
  }
  return ResolveFallback(req, err);
}

bool RealPathOfFd(int fd, Components* out) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  std::vector<char> buf(4096);
  for (;;) {
    ssize_t n = readlink(link, buf.data(), buf.size());
    if (n < 0) return false;
    if (static_cast<size_t>(n) < buf.size()) {
      std::string path(buf.data(), static_cast<size_t>(n));
      if (path.empty() || path[0] != '/') return false;
      return SplitNormalizedPath(path, out);
    }
    if (buf.size() > (1u << 20)) return false;
    buf.resize(buf.size() * 2);
  }
}

}  // namespace capwire
