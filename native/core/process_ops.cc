#include "process_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "fd.h"

namespace capwire {

namespace {

int64_t NowMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig);
}

// Writes to a pipe whose reader may have gone away, without dying of SIGPIPE:
// SIGPIPE is blocked in this thread and a pending one is consumed.
ssize_t WriteNoSigpipe(int fd, const uint8_t* data, size_t size) {
  sigset_t pipeSet, old;
  sigemptyset(&pipeSet);
  sigaddset(&pipeSet, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  bool wasPending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipeSet, &old);
  ssize_t n = write(fd, data, size);
  int err = errno;
  if (n < 0 && err == EPIPE && !wasPending) {
    struct timespec zero {};
    sigtimedwait(&pipeSet, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return n;
}

struct Pipes {
  UniqueFd inR, inW, outR, outW, errR, errW;
};

bool MakePipe(UniqueFd* r, UniqueFd* w) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  r->Reset(fds[0]);
  w->Reset(fds[1]);
  return true;
}

}  // namespace

Result<std::unique_ptr<RunningProgram>> RunningProgram::Start(const SpawnRequest& req, const std::string& ctx) {
  using R = Result<std::unique_ptr<RunningProgram>>;
  Pipes p;
  if (!MakePipe(&p.inR, &p.inW) || !MakePipe(&p.outR, &p.outW) || !MakePipe(&p.errR, &p.errW)) {
    return R::Fail(ErrnoStatus(ctx + ": creating pipes", errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  // dup2 clears O_CLOEXEC on the child's 0/1/2 only; every other fd stays close-on-exec.
  posix_spawn_file_actions_adddup2(&fa, p.inR.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, p.outW.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, p.errW.get(), 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // belt and braces: no inherited fds
#endif
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(req.program.c_str()));
  for (const auto& a : req.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  static const char* kEnv[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", nullptr};

  pid_t pid = -1;
  int rc = posix_spawn(&pid, req.program.c_str(), &fa, &attr, argv.data(), const_cast<char* const*>(kEnv));
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return R::Fail(ErrnoStatus(ctx + ": starting the program", rc));

  std::unique_ptr<RunningProgram> prog(new RunningProgram());
  prog->pid_ = pid;
  prog->stdin_ = std::move(p.inW);
  prog->stdout_ = std::move(p.outR);
  prog->stderr_ = std::move(p.errR);
  for (UniqueFd* fd : {&prog->stdin_, &prog->stdout_, &prog->stderr_}) {
    fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  }
  prog->stdinData_ = req.stdinData;
  if (prog->stdinData_.empty()) prog->stdin_.Reset();
  prog->timeoutMs_ = req.timeoutMs;
  prog->deadlineMs_ = NowMs() + static_cast<int64_t>(req.timeoutMs);
  prog->ctx_ = ctx;
  return R::Of(std::move(prog));
}

RunningProgram::~RunningProgram() { KillAndReap(); }

void RunningProgram::KillAndReap() {
  if (pid_ <= 0 || reaped_) return;
  kill(-pid_, SIGKILL);  // the whole group: the program and anything it started
  while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

Result<ProgramOutput> RunningProgram::Read(size_t maxBytes, const CancelToken* cancel, int64_t maxWaitMs) {
  using R = Result<ProgramOutput>;
  std::lock_guard<std::mutex> lock(mu_);
  auto fail = [&](Status s) {
    KillAndReap();
    stdin_.Reset();
    stdout_.Reset();
    stderr_.Reset();
    failure_ = s;
    return R::Fail(std::move(s));
  };
  if (!failure_.ok()) return R::Fail(failure_);
  ProgramOutput out;
  size_t budget = std::max<size_t>(maxBytes, 1);
  const int64_t waitUntil = maxWaitMs >= INT64_MAX / 2 ? INT64_MAX : NowMs() + std::max<int64_t>(maxWaitMs, 0);

  // Reads what the pipe holds, up to the budget. False when the budget is spent.
  auto drain = [&](UniqueFd* fd, std::vector<uint8_t>* sink) -> bool {
    uint8_t buf[65536];
    while (budget > 0) {
      ssize_t r = read(fd->get(), buf, std::min(sizeof(buf), budget));
      if (r > 0) {
        sink->insert(sink->end(), buf, buf + r);
        budget -= static_cast<size_t>(r);
        continue;
      }
      if (r == 0) fd->Reset();
      else if (errno == EINTR) continue;
      else if (errno != EAGAIN) fd->Reset();
      else if (reaped_) fd->Reset();  // nothing buffered and the child has exited
      return true;
    }
    return false;
  };

  for (;;) {
    if (!reaped_ && waitpid(pid_, &status_, WNOHANG) == pid_) {
      reaped_ = true;
      // The child is gone: drain what is buffered, but do not wait for
      // grandchildren that may still hold the pipes open.
      stdin_.Reset();
    }
    if (cancel && cancel->cancelled()) {
      return fail(Status::Error(Code::kCancelled, ctx_ + ": cancelled (the process group was killed)"));
    }
    int64_t left = deadlineMs_ - NowMs();
    if (left <= 0) {
      return fail(Status::Error(Code::kTimeout, ctx_ + ": timed out after " + std::to_string(timeoutMs_) +
                                                    " ms (the process group was killed; raise timeoutMs)"));
    }
    struct pollfd fds[3];
    int n = 0;
    int idxIn = -1, idxOut = -1, idxErr = -1;
    if (stdin_.valid()) fds[idxIn = n++] = {stdin_.get(), POLLOUT, 0};
    if (stdout_.valid()) fds[idxOut = n++] = {stdout_.get(), POLLIN, 0};
    if (stderr_.valid()) fds[idxErr = n++] = {stderr_.get(), POLLIN, 0};
    int wait = reaped_ ? 0 : static_cast<int>(std::min<int64_t>(left, 20));
    int pr = n == 0 ? (reaped_ ? 0 : poll(nullptr, 0, wait)) : poll(fds, static_cast<nfds_t>(n), wait);
    if (pr < 0 && errno != EINTR) return fail(ErrnoStatus(ctx_ + ": waiting for output", errno));
    if (idxIn >= 0 && (fds[idxIn].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = WriteNoSigpipe(stdin_.get(), stdinData_.data() + stdinDone_, stdinData_.size() - stdinDone_);
      if (w > 0) stdinDone_ += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN) || stdinDone_ == stdinData_.size()) stdin_.Reset();
    }
    bool spent = false;
    if (idxOut >= 0 && stdout_.valid() && (reaped_ || fds[idxOut].revents)) spent = !drain(&stdout_, &out.stdoutData);
    if (!spent && idxErr >= 0 && stderr_.valid() && (reaped_ || fds[idxErr].revents)) {
      spent = !drain(&stderr_, &out.stderrData);
    }
    if (reaped_ && !stdout_.valid() && !stderr_.valid()) {
      out.exited = true;
      if (WIFEXITED(status_)) {
        out.exitCode = WEXITSTATUS(status_);
      } else if (WIFSIGNALED(status_)) {
        out.exitCode = -1;
        out.signal = SignalName(WTERMSIG(status_));
      }
      return R::Of(std::move(out));
    }
    if (spent || !out.stdoutData.empty() || !out.stderrData.empty()) return R::Of(std::move(out));
    if (NowMs() >= waitUntil) return R::Of(std::move(out));  // nothing yet: the caller asks again
  }
}

Status CollectOutput(SpawnResult* res, ProgramOutput&& out, uint64_t maxOutputBytes, const std::string& ctx) {
  res->stdoutData.insert(res->stdoutData.end(), out.stdoutData.begin(), out.stdoutData.end());
  res->stderrData.insert(res->stderrData.end(), out.stderrData.begin(), out.stderrData.end());
  for (auto [name, size] : {std::pair{"stdout", res->stdoutData.size()}, std::pair{"stderr", res->stderrData.size()}}) {
    if (size > maxOutputBytes) {
      return Status::Error(Code::kPayloadTooLarge, ctx + ": " + name + " exceeded " + std::to_string(maxOutputBytes) +
                                                       " bytes (the process group was killed; raise maxSpawnOutputBytes)");
    }
  }
  if (out.exited) {
    res->exitCode = out.exitCode;
    res->signal = std::move(out.signal);
  }
  return Status::Ok();
}

Result<SpawnResult> RunProgram(const SpawnRequest& req, uint64_t maxOutputBytes, const std::string& ctx,
                               const CancelToken* cancel) {
  using R = Result<SpawnResult>;
  auto started = RunningProgram::Start(req, ctx);
  if (!started.ok()) return R::Fail(started.status);
  RunningProgram& program = *started.value;  // destroying it kills and reaps on every early return
  SpawnResult res;
  for (;;) {
    auto piece = program.Read(256 * 1024, cancel);
    if (!piece.ok()) return R::Fail(piece.status);
    bool exited = piece.value.exited;
    Status s = CollectOutput(&res, std::move(piece.value), maxOutputBytes, ctx);
    if (!s.ok()) return R::Fail(s);
    if (exited) return R::Of(std::move(res));
  }
}

}  // namespace capwire
