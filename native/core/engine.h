// capwire core: the engine a host owns. It holds one sealed policy and the
// root fds opened at load, and is the only code that touches the OS on a
// page's behalf. Immutable after Open; safe to use from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs_ops.h"
#include "policy.h"
#include "process_ops.h"
#include "resolver.h"
#include "status.h"

namespace capwire {

struct EngineOptions {
  bool forceNoOpenat2 = false;                  // also: blob flag, or CAPWIRE_FORCE_NO_OPENAT2=1
  uint64_t testFailWriteAfterBytes = UINT64_MAX;  // test hook for atomic-write tests
};

struct EnvValue {
  bool present = false;
  std::string value;
};

struct OsInfo {
  std::string platform, arch, release, hostname;
};

struct SpawnParams {
  std::string program;
  std::vector<std::string> args;
  std::vector<uint8_t> stdinData;
  std::optional<uint64_t> timeoutMs;
};

class Engine {
 public:
  // Parses the blob, indexes the rules, opens every path root once.
  static Result<std::shared_ptr<Engine>> Open(const uint8_t* blob, size_t size, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  ResolveMode mode() const { return mode_; }
  const Policy& policy() const { return *policy_; }
  // Path scopes that could not be opened at load (those rules are inert).
  std::vector<std::string> InertRoots() const;

  // Pure decision: no OS access beyond the already-open roots.
  Status Check(std::string_view origin, std::string_view capability, const std::string* scope) const;

  Result<Bytes> ReadFile(std::string_view origin, const std::string& path, uint64_t offset,
                         std::optional<uint64_t> length) const;
  Result<StatInfo> Stat(std::string_view origin, const std::string& path) const;
  Result<std::vector<DirEntry>> ReadDir(std::string_view origin, const std::string& path) const;
  Result<uint64_t> WriteFile(std::string_view origin, const std::string& path, const uint8_t* data, size_t size,
                             bool append) const;
  Status Mkdir(std::string_view origin, const std::string& path) const;
  Status Remove(std::string_view origin, const std::string& path) const;
  Result<EnvValue> EnvGet(std::string_view origin, const std::string& name) const;
  Result<OsInfo> GetOsInfo(std::string_view origin) const;
  // Runs the program to its end; cancel (may be null) kills it early.
  Result<SpawnResult> Spawn(std::string_view origin, const SpawnParams& params,
                            const CancelToken* cancel = nullptr) const;
  // Starts the program for reading piece by piece (a stream of its output);
  // `method` names the request in messages and audit records.
  Result<std::unique_ptr<RunningProgram>> StartProgram(std::string_view origin, const SpawnParams& params,
                                                       std::string_view method = "process.spawnStream") const;
  Status NetConnect(std::string_view origin, const std::string& host, int64_t port) const;

 private:
  friend class Checker;
  Engine() = default;
  Result<SpawnRequest> PrepareSpawn(std::string_view origin, const SpawnParams& params,
                                    const std::string& request) const;
  std::shared_ptr<const Policy> policy_;
  std::vector<UniqueFd> rootFds_;  // index = Policy root id
  ResolveMode mode_ = ResolveMode::kOpenat2;
  EngineOptions options_;
};

}  // namespace capwire
