// Engine operations on a real temporary workspace, under both resolvers.
#include <dirent.h>

#include <chrono>

#include "helpers.h"
#include "runner.h"

using namespace capwire;
using namespace capwire_test;

namespace {

constexpr const char* kMain = "app://main";

struct Workspace {
  TempDir dir;
  Workspace() {
    dir.Mkdir("outside");
    dir.Write("outside/secret.txt", "OUTSIDE");
    dir.Mkdir("data");
    dir.Mkdir("data/sub");
    dir.Mkdir("data/private");
    dir.Mkdir("data/out");
    dir.Mkdir("data-evil");
    dir.Write("data-evil/x", "evil");
    dir.Write("data/a.txt", "hello world");
    dir.Write("data/sub/b.txt", "bee");
    dir.Write("data/private/p.txt", "private");
    dir.Write("data/out/old.txt", "old content");
    dir.Symlink("../outside/secret.txt", "data/escape-rel");
    dir.Symlink(dir / "outside/secret.txt", "data/escape-abs");
    dir.Symlink("private/p.txt", "data/to-private");
    dir.Symlink("sub/b.txt", "data/inside-link");
    dir.Symlink("sub/../a.txt", "data/dotdot-inside");
    dir.Symlink("..", "data/up");
    dir.Symlink("loop2", "data/loop1");
    dir.Symlink("loop1", "data/loop2");
    dir.Symlink("/proc/self/root", "data/proc-root");
    dir.Symlink("../a.txt", "data/out/link-to-a");
  }
  std::vector<BlobRule> Rules() const {
    return {{false, kMain, "fs.read", dir / "data"},
            {true, "*", "fs.read", dir / "data/private"},
            {false, kMain, "fs.write", dir / "data/out"},
            {false, kMain, "process.spawn", "/bin/sh"},
            {false, kMain, "process.spawn", "/bin/echo"},
            {false, kMain, "process.spawn", "/usr/bin/env"},
            {false, kMain, "process.spawn", "/bin/ls"},
            {false, kMain, "process.spawn", "/bin/sleep"},
            {false, kMain, "env.read", "CAPWIRE_TEST_VAR"},
            {false, kMain, "os.info", ""},
            {false, kMain, "net.connect", "127.0.0.1:8080"}};
  }
};

std::string C(const Status& s) { return CodeName(s.code); }

void BothModes(const std::function<void(bool)>& fn) {
  fn(false);
  fn(true);
}

}  // namespace

TEST_CASE("fs.readFile: inside, ranges, symlinks beneath the root") {
  BothModes([](bool fb) {
    Workspace w;
    auto e = OpenOrDie(w.Rules(), fb);
    EXPECT_EQ(e->mode() == ResolveMode::kFallback, fb);
    auto r = e->ReadFile(kMain, w.dir / "data/a.txt", 0, std::nullopt);
    EXPECT_MSG(r.ok(), r.status.message);
    EXPECT_EQ(AsString(r.value), std::string("hello world"));
    EXPECT_EQ(AsString(e->ReadFile(kMain, w.dir / "data/a.txt", 6, 3).value), std::string("wor"));
    EXPECT_EQ(AsString(e->ReadFile(kMain, w.dir / "data/a.txt", 100, std::nullopt).value), std::string(""));
    EXPECT_EQ(AsString(e->ReadFile(kMain, w.dir / "data/inside-link", 0, std::nullopt).value), std::string("bee"));
    EXPECT_EQ(AsString(e->ReadFile(kMain, w.dir / "data/dotdot-inside", 0, std::nullopt).value),
              std::string("hello world"));
    EXPECT_EQ(C(e->ReadFile(kMain, w.dir / "data/nope", 0, std::nullopt).status), std::string("NOT_FOUND"));
    EXPECT_EQ(C(e->ReadFile(kMain, w.dir / "data/sub", 0, std::nullopt).status), std::string("INVALID_ARGUMENT"));
  });
}

TEST_CASE("fs: escapes through symlinks, '..', magic links and deny subtrees are PERMISSION_DENIED") {
  BothModes([](bool fb) {
    Workspace w;
    auto e = OpenOrDie(w.Rules(), fb);
    auto code = [&](const std::string& rel) { return C(e->ReadFile(kMain, w.dir / rel, 0, std::nullopt).status); };
    EXPECT_EQ(code("data/escape-rel"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/escape-abs"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/up/outside/secret.txt"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/to-private"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/private/p.txt"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/sub/../private/p.txt"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/proc-root/etc/hostname"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/loop1"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data/./../outside/secret.txt"), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(code("data-evil/x"), std::string("PERMISSION_DENIED"));
    // Outside every grant: same answer whether or not it exists.
    auto a = e->ReadFile(kMain, w.dir / "outside/secret.txt", 0, std::nullopt).status;
    auto b = e->ReadFile(kMain, w.dir / "outside/nothing-here", 0, std::nullopt).status;
    EXPECT_EQ(C(a), C(b));
    EXPECT_TRUE(a.audit.has_value() && b.audit.has_value());
    auto st = e->Stat(kMain, w.dir / "data/escape-rel");
    EXPECT_EQ(C(st.status), std::string("PERMISSION_DENIED"));
    EXPECT_TRUE(st.status.message.find("outside the granted directory") != std::string::npos);
  });
}

TEST_CASE("fs.readDir: sorted entries; escaping or denied symlinks report neither kind") {
  BothModes([](bool fb) {
    Workspace w;
    auto e = OpenOrDie(w.Rules(), fb);
    auto r = e->ReadDir(kMain, w.dir / "data");
    EXPECT_MSG(r.ok(), r.status.message);
    std::string listing;
    for (const auto& d : r.value) listing += d.name + ":" + (d.isFile ? "f" : "") + (d.isDirectory ? "d" : "") + " ";
    EXPECT_EQ(listing, std::string("a.txt:f dotdot-inside:f escape-abs: escape-rel: inside-link:f loop1: loop2: out:d "
                                   "private: proc-root: sub:d to-private: up: "));
    EXPECT_EQ(C(e->ReadDir(kMain, w.dir / "data/private").status), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(C(e->ReadDir(kMain, w.dir / "data/up").status), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(C(e->ReadDir(kMain, w.dir / "data/a.txt").status), std::string("INVALID_ARGUMENT"));
  });
}

TEST_CASE("fs.stat follows symlinks beneath the root") {
  BothModes([](bool fb) {
    Workspace w;
    auto e = OpenOrDie(w.Rules(), fb);
    auto r = e->Stat(kMain, w.dir / "data/inside-link");
    EXPECT_MSG(r.ok(), r.status.message);
    EXPECT_EQ(r.value.size, uint64_t{3});
    EXPECT_TRUE(r.value.isFile && !r.value.isDirectory && r.value.mtimeMs > 0);
    EXPECT_TRUE(e->Stat(kMain, w.dir / "data/").value.isDirectory);
  });
}

TEST_CASE("fs.writeFile: atomic replace, append, limits, failures keep old content") {
  BothModes([](bool fb) {
    Workspace w;
    Limits l;
    l.maxWriteBytes = 64;
    auto e = OpenOrDie(w.Rules(), fb, l);
    std::string data = "new content";
    auto p = w.dir / "data/out/old.txt";
    auto r = e->WriteFile(kMain, p, reinterpret_cast<const uint8_t*>(data.data()), data.size(), false);
    EXPECT_MSG(r.ok(), r.status.message);
    EXPECT_EQ(r.value, uint64_t{11});
    EXPECT_EQ(w.dir.Read("data/out/old.txt"), data);
    r = e->WriteFile(kMain, p, reinterpret_cast<const uint8_t*>("!"), 1, true);
    EXPECT_EQ(w.dir.Read("data/out/old.txt"), std::string("new content!"));
    std::string big(65, 'x');
    r = e->WriteFile(kMain, p, reinterpret_cast<const uint8_t*>(big.data()), big.size(), false);
    EXPECT_EQ(C(r.status), std::string("PAYLOAD_TOO_LARGE"));
    std::string half(60, 'y');
    r = e->WriteFile(kMain, p, reinterpret_cast<const uint8_t*>(half.data()), half.size(), true);
    EXPECT_EQ(C(r.status), std::string("PAYLOAD_TOO_LARGE"));
    EXPECT_EQ(w.dir.Read("data/out/old.txt"), std::string("new content!"));
    // Writing through fs.read-only scope or via a symlink name is refused.
    EXPECT_EQ(C(e->WriteFile(kMain, w.dir / "data/a.txt", nullptr, 0, false).status), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(C(e->WriteFile(kMain, w.dir / "data/out/link-to-a", nullptr, 0, false).status),
              std::string("INVALID_ARGUMENT"));
    EXPECT_EQ(C(e->WriteFile(kMain, w.dir / "data/out", nullptr, 0, false).status), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(C(e->WriteFile(kMain, w.dir / "data/out/missing/x", nullptr, 0, false).status), std::string("NOT_FOUND"));
  });
  // Simulated I/O error in the middle of the write: the old file is untouched, no temp file is left.
  Workspace w;
  EngineOptions opts;
  opts.testFailWriteAfterBytes = 4;
  auto e = OpenOrDie(w.Rules(), false, {}, opts);
  std::string data = "this write fails halfway";
  auto r = e->WriteFile(kMain, w.dir / "data/out/old.txt", reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                        false);
  EXPECT_EQ(C(r.status), std::string("IO_ERROR"));
  EXPECT_EQ(w.dir.Read("data/out/old.txt"), std::string("old content"));
  DIR* d = opendir((w.dir / "data/out").c_str());
  int count = 0;
  while (struct dirent* de = readdir(d)) count += de->d_name[0] != '.';
  closedir(d);
  EXPECT_EQ(count, 2);  // old.txt and link-to-a only
}

TEST_CASE("fs.mkdir and fs.remove; remove never follows a final symlink") {
  BothModes([](bool fb) {
    Workspace w;
    auto e = OpenOrDie(w.Rules(), fb);
    EXPECT_EQ(C(e->Mkdir(kMain, w.dir / "data/out/new")), std::string("OK"));
    EXPECT_EQ(C(e->Mkdir(kMain, w.dir / "data/out/new")), std::string("IO_ERROR"));
    w.dir.Write("data/out/new/f", "x");
    EXPECT_EQ(C(e->Remove(kMain, w.dir / "data/out/new")), std::string("IO_ERROR"));
    EXPECT_EQ(C(e->Remove(kMain, w.dir / "data/out/new/f")), std::string("OK"));
    EXPECT_EQ(C(e->Remove(kMain, w.dir / "data/out/new")), std::string("OK"));
    EXPECT_EQ(C(e->Remove(kMain, w.dir / "data/out/link-to-a")), std::string("OK"));
    EXPECT_EQ(w.dir.Read("data/a.txt"), std::string("hello world"));
    EXPECT_EQ(C(e->Remove(kMain, w.dir / "data/out/gone")), std::string("NOT_FOUND"));
    EXPECT_EQ(C(e->Remove(kMain, w.dir / "data/out")), std::string("PERMISSION_DENIED"));
    EXPECT_EQ(C(e->Mkdir(kMain, w.dir / "data/x")), std::string("PERMISSION_DENIED"));
  });
}

TEST_CASE("env.get, os.info, net.connect") {
  Workspace w;
  auto e = OpenOrDie(w.Rules(), false);
  setenv("CAPWIRE_TEST_VAR", "v1", 1);
  auto r = e->EnvGet(kMain, "CAPWIRE_TEST_VAR");
  EXPECT_TRUE(r.ok() && r.value.present && r.value.value == "v1");
  unsetenv("CAPWIRE_TEST_VAR");
  r = e->EnvGet(kMain, "CAPWIRE_TEST_VAR");
  EXPECT_TRUE(r.ok() && !r.value.present);
  EXPECT_EQ(C(e->EnvGet(kMain, "PATH").status), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(C(e->EnvGet(kMain, "capwire_test_var").status), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(C(e->EnvGet(kMain, "A=B").status), std::string("INVALID_ARGUMENT"));
  auto os = e->GetOsInfo(kMain);
  EXPECT_TRUE(os.ok() && os.value.platform == "linux" && !os.value.release.empty());
  EXPECT_EQ(C(e->GetOsInfo("app://x").status), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(C(e->NetConnect(kMain, "127.0.0.1", 8080)), std::string("UNKNOWN_METHOD"));
  EXPECT_EQ(C(e->NetConnect(kMain, "127.0.0.1", 8081)), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(C(e->NetConnect(kMain, "127.0.0.1", 0)), std::string("INVALID_ARGUMENT"));
}

TEST_CASE("process.spawn: exact program, argv verbatim, fixed env, stdin, no leaked fds") {
  Workspace w;
  auto e = OpenOrDie(w.Rules(), false);
  SpawnParams p;
  p.program = "/bin/echo";
  p.args = {"a b", "$HOME", "*"};
  auto r = e->Spawn(kMain, p);
  EXPECT_MSG(r.ok(), r.status.message);
  EXPECT_EQ(AsString(r.value.stdoutData), std::string("a b $HOME *\n"));
  EXPECT_EQ(r.value.exitCode, 0);
  for (const char* prog : {"echo", "/bin/../bin/echo", "/usr/bin/echo", "/bin/echo ", "/bin//echo"}) {
    p.program = prog;
    EXPECT_EQ(C(e->Spawn(kMain, p).status), std::string("PERMISSION_DENIED"));
  }
  p.program = "/usr/bin/env";
  p.args = {};
  setenv("CAPWIRE_LEAK_CHECK", "1", 1);
  EXPECT_EQ(AsString(e->Spawn(kMain, p).value.stdoutData), std::string("PATH=/usr/bin:/bin\nLANG=C.UTF-8\n"));
  p.program = "/bin/sh";
  p.args = {"-c", "cat; echo err >&2; exit 3"};
  std::string in = "from stdin";
  p.stdinData.assign(in.begin(), in.end());
  r = e->Spawn(kMain, p);
  EXPECT_EQ(AsString(r.value.stdoutData), in);
  EXPECT_EQ(AsString(r.value.stderrData), std::string("err\n"));
  EXPECT_EQ(r.value.exitCode, 3);
  // Only 0, 1, 2 (and ls's own directory fd) are open in the child.
  p.stdinData.clear();
  p.program = "/bin/ls";
  p.args = {"/proc/self/fd"};
  int extra = open("/dev/null", O_RDONLY);  // not CLOEXEC on purpose
  r = e->Spawn(kMain, p);
  close(extra);
  EXPECT_EQ(AsString(r.value.stdoutData), std::string("0\n1\n2\n3\n"));
  p.program = "/bin/sh";
  p.args = {"-c", "kill -TERM $$"};
  r = e->Spawn(kMain, p);
  EXPECT_TRUE(r.ok() && r.value.exitCode == -1 && r.value.signal == "SIGTERM");
}

TEST_CASE("process.spawn: timeout kills the process group; output cap") {
  Workspace w;
  Limits l;
  l.maxSpawnOutputBytes = 1000;
  auto e = OpenOrDie(w.Rules(), false, l);
  SpawnParams p;
  p.program = "/bin/sh";
  p.args = {"-c", "sleep 30 & sleep 30; echo never"};
  p.timeoutMs = 300;
  auto t0 = std::chrono::steady_clock::now();
  auto r = e->Spawn(kMain, p);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(C(r.status), std::string("TIMEOUT"));
  EXPECT_MSG(ms < 3000, std::to_string(ms) + " ms");
  p.args = {"-c", "head -c 5000 /dev/zero"};
  p.timeoutMs = 5000;
  EXPECT_EQ(C(e->Spawn(kMain, p).status), std::string("PAYLOAD_TOO_LARGE"));
}

TEST_CASE("fs.readFile: maxReadBytes -> PAYLOAD_TOO_LARGE, ranges under the cap still work") {
  Workspace w;
  Limits l;
  l.maxReadBytes = 5;
  auto e = OpenOrDie(w.Rules(), false, l);
  EXPECT_EQ(C(e->ReadFile(kMain, w.dir / "data/a.txt", 0, std::nullopt).status), std::string("PAYLOAD_TOO_LARGE"));
  EXPECT_EQ(AsString(e->ReadFile(kMain, w.dir / "data/a.txt", 0, 5).value), std::string("hello"));
  EXPECT_EQ(C(e->ReadFile(kMain, w.dir / "data/a.txt", 0, 6).status), std::string("PAYLOAD_TOO_LARGE"));
}
