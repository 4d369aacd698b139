#include "fs_ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <random>

namespace capwire {

namespace {

constexpr size_t kMaxDirEntries = 1u << 20;

// Reopens an O_PATH fd for I/O through its /proc/self/fd link. The kernel
// reopens the very inode we hold; no path is looked up again.
UniqueFd Reopen(int opathFd, int flags, int* err) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", opathFd);
  int fd = open(link, flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) *err = errno;
  return UniqueFd(fd);
}

bool WriteAll(int fd, const uint8_t* data, size_t size, uint64_t failAfter, int* err) {
  size_t done = 0;
  while (done < size) {
    size_t chunk = std::min<size_t>(size - done, 1u << 20);
    if (failAfter != UINT64_MAX && done + chunk > failAfter) {
      *err = EIO;
      return false;
    }
    ssize_t n = write(fd, data + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string TempName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  snprintf(buf, sizeof(buf), ".capwire-tmp-%d-%016llx", static_cast<int>(getpid()),
           static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

Result<Bytes> ReadOpenedFile(const OpenedObject& obj, uint64_t offset, std::optional<uint64_t> length,
                             uint64_t maxBytes, const std::string& ctx) {
  using R = Result<Bytes>;
  struct stat st {};
  if (fstat(obj.fd(), &st) != 0) return R::Fail(ErrnoStatus(ctx, errno));
  if (S_ISDIR(st.st_mode)) {
    return R::Fail(Status::Error(Code::kInvalidArgument, ctx + ": is a directory (use fs.readDir)"));
  }
  if (!S_ISREG(st.st_mode)) {
    return R::Fail(Status::Error(Code::kInvalidArgument, ctx + ": not a regular file"));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t avail = offset >= size ? 0 : size - offset;
  uint64_t want = length ? std::min(*length, avail) : avail;
  auto tooLarge = [&]() {
    return R::Fail(Status::Error(Code::kPayloadTooLarge, ctx + ": more than " + std::to_string(maxBytes) +
                                                             " bytes requested (read a range with offset/length, "
                                                             "or raise maxReadBytes)"));
  };
  if (want > maxBytes) return tooLarge();
  int err = 0;
  UniqueFd fd = Reopen(obj.fd(), O_RDONLY | O_NONBLOCK, &err);
  if (!fd.valid()) return R::Fail(ErrnoStatus(ctx, err));
  // Read to EOF (the file may change under us) but never past the cap: one byte
  // more than maxBytes proves the file is too large.
  uint64_t limit = length ? std::min<uint64_t>(*length, maxBytes) : maxBytes + 1;
  Bytes out(static_cast<size_t>(std::min<uint64_t>(want, limit)));
  uint64_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (got >= limit) break;
      out.resize(static_cast<size_t>(std::min<uint64_t>(limit, got + 65536)));
    }
    ssize_t n = pread(fd.get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return R::Fail(ErrnoStatus(ctx, errno));
    }
    if (n == 0) break;
    got += static_cast<uint64_t>(n);
  }
  if (got > maxBytes) return tooLarge();
  out.resize(static_cast<size_t>(got));
  return R::Of(std::move(out));
}

Result<StatInfo> StatOpened(const OpenedObject& obj, const std::string& ctx) {
  struct stat st {};
  if (fstat(obj.fd(), &st) != 0) return Result<StatInfo>::Fail(ErrnoStatus(ctx, errno));
  StatInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.isFile = S_ISREG(st.st_mode);
  info.isDirectory = S_ISDIR(st.st_mode);
  info.mtimeMs = static_cast<double>(st.st_mtim.tv_sec) * 1000.0 + static_cast<double>(st.st_mtim.tv_nsec / 1000000);
  return Result<StatInfo>::Of(info);
}

Result<std::vector<DirEntry>> ListOpenedDir(const OpenedObject& obj,
                                            const std::function<EntryKind(const std::string&, unsigned char)>& classify,
                                            const std::string& ctx) {
  using R = Result<std::vector<DirEntry>>;
  struct stat st {};
  if (fstat(obj.fd(), &st) != 0) return R::Fail(ErrnoStatus(ctx, errno));
  if (!S_ISDIR(st.st_mode)) return R::Fail(Status::Error(Code::kInvalidArgument, ctx + ": not a directory"));
  // An O_PATH directory fd can serve as dirfd: open "." to get a readable fd of the same inode.
  int fd = openat(obj.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return R::Fail(ErrnoStatus(ctx, errno));
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int e = errno;
    close(fd);
    return R::Fail(ErrnoStatus(ctx, e));
  }
  std::vector<DirEntry> entries;
  for (;;) {
    errno = 0;
    struct dirent* de = readdir(dir);
    if (de == nullptr) {
      if (errno != 0) {
        int e = errno;
        closedir(dir);
        return R::Fail(ErrnoStatus(ctx, e));
      }
      break;
    }
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    if (entries.size() >= kMaxDirEntries) {
      closedir(dir);
      return R::Fail(Status::Error(Code::kResourceExhausted,
                                   ctx + ": more than " + std::to_string(kMaxDirEntries) + " entries"));
    }
    unsigned char type = de->d_type;
    if (type == DT_UNKNOWN) {
      struct stat est {};
      if (fstatat(dirfd(dir), de->d_name, &est, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISREG(est.st_mode) ? DT_REG : S_ISDIR(est.st_mode) ? DT_DIR : S_ISLNK(est.st_mode) ? DT_LNK : DT_UNKNOWN;
      }
    }
    EntryKind kind = classify(name, type);
    entries.push_back(DirEntry{std::move(name), kind.isFile, kind.isDirectory});
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return R::Of(std::move(entries));
}

Result<uint64_t> WriteEntryAtomic(const CheckedEntry& entry, const uint8_t* data, size_t size,
                                  const WriteOptions& opts, const std::string& ctx) {
  using R = Result<uint64_t>;
  auto tooLarge = [&]() {
    return R::Fail(Status::Error(Code::kPayloadTooLarge, ctx + ": more than " + std::to_string(opts.maxBytes) +
                                                             " bytes (raise maxWriteBytes)"));
  };
  if (size > opts.maxBytes) return tooLarge();
  struct stat old {};
  bool exists = false;
  if (fstatat(entry.dirFd(), entry.name().c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0) {
    exists = true;
    if (S_ISDIR(old.st_mode)) return R::Fail(Status::Error(Code::kInvalidArgument, ctx + ": is a directory"));
    if (S_ISLNK(old.st_mode)) {
      return R::Fail(Status::Error(Code::kInvalidArgument,
                                   ctx + ": is a symbolic link (write to the path it points to instead)"));
    }
    if (!S_ISREG(old.st_mode)) return R::Fail(Status::Error(Code::kInvalidArgument, ctx + ": not a regular file"));
  } else if (errno != ENOENT) {
    return R::Fail(ErrnoStatus(ctx, errno));
  }
  Bytes previous;
  if (opts.append && exists) {
    int fd = openat(entry.dirFd(), entry.name().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return R::Fail(ErrnoStatus(ctx, errno));
    UniqueFd in(fd);
    struct stat st {};
    if (fstat(in.get(), &st) != 0) return R::Fail(ErrnoStatus(ctx, errno));
    if (!S_ISREG(st.st_mode)) return R::Fail(Status::Error(Code::kInvalidArgument, ctx + ": not a regular file"));
    if (static_cast<uint64_t>(st.st_size) + size > opts.maxBytes) return tooLarge();
    previous.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < previous.size()) {
      ssize_t n = read(in.get(), previous.data() + got, previous.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return R::Fail(ErrnoStatus(ctx, errno));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    previous.resize(got);
  }
  std::string tmp;
  UniqueFd out;
  for (int attempt = 0; attempt < 8 && !out.valid(); ++attempt) {
    tmp = TempName();
    int fd = openat(entry.dirFd(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      out.Reset(fd);
    } else if (errno != EEXIST) {
      return R::Fail(ErrnoStatus(ctx + ": creating a temporary file", errno));
    }
  }
  if (!out.valid()) return R::Fail(Status::Error(Code::kIoError, ctx + ": could not create a temporary file"));
  auto fail = [&](int err, const char* step) {
    unlinkat(entry.dirFd(), tmp.c_str(), 0);
    return R::Fail(ErrnoStatus(ctx + ": " + step, err));
  };
  if (exists && fchmod(out.get(), old.st_mode & 07777) != 0) return fail(errno, "copying the file mode");
  int err = 0;
  uint64_t budget = opts.failAfterBytes;
  if (!WriteAll(out.get(), previous.data(), previous.size(), budget, &err)) return fail(err, "writing");
  if (budget != UINT64_MAX) budget = budget > previous.size() ? budget - previous.size() : 0;
  if (!WriteAll(out.get(), data, size, budget, &err)) return fail(err, "writing");
  if (fsync(out.get()) != 0) return fail(errno, "flushing");
  if (renameat(entry.dirFd(), tmp.c_str(), entry.dirFd(), entry.name().c_str()) != 0) return fail(errno, "renaming");
  return R::Of(static_cast<uint64_t>(size));
}

Status MkdirEntry(const CheckedEntry& entry, const std::string& ctx) {
  if (mkdirat(entry.dirFd(), entry.name().c_str(), 0777) != 0) {
    if (errno == EEXIST) return Status::Error(Code::kIoError, ctx + ": already exists");
    return ErrnoStatus(ctx, errno);
  }
  return Status::Ok();
}

Status RemoveEntry(const CheckedEntry& entry, const std::string& ctx) {
  struct stat st {};
  if (fstatat(entry.dirFd(), entry.name().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoStatus(ctx, errno);
  int flags = S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0;
  if (unlinkat(entry.dirFd(), entry.name().c_str(), flags) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) return Status::Error(Code::kIoError, ctx + ": directory not empty");
    return ErrnoStatus(ctx, errno);
  }
  return Status::Ok();
}

}  // namespace capwire
