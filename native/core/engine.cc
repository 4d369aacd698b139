#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checked.h"
#include "messages.h"

namespace capwire {

namespace {

constexpr const char* kFsRead = "fs.read";
constexpr const char* kFsWrite = "fs.write";
constexpr uint64_t kMaxOffset = uint64_t{1} << 53;

const char* NodeArch() {
#if defined(__x86_64__)
  return "x64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "ia32";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__powerpc64__)
  return "ppc64";
#elif defined(__s390x__)
  return "s390x";
#else
  return "unknown";
#endif
}

bool EnvFlag(const char* name) {
  const char* v = getenv(name);
  return v != nullptr && strcmp(v, "1") == 0;
}

Status InertGrant(std::string_view origin, std::string_view cap, const std::string& request, const std::string& path,
                  const std::string& suggest) {
  return Denial(origin, cap, request,
                "the " + std::string(cap) + " grant covering " + path +
                    " names a directory that did not exist when the policy was loaded",
                "create the directory and load the policy again", GrantJson(cap, origin, &suggest));
}

}  // namespace

// The only code that creates OpenedObject / CheckedEntry: lexical policy
// decision, kernel resolution beneath the chosen root, deny check on the
// resolved object.
class Checker {
 public:
  Checker(const Engine& engine, std::string_view origin, const char* capability, const char* op,
          const std::string& rawPath)
      : e_(engine), origin_(origin), cap_(capability), request_(std::string(op) + " " + rawPath), raw_(rawPath) {}

  const std::string& request() const { return request_; }
  const RequestPath& path() const { return path_; }

  // For reading: the object at the path (following a final symlink beneath the root).
  Result<OpenedObject> Open() {
    using R = Result<OpenedObject>;
    Status s = Decide();
    if (!s.ok()) return R::Fail(s);
    int err = 0;
    UniqueFd fd = Resolve(root_.root, path_.components.size(), true, path_.trailingSlash, &err);
    if (!fd.valid()) return R::Fail(ResolveFailure(err));
    Components real;
    if (!RealPathOfFd(fd.get(), &real)) return R::Fail(Unverifiable());
    int deny = e_.policy_->DeniedReal(origin_, cap_, real);
    if (deny >= 0) return R::Fail(DenyReal(deny));
    return R::Of(OpenedObject(std::move(fd), path_.normalized, std::move(real)));
  }

  // For creating/replacing/removing: the parent directory plus the final name.
  Result<CheckedEntry> Entry() {
    using R = Result<CheckedEntry>;
    Status s = Decide();
    if (!s.ok()) return R::Fail(s);
    if (path_.components.size() == root_.rootDepth) {
      return R::Fail(Denial(origin_, cap_, request_,
                            path_.normalized + " is the root of a " + cap_ + " grant and cannot be replaced or removed",
                            "grant its parent directory instead",
                            GrantJson(cap_, origin_, &parentPath_)));
    }
    int err = 0;
    UniqueFd dir = Resolve(root_.root, path_.components.size() - 1, true, true, &err);
    if (!dir.valid()) return R::Fail(ResolveFailure(err));
    Components real;
    if (!RealPathOfFd(dir.get(), &real)) return R::Fail(Unverifiable());
    real.push_back(path_.components.back());
    int deny = e_.policy_->DeniedReal(origin_, cap_, real);
    if (deny >= 0) return R::Fail(DenyReal(deny));
    return R::Of(CheckedEntry(std::move(dir), path_.components.back(), path_.normalized));
  }

  // readDir: what an entry reports. Symlinks are re-resolved beneath the root;
  // anything leaving it or landing in a denied subtree reports neither kind.
  EntryKind Classify(const OpenedObject& dir, const std::string& name, unsigned char type) {
    Components real = dir.real();
    real.push_back(name);
    if (e_.policy_->DeniedReal(origin_, cap_, real) >= 0) return {};
    if (type == DT_REG) return {true, false};
    if (type == DT_DIR) return {false, true};
    if (type != DT_LNK) return {};
    Components full = path_.components;
    full.push_back(name);
    ResolveRequest req;
    req.rootFd = e_.rootFds_[root_.root].get();
    req.components = &full;
    req.begin = root_.rootDepth;
    req.end = full.size();
    req.mode = e_.mode_;
    int err = 0;
    UniqueFd fd = ResolveBeneath(req, &err);
    if (!fd.valid()) return {};
    Components target;
    if (!RealPathOfFd(fd.get(), &target) || e_.policy_->DeniedReal(origin_, cap_, target) >= 0) return {};
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return {};
    return {S_ISREG(st.st_mode), S_ISDIR(st.st_mode)};
  }

  Status Decide() {
    auto parsed = ParseRequestPath(raw_, request_);
    if (!parsed.ok()) return parsed.status;
    path_ = std::move(parsed.value);
    bool write = strcmp(cap_, kFsWrite) == 0;
    parentPath_ = path_.components.empty() ? "/" : JoinPath(path_.components, 0, path_.components.size() - 1);
    root_ = e_.policy_->DecidePath(origin_, cap_, path_.components);
    if (root_.verdict == Verdict::kDenied) {
      return DenyHit(origin_, cap_, request_, path_.normalized, e_.policy_->roots()[root_.root].path, ScopeKind::kPath);
    }
    if (root_.verdict == Verdict::kNotCovered) {
      const std::string& suggest = write ? parentPath_ : path_.normalized;
      if (root_.inertGrant) return InertGrant(origin_, cap_, request_, path_.normalized, suggest);
      return NotCovered(origin_, cap_, request_, path_.normalized, &suggest);
    }
    return Status::Ok();
  }

 private:
  UniqueFd Resolve(int root, size_t end, bool follow, bool mustBeDir, int* err) {
    ResolveRequest req;
    req.rootFd = e_.rootFds_[root].get();
    req.components = &path_.components;
    req.begin = root_.rootDepth;
    req.end = end;
    req.followFinal = follow;
    req.mustBeDir = mustBeDir;
    req.mode = e_.mode_;
    return ResolveBeneath(req, err);
  }

  Status ResolveFailure(int err) {
    const std::string& rootPath = e_.policy_->roots()[root_.root].path;
    if (err == EXDEV) {
      return Denial(origin_, cap_, request_,
                    path_.normalized + " resolves outside the granted directory " + rootPath +
                        " (through a symlink or '..')",
                    "symlinks may not leave a granted directory; grant the directory the link points to instead",
                    "a grant covering the symlink's target");
    }
    if (err == ELOOP) {
      return Denial(origin_, cap_, request_,
                    path_.normalized + " passes through a magic link or too many symlinks",
                    "use a path without /proc magic links or symlink loops", "none");
    }
    return ErrnoStatus(request_, err);
  }

  Status DenyReal(int denyRoot) {
    return DenyHit(origin_, cap_, request_, path_.normalized + " (resolved)", e_.policy_->roots()[denyRoot].path,
                   ScopeKind::kPath);
  }

  Status Unverifiable() {
    return Status::Error(Code::kInternal, request_ + ": cannot verify deny rules on the opened object "
                                                     "(is /proc mounted?)");
  }

  const Engine& e_;
  std::string_view origin_;
  const char* cap_;
  std::string request_;
  const std::string& raw_;
  RequestPath path_;
  PathDecision root_;
  std::string parentPath_;
};

// ---------------------------------------------------------------- lifecycle

Result<std::shared_ptr<Engine>> Engine::Open(const uint8_t* blob, size_t size, EngineOptions options) {
  using R = Result<std::shared_ptr<Engine>>;
  auto parsed = ParseBlob(blob, size);
  if (!parsed.ok()) return R::Fail(parsed.status);
  std::shared_ptr<Engine> e(new Engine());
  e->options_ = options;
  bool fallback = options.forceNoOpenat2 || (parsed.value.flags & kBlobFlagForceNoOpenat2) != 0 ||
                  EnvFlag("CAPWIRE_FORCE_NO_OPENAT2") || !KernelHasOpenat2();
  e->mode_ = fallback ? ResolveMode::kFallback : ResolveMode::kOpenat2;
  std::vector<UniqueFd>& fds = e->rootFds_;
  auto opener = [&fds](int id, const std::string& path) {
    RootFacts facts;
    if (fds.size() <= static_cast<size_t>(id)) fds.resize(static_cast<size_t>(id) + 1);
    int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return facts;
    fds[id].Reset(fd);
    struct stat st {};
    facts.exists = fstat(fd, &st) == 0 && RealPathOfFd(fd, &facts.real);
    facts.isDirectory = facts.exists && S_ISDIR(st.st_mode);
    return facts;
  };
  auto policy = Policy::Build(std::move(parsed.value), opener);
  if (!policy.ok()) return R::Fail(policy.status);
  e->policy_ = std::move(policy.value);
  fds.resize(e->policy_->roots().size());
  return R::Of(std::move(e));
}

Engine::~Engine() = default;

std::vector<std::string> Engine::InertRoots() const {
  std::vector<std::string> out;
  for (const auto& r : policy_->roots()) {
    if (!r.facts.exists || (r.usedByGrant && !r.usedByDeny && !r.facts.isDirectory)) out.push_back(r.path);
  }
  return out;
}

// ---------------------------------------------------------------- decisions

Status Engine::Check(std::string_view origin, std::string_view capability, const std::string* scope) const {
  std::string cap(capability);
  std::string request = "check " + cap + (scope ? " " + *scope : "");
  ScopeKind kind = ScopeKindFor(capability);
  if (kind == ScopeKind::kNone) {
    if (scope != nullptr && !scope->empty()) {
      return Status::Error(Code::kInvalidArgument, request + ": capability " + cap + " takes no scope");
    }
    Verdict v = policy_->DecideNone(origin, capability);
    if (v == Verdict::kAllowed) return Status::Ok();
    if (v == Verdict::kDenied) return DenyHit(origin, capability, request, cap, "", ScopeKind::kNone);
    return NotCovered(origin, capability, request, cap, nullptr);
  }
  if (scope == nullptr) {
    return Status::Error(Code::kInvalidArgument, request + ": capability " + cap + " needs a " +
                                                     ScopeKindName(kind) + " scope");
  }
  if (kind == ScopeKind::kPath) {
    auto parsed = ParseRequestPath(*scope, request);
    if (!parsed.ok()) return parsed.status;
    const RequestPath& p = parsed.value;
    PathDecision d = policy_->DecidePath(origin, capability, p.components);
    if (d.verdict == Verdict::kAllowed) return Status::Ok();
    if (d.verdict == Verdict::kDenied) {
      return DenyHit(origin, capability, request, p.normalized, policy_->roots()[d.root].path, kind);
    }
    if (d.inertGrant) return InertGrant(origin, capability, request, p.normalized, p.normalized);
    return NotCovered(origin, capability, request, p.normalized, &p.normalized);
  }
  if (scope->empty() || scope->find('\0') != std::string::npos) {
    return Status::Error(Code::kInvalidArgument, request + ": scope is empty or contains a NUL byte");
  }
  Verdict v = policy_->DecideValue(origin, capability, *scope);
  if (v == Verdict::kAllowed) return Status::Ok();
  if (v == Verdict::kDenied) return DenyHit(origin, capability, request, *scope, *scope, kind);
  return NotCovered(origin, capability, request, std::string(ScopeKindName(kind)) + " " + JsonString(*scope), scope);
}

// ---------------------------------------------------------------- fs

Result<Bytes> Engine::ReadFile(std::string_view origin, const std::string& path, uint64_t offset,
                               std::optional<uint64_t> length) const {
  Checker c(*this, origin, kFsRead, "fs.readFile", path);
  if (offset > kMaxOffset || (length && *length > kMaxOffset)) {
    return Result<Bytes>::Fail(Status::Error(Code::kInvalidArgument, c.request() + ": offset/length out of range"));
  }
  auto obj = c.Open();
  if (!obj.ok()) return Result<Bytes>::Fail(obj.status);
  return ReadOpenedFile(obj.value, offset, length, policy_->limits().maxReadBytes, c.request());
}

Result<StatInfo> Engine::Stat(std::string_view origin, const std::string& path) const {
  Checker c(*this, origin, kFsRead, "fs.stat", path);
  auto obj = c.Open();
  if (!obj.ok()) return Result<StatInfo>::Fail(obj.status);
  return StatOpened(obj.value, c.request());
}

Result<std::vector<DirEntry>> Engine::ReadDir(std::string_view origin, const std::string& path) const {
  Checker c(*this, origin, kFsRead, "fs.readDir", path);
  auto obj = c.Open();
  if (!obj.ok()) return Result<std::vector<DirEntry>>::Fail(obj.status);
  const OpenedObject& dir = obj.value;
  return ListOpenedDir(
      dir, [&](const std::string& name, unsigned char type) { return c.Classify(dir, name, type); }, c.request());
}

Result<uint64_t> Engine::WriteFile(std::string_view origin, const std::string& path, const uint8_t* data, size_t size,
                                   bool append) const {
  Checker c(*this, origin, kFsWrite, "fs.writeFile", path);
  auto entry = c.Entry();
  if (!entry.ok()) return Result<uint64_t>::Fail(entry.status);
  WriteOptions opts;
  opts.append = append;
  opts.maxBytes = policy_->limits().maxWriteBytes;
  opts.failAfterBytes = options_.testFailWriteAfterBytes;
  return WriteEntryAtomic(entry.value, data, size, opts, c.request());
}

Status Engine::Mkdir(std::string_view origin, const std::string& path) const {
  Checker c(*this, origin, kFsWrite, "fs.mkdir", path);
  auto entry = c.Entry();
  if (!entry.ok()) return entry.status;
  return MkdirEntry(entry.value, c.request());
}

Status Engine::Remove(std::string_view origin, const std::string& path) const {
  Checker c(*this, origin, kFsWrite, "fs.remove", path);
  auto entry = c.Entry();
  if (!entry.ok()) return entry.status;
  return RemoveEntry(entry.value, c.request());
}

// ---------------------------------------------------------------- env, os

Result<EnvValue> Engine::EnvGet(std::string_view origin, const std::string& name) const {
  using R = Result<EnvValue>;
  std::string request = "env.get " + name;
  if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
    return R::Fail(Status::Error(Code::kInvalidArgument, request + ": name is empty or contains '=' or a NUL byte"));
  }
  Status s = Check(origin, "env.read", &name);
  if (!s.ok()) {
    if (s.audit) s.audit->request = request;
    return R::Fail(s);
  }
  EnvValue v;
  if (const char* val = getenv(name.c_str())) {
    v.present = true;
    v.value = val;
  }
  return R::Of(std::move(v));
}

Result<OsInfo> Engine::GetOsInfo(std::string_view origin) const {
  using R = Result<OsInfo>;
  Status s = Check(origin, "os.info", nullptr);
  if (!s.ok()) {
    if (s.audit) s.audit->request = "os.info";
    return R::Fail(s);
  }
  struct utsname u {};
  if (uname(&u) != 0) return R::Fail(ErrnoStatus("os.info", errno));
  OsInfo info;
  info.platform = "linux";
  info.arch = NodeArch();
  info.release = u.release;
  info.hostname = u.nodename;
  return R::Of(std::move(info));
}

// ---------------------------------------------------------------- process, net

// Validates a spawn and checks it against the policy; the request it returns
// is the only way to reach RunProgram / RunningProgram::Start.
Result<SpawnRequest> Engine::PrepareSpawn(std::string_view origin, const SpawnParams& p,
                                          const std::string& request) const {
  using R = Result<SpawnRequest>;
  auto invalid = [&](const std::string& why) { return R::Fail(Status::Error(Code::kInvalidArgument, request + ": " + why)); };
  if (p.program.empty() || p.program.find('\0') != std::string::npos) return invalid("program is empty or contains a NUL byte");
  if (p.args.size() > 4096) return invalid("more than 4096 arguments");
  size_t argBytes = 0;
  for (const auto& a : p.args) {
    if (a.find('\0') != std::string::npos) return invalid("an argument contains a NUL byte");
    argBytes += a.size();
  }
  if (argBytes > (1u << 20)) return invalid("arguments exceed 1 MiB");
  if (p.timeoutMs && (*p.timeoutMs == 0 || *p.timeoutMs > 86400000)) return invalid("timeoutMs must be 1..86400000");
  Status s = Check(origin, "process.spawn", &p.program);
  if (!s.ok()) {
    if (s.audit) s.audit->request = request;
    return R::Fail(s);
  }
  if (p.stdinData.size() > policy_->limits().maxWriteBytes) {
    return R::Fail(Status::Error(Code::kPayloadTooLarge, request + ": stdin exceeds maxWriteBytes"));
  }
  SpawnRequest req;
  req.program = p.program;
  req.args = p.args;
  req.stdinData = p.stdinData;
  req.timeoutMs = p.timeoutMs.value_or(policy_->limits().defaultSpawnTimeoutMs);
  return R::Of(std::move(req));
}

Result<SpawnResult> Engine::Spawn(std::string_view origin, const SpawnParams& p, const CancelToken* cancel) const {
  std::string request = "process.spawn " + p.program;
  auto req = PrepareSpawn(origin, p, request);
  if (!req.ok()) return Result<SpawnResult>::Fail(req.status);
  return RunProgram(req.value, policy_->limits().maxSpawnOutputBytes, request, cancel);
}

Result<std::unique_ptr<RunningProgram>> Engine::StartProgram(std::string_view origin, const SpawnParams& p,
                                                             std::string_view method) const {
  std::string request = std::string(method) + " " + p.program;
  auto req = PrepareSpawn(origin, p, request);
  if (!req.ok()) return Result<std::unique_ptr<RunningProgram>>::Fail(req.status);
  return RunningProgram::Start(req.value, request);
}

Status Engine::NetConnect(std::string_view origin, const std::string& host, int64_t port) const {
  std::string request = "net.connect " + host + " " + std::to_string(port);
  if (host.empty() || host.find('\0') != std::string::npos || host.find('/') != std::string::npos) {
    return Status::Error(Code::kInvalidArgument, request + ": host is empty or malformed");
  }
  if (port < 1 || port > 65535) return Status::Error(Code::kInvalidArgument, request + ": port must be 1..65535");
  std::string scope = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  Status s = Check(origin, "net.connect", &scope);
  if (!s.ok()) {
    if (s.audit) s.audit->request = request;
    return s;
  }
  return Status::Error(Code::kUnknownMethod, "net.connect streams are not implemented yet");
}

}  // namespace capwire
