// Cancellation and streamed programs in the core and through the C API: a
// cancelled spawn or a closed process kills the whole process group, a reader
// that stops reading stops the program, every pipe is closed afterwards.
#include <dirent.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "capwire.h"
#include "helpers.h"
#include "runner.h"

using namespace capwire;
using namespace capwire_test;

namespace {

constexpr const char* kMain = "app://main";

std::vector<BlobRule> Rules() {
  return {{false, kMain, "process.spawn", "/bin/sh"}, {false, kMain, "process.spawn", "/bin/echo"}};
}

std::string CodeOf(const Status& s) { return CodeName(s.code); }

int64_t MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

// Alive: a /proc entry that is not a zombie.
bool Alive(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(f, stat)) return false;
  size_t close = stat.rfind(')');
  return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
}

bool GoneWithin(int pid, int ms) {
  for (int waited = 0; waited < ms; waited += 10) {
    if (!Alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !Alive(pid);
}

int OpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

// The pid a script wrote to a file (waits for the newline).
int PidFrom(const TempDir& dir, const std::string& rel) {
  for (int i = 0; i < 500; ++i) {
    std::string s = dir.Read(rel);
    if (!s.empty() && s.back() == '\n') return std::stoi(s);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw Failure("no pid in " + rel);
}

}  // namespace

TEST_CASE("process.spawn: a CancelToken fired from another thread kills the group: CANCELLED") {
  TempDir dir;
  auto e = OpenOrDie(Rules(), false);
  SpawnParams p;
  p.program = "/bin/sh";
  p.args = {"-c", "sleep 30 & echo $! > " + (dir / "pid") + "; wait"};
  p.timeoutMs = 60000;
  CancelToken cancel;
  std::thread canceller([&] {
    PidFrom(dir, "pid");
    cancel.Cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = e->Spawn(kMain, p, &cancel);
  canceller.join();
  EXPECT_EQ(CodeOf(r.status), std::string("CANCELLED"));
  EXPECT_MSG(MsSince(t0) < 3000, std::to_string(MsSince(t0)) + " ms");
  EXPECT_TRUE(GoneWithin(PidFrom(dir, "pid"), 2000));
}

TEST_CASE("RunningProgram: pieces of output, then the exit; a bounded wait returns empty") {
  auto e = OpenOrDie(Rules(), false);
  SpawnParams p;
  p.program = "/bin/sh";
  p.args = {"-c", "echo a; sleep 0.2; echo b >&2; exit 5"};
  auto started = e->StartProgram(kMain, p);
  EXPECT_MSG(started.ok(), started.status.message);
  std::string out, err;
  int empty = 0;
  for (;;) {
    auto piece = started.value->Read(1 << 16, nullptr, 20);
    EXPECT_MSG(piece.ok(), piece.status.message);
    out += AsString(piece.value.stdoutData);
    err += AsString(piece.value.stderrData);
    if (piece.value.stdoutData.empty() && piece.value.stderrData.empty() && !piece.value.exited) ++empty;
    if (piece.value.exited) {
      EXPECT_EQ(piece.value.exitCode, 5);
      break;
    }
  }
  EXPECT_EQ(out, std::string("a\n"));
  EXPECT_EQ(err, std::string("b\n"));
  EXPECT_MSG(empty > 0, "the 200 ms pause showed up as empty reads");
  p.program = "/usr/bin/id";
  EXPECT_EQ(CodeOf(e->StartProgram(kMain, p).status), std::string("PERMISSION_DENIED"));
}

TEST_CASE("RunningProgram: destroying it kills a program blocked on a full pipe; no fd left open") {
  auto e = OpenOrDie(Rules(), false);
  int before = OpenFds();
  SpawnParams p;
  p.program = "/bin/sh";
  p.args = {"-c", "exec head -c 100000000 /dev/zero"};
  p.timeoutMs = 60000;
  int pid = -1;
  {
    auto started = e->StartProgram(kMain, p);
    EXPECT_MSG(started.ok(), started.status.message);
    pid = started.value->pid();
    auto piece = started.value->Read(4096, nullptr, 1000);
    EXPECT_EQ(piece.value.stdoutData.size(), size_t{4096});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_MSG(Alive(pid), "blocked, waiting for its reader");
  }
  EXPECT_TRUE(GoneWithin(pid, 2000));
  EXPECT_EQ(OpenFds(), before);
}

TEST_CASE("C API: process start/read/close, cancellable spawn, cancel tokens") {
  auto blob = MakeBlob(Rules());
  capwire_status st;
  capwire_engine* engine = capwire_engine_open(blob.data(), blob.size(), &st);
  capwire_status_clear(&st);
  EXPECT_TRUE(engine != nullptr);
  int before = OpenFds();

  const char* echoArgs[] = {"streamed"};
  capwire_process* proc = nullptr;
  EXPECT_EQ(capwire_process_start(engine, kMain, "/bin/echo", echoArgs, 1, nullptr, 0, 0, &proc, &st), CAPWIRE_OK);
  capwire_status_clear(&st);
  std::string out;
  for (;;) {
    capwire_process_output piece;
    EXPECT_EQ(capwire_process_read(proc, 1 << 16, 100, nullptr, &piece, &st), CAPWIRE_OK);
    out.append(reinterpret_cast<const char*>(piece.out.data), piece.out.len);
    bool exited = piece.exited == 1;
    if (exited) EXPECT_EQ(piece.exit_code, 0);
    capwire_process_output_free(&piece);
    capwire_status_clear(&st);
    if (exited) break;
  }
  EXPECT_EQ(out, std::string("streamed\n"));
  capwire_process_close(proc);

  const char* sleepArgs[] = {"-c", "sleep 30"};
  EXPECT_EQ(capwire_process_start(engine, kMain, "/bin/sh", sleepArgs, 2, nullptr, 0, 60000, &proc, &st), CAPWIRE_OK);
  capwire_status_clear(&st);
  int pid = capwire_process_pid(proc);
  capwire_cancel* cancel = capwire_cancel_new();
  capwire_cancel_request(cancel);
  capwire_process_output piece;
  EXPECT_EQ(capwire_process_read(proc, 1024, -1, cancel, &piece, &st), CAPWIRE_CANCELLED);
  capwire_status_clear(&st);
  EXPECT_TRUE(GoneWithin(pid, 2000));
  capwire_process_close(proc);

  EXPECT_EQ(capwire_process_start(engine, kMain, "/bin/sh", sleepArgs, 2, nullptr, 0, 60000, &proc, &st), CAPWIRE_OK);
  capwire_status_clear(&st);
  pid = capwire_process_pid(proc);
  capwire_process_close(proc);  // closing without reading kills it too
  EXPECT_TRUE(GoneWithin(pid, 2000));

  capwire_spawn_result result;
  EXPECT_EQ(capwire_process_spawn_cancellable(engine, kMain, "/bin/sh", sleepArgs, 2, nullptr, 0, 60000, cancel,
                                              &result, &st),
            CAPWIRE_CANCELLED);
  capwire_status_clear(&st);
  capwire_spawn_result_free(&result);
  EXPECT_EQ(capwire_process_start(engine, "https://evil.example", "/bin/sh", sleepArgs, 2, nullptr, 0, 0, &proc, &st),
            CAPWIRE_PERMISSION_DENIED);
  EXPECT_TRUE(proc == nullptr);
  capwire_status_clear(&st);
  capwire_cancel_free(cancel);
  EXPECT_EQ(OpenFds(), before);
  capwire_engine_close(engine);
}
