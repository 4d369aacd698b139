// capwire core: running a granted program. No shell, no PATH lookup, argv
// verbatim, a fixed minimal environment, its own process group.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fd.h"
#include "status.h"

namespace capwire {

// Stops a running operation from another thread (a closed session, a
// cancelled call). Operations look at it at least every 20 ms.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct SpawnRequest {
  std::string program;            // exact granted absolute path
  std::vector<std::string> args;  // argv[1..]; argv[0] is the program
  std::vector<uint8_t> stdinData;
  uint64_t timeoutMs = 0;
};

struct SpawnResult {
  int exitCode = -1;   // -1 when killed by a signal
  std::string signal;  // "SIGKILL", ... or empty
  std::vector<uint8_t> stdoutData;
  std::vector<uint8_t> stderrData;
};

// What one Read of a running program produced.
struct ProgramOutput {
  std::vector<uint8_t> stdoutData;
  std::vector<uint8_t> stderrData;
  bool exited = false;  // the program ended and all of its output was read
  int exitCode = -1;    // when exited: -1 if killed by a signal
  std::string signal;   // when exited by a signal: "SIGKILL", ...
};

// A started program, read piece by piece (server streams of process output).
// Nothing is buffered beyond what Read returns: a reader that stops reading
// stops the program at a full pipe. Destroying it kills the process group and
// reaps the child, so no child outlives its owner.
class RunningProgram {
 public:
  // Only the engine calls this, after the program passed the policy check.
  static Result<std::unique_ptr<RunningProgram>> Start(const SpawnRequest& req, const std::string& ctx);
  ~RunningProgram();
  RunningProgram(const RunningProgram&) = delete;
  RunningProgram& operator=(const RunningProgram&) = delete;

  // Waits until there is output (at most maxBytes of stdout plus stderr), the
  // program has exited, or maxWaitMs passed (then the output may be empty; a
  // short wait keeps a quiet program from holding a worker thread).
  // Deadline passed -> TIMEOUT, cancel -> CANCELLED; both kill the process
  // group first. Safe to call from any one thread at a time.
  Result<ProgramOutput> Read(size_t maxBytes, const CancelToken* cancel, int64_t maxWaitMs = INT64_MAX);

  pid_t pid() const { return pid_; }
  // What this program is called in messages ("process.spawn /bin/echo").
  const std::string& context() const { return ctx_; }

 private:
  RunningProgram() = default;
  void KillAndReap();

  std::mutex mu_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  UniqueFd stdin_, stdout_, stderr_;
  std::vector<uint8_t> stdinData_;
  size_t stdinDone_ = 0;
  int64_t deadlineMs_ = 0;
  uint64_t timeoutMs_ = 0;
  std::string ctx_;
  Status failure_;  // sticky: once failed, every later Read says so
};

// Adds one piece to a collected result: PAYLOAD_TOO_LARGE once stdout or
// stderr exceeds maxOutputBytes; the exit status when the piece is the last.
Status CollectOutput(SpawnResult* result, ProgramOutput&& piece, uint64_t maxOutputBytes, const std::string& ctx);

// Runs a program to its end, collecting its output. Timeout -> TIMEOUT,
// cancel -> CANCELLED, stdout or stderr beyond maxOutputBytes ->
// PAYLOAD_TOO_LARGE; each kills the whole process group with SIGKILL.
// Only the engine calls this, after the program passed the policy check.
Result<SpawnResult> RunProgram(const SpawnRequest& req, uint64_t maxOutputBytes, const std::string& ctx,
                               const CancelToken* cancel = nullptr);

}  // namespace capwire
