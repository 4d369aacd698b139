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

Result<SpawnResult> RunProgram(const SpawnRequest& req, uint64_t maxOutputBytes, const std::string& ctx) {
  using R = Result<SpawnResult>;
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
  p.inR.Reset();
  p.outW.Reset();
  p.errW.Reset();

  for (UniqueFd* fd : {&p.inW, &p.outR, &p.errR}) fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  if (req.stdinData.empty()) p.inW.Reset();

  SpawnResult res;
  size_t inDone = 0;
  int64_t deadline = NowMs() + static_cast<int64_t>(req.timeoutMs);
  Status failure;
  int status = 0;
  bool reaped = false;
  auto killGroup = [&]() { kill(-pid, SIGKILL); };

  while (p.outR.valid() || p.errR.valid() || !reaped) {
    if (!reaped) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        reaped = true;
        // The child is gone: drain what is buffered, but do not wait for
        // grandchildren that may still hold the pipes open.
        p.inW.Reset();
      }
    }
    struct pollfd fds[3];
    int n = 0;
    int idxIn = -1, idxOut = -1, idxErr = -1;
    if (p.inW.valid()) fds[idxIn = n++] = {p.inW.get(), POLLOUT, 0};
    if (p.outR.valid()) fds[idxOut = n++] = {p.outR.get(), POLLIN, 0};
    if (p.errR.valid()) fds[idxErr = n++] = {p.errR.get(), POLLIN, 0};
    int64_t left = deadline - NowMs();
    if (left <= 0) {
      killGroup();
      failure = Status::Error(Code::kTimeout, ctx + ": timed out after " + std::to_string(req.timeoutMs) +
                                                  " ms (the process group was killed; raise timeoutMs)");
      break;
    }
    int wait = reaped ? 0 : static_cast<int>(std::min<int64_t>(left, 20));
    int pr = n == 0 ? (reaped ? 0 : poll(nullptr, 0, wait)) : poll(fds, static_cast<nfds_t>(n), wait);
    if (pr < 0 && errno != EINTR) {
      killGroup();
      failure = ErrnoStatus(ctx + ": waiting for output", errno);
      break;
    }
    bool progressed = false;
    if (idxIn >= 0 && (fds[idxIn].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = WriteNoSigpipe(p.inW.get(), req.stdinData.data() + inDone, req.stdinData.size() - inDone);
      if (w > 0) inDone += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN) || inDone == req.stdinData.size()) p.inW.Reset();
      progressed = true;
    }
    auto drain = [&](UniqueFd* fd, std::vector<uint8_t>* sink, const char* name) -> bool {
      uint8_t buf[65536];
      for (;;) {
        ssize_t r = read(fd->get(), buf, sizeof(buf));
        if (r > 0) {
          if (sink->size() + static_cast<size_t>(r) > maxOutputBytes) {
            failure = Status::Error(Code::kPayloadTooLarge, ctx + ": " + name + " exceeded " +
                                                                std::to_string(maxOutputBytes) +
                                                                " bytes (the process group was killed; raise "
                                                                "maxSpawnOutputBytes)");
            return false;
          }
          sink->insert(sink->end(), buf, buf + r);
          continue;
        }
        if (r == 0) fd->Reset();
        else if (errno == EINTR) continue;
        else if (errno != EAGAIN) fd->Reset();
        else if (reaped) fd->Reset();  // nothing buffered and the child has exited
        return true;
      }
    };
    if (idxOut >= 0 && (reaped || fds[idxOut].revents)) {
      if (!drain(&p.outR, &res.stdoutData, "stdout")) break;
      progressed = true;
    }
    if (idxErr >= 0 && (reaped || fds[idxErr].revents)) {
      if (!drain(&p.errR, &res.stderrData, "stderr")) break;
      progressed = true;
    }
    (void)progressed;
  }
  if (!failure.ok()) {
    killGroup();
    if (!reaped) waitpid(pid, &status, 0);
    return R::Fail(failure);
  }
  if (WIFEXITED(status)) {
    res.exitCode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.exitCode = -1;
    res.signal = SignalName(WTERMSIG(status));
  }
  return R::Of(std::move(res));
}

}  // namespace capwire
