// libFuzzer harness: the path checker and resolver (openat2 and fallback) on a
// generated directory tree full of symlinks, compared with a slow reference
// that walks the tree with lstat/readlink one component at a time.
//
// Input: [origin][operation][flags] then one token per byte (a component from
// a dictionary of the tree's names, "..", ".", ""). Every verdict must agree:
//   Check (lexical)   OK <-> allow, PERMISSION_DENIED <-> deny, INVALID_ARGUMENT <-> invalid
//   Stat  (object)    OK <-> allow, PERMISSION_DENIED <-> deny (absent: any other code)
//   ReadDir           OK <-> allowed directory; its names; each entry's kind (a
//                     symlink's only when its path is allowed, nothing in deny subtrees)
//   WriteFile (entry) like Mkdir, with the bytes where the reference resolved, no temp left
//   Mkdir (entry)     OK only when allowed, and the directory appears where the
//                     reference says the parent really is; PERMISSION_DENIED <-> deny
// Build and run: native/fuzz/build.sh && native/fuzz/run.sh
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine.h"

namespace {

using capwire::Code;

std::string g_root;  // real path of the generated workspace
std::shared_ptr<capwire::Engine> g_engines[2];

const char* const kOrigins[] = {"app://main", "app://sub", "app://other"};
const char* const kTokens[] = {
    "data", "sub", "deep", "a.txt", "b.txt", "c.txt", "private", "p.txt", "out", "locked", "outside",
    "secret.txt", "data-evil", "x.txt", "..", ".", "", "escape-rel", "escape-abs", "abs-inside", "escape-dir",
    "to-private", "to-private-dir", "inside", "inside-dir", "up", "loop1", "loop2", "dangling", "proc", "back",
    "upup", "link-up", "to-outside", "to-locked", "fz-new", "dat", "inner", "self", "chain1", "chain2",
};
constexpr size_t kTokenCount = sizeof(kTokens) / sizeof(kTokens[0]);

struct RuleSpec {
  uint8_t effect;  // 0 grant, 1 deny
  const char* origin;
  const char* capability;
  const char* rel;  // below g_root
};

const RuleSpec kRules[] = {
    {0, "app://main", "fs.read", "data"},
    {0, "app://main", "fs.read", "data/sub"},
    {0, "app://sub", "fs.read", "data/sub"},
    {0, "*", "fs.read", "data/out"},
    {1, "*", "fs.read", "data/private"},
    {0, "app://main", "fs.write", "data/out"},
    {1, "*", "fs.write", "data/out/locked"},
    {1, "app://main", "fs.read", "data/missing-deny"},
};

void Die(const char* what) {
  perror(what);
  abort();
}

void MkDir(const std::string& rel) {
  if (mkdir((g_root + "/" + rel).c_str(), 0755) != 0) Die(rel.c_str());
}
void MkFile(const std::string& rel, const char* text) {
  FILE* f = fopen((g_root + "/" + rel).c_str(), "w");
  if (!f) Die(rel.c_str());
  fputs(text, f);
  fclose(f);
}
void MkLink(const std::string& target, const std::string& rel) {
  if (symlink(target.c_str(), (g_root + "/" + rel).c_str()) != 0) Die(rel.c_str());
}

void BuildTree() {
  char tmpl[] = "/tmp/capwire-resolver-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) Die("mkdtemp");
  char real[PATH_MAX];
  if (!realpath(tmpl, real)) Die("realpath");
  g_root = real;
  for (const char* d : {"data", "data/sub", "data/sub/deep", "data/private", "data/out", "data/out/locked", "data/out/inner",
                        "outside", "data-evil", "dat"}) {
    MkDir(d);
  }
  MkFile("data/a.txt", "alpha");
  MkFile("data/sub/b.txt", "bee");
  MkFile("data/sub/deep/c.txt", "sea");
  MkFile("data/private/p.txt", "secret");
  MkFile("data/out/x.txt", "out");
  MkFile("outside/secret.txt", "secret");
  MkFile("data-evil/x.txt", "evil");
  MkLink("../outside/secret.txt", "data/escape-rel");
  MkLink(g_root + "/outside/secret.txt", "data/escape-abs");
  MkLink(g_root + "/data/a.txt", "data/abs-inside");
  MkLink("../outside", "data/escape-dir");
  MkLink("private/p.txt", "data/to-private");
  MkLink("private", "data/to-private-dir");
  MkLink("sub/b.txt", "data/inside");
  MkLink("sub", "data/inside-dir");
  MkLink("..", "data/up");
  MkLink("loop2", "data/loop1");
  MkLink("loop1", "data/loop2");
  MkLink("nothing-here", "data/dangling");
  MkLink("/proc/self/root", "data/proc");
  MkLink(".", "data/self");
  MkLink("chain2/../a.txt", "data/chain1");
  MkLink("sub/deep", "data/chain2");
  MkLink("../a.txt", "data/sub/back");
  MkLink("../../private", "data/sub/deep/upup");
  MkLink("..", "data/out/link-up");
  MkLink("../../outside", "data/out/to-outside");
  MkLink("locked", "data/out/to-locked");
}

void PutU16(std::vector<uint8_t>* out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(std::vector<uint8_t>* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutString(std::vector<uint8_t>* out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->insert(out->end(), s.begin(), s.end());
}

// The blob format of native/README.md, written independently of policy-blob.ts.
std::vector<uint8_t> PolicyBlob() {
  std::vector<uint8_t> out = {'C', 'P', 'W', 'P'};
  PutU16(&out, 1);
  PutU16(&out, 0);
  PutU64(&out, 1 << 20);
  PutU64(&out, 1 << 20);
  PutU64(&out, 1000);
  PutU64(&out, 1 << 20);
  PutU32(&out, sizeof(kRules) / sizeof(kRules[0]));
  for (const RuleSpec& r : kRules) {
    out.push_back(r.effect);
    out.push_back(1);  // path scope
    PutString(&out, r.origin);
    PutString(&out, r.capability);
    PutString(&out, g_root + "/" + r.rel);
  }
  return out;
}

// ---------------------------------------------------------------- reference

enum class Ref { kAllow, kDeny, kAbsent, kInvalid };
const char* RefName(Ref r) {
  switch (r) {
    case Ref::kAllow: return "allow";
    case Ref::kDeny: return "deny";
    case Ref::kAbsent: return "absent";
    default: return "invalid";
  }
}

using Parts = std::vector<std::string>;

Parts Split(const std::string& path) {
  Parts out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}
std::string Join(const Parts& parts) {
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}
bool Prefix(const Parts& pre, const Parts& path) {
  if (pre.size() > path.size()) return false;
  for (size_t i = 0; i < pre.size(); ++i)
    if (pre[i] != path[i]) return false;
  return true;
}
bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct RefResult {
  Ref verdict;
  Parts real;  // object (or parent + name for entries)
};

bool Matches(const RuleSpec& r, const char* origin, const char* cap) {
  return strcmp(r.capability, cap) == 0 && (strcmp(r.origin, "*") == 0 || strcmp(r.origin, origin) == 0);
}

// Lexical: deny prefix beats everything; else the deepest existing grant root.
Ref Lexical(const char* origin, const char* cap, const std::string& raw, Parts* comps, bool* trailing, Parts* root) {
  if (raw.empty() || raw[0] != '/' || raw.find('\0') != std::string::npos || raw.size() > 4096) return Ref::kInvalid;
  comps->clear();
  Parts pieces;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string::npos) j = raw.size();
    pieces.push_back(raw.substr(i, j - i));
    i = j + 1;
  }
  for (const auto& p : pieces) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (!comps->empty()) comps->pop_back();
    } else {
      comps->push_back(p);
    }
  }
  *trailing = raw.size() > 1 && raw.back() == '/';
  for (const RuleSpec& r : kRules) {
    if (r.effect == 1 && Matches(r, origin, cap) && Prefix(Split(g_root + "/" + r.rel), *comps)) return Ref::kDeny;
  }
  bool found = false;
  for (const RuleSpec& r : kRules) {
    if (r.effect != 0 || !Matches(r, origin, cap)) continue;
    Parts g = Split(g_root + "/" + r.rel);
    if (!Prefix(g, *comps) || !IsDir(Join(g))) continue;
    if (!found || g.size() > root->size()) *root = g;
    found = true;
  }
  return found ? Ref::kAllow : Ref::kDeny;
}

RefResult Reference(const char* origin, const char* cap, const std::string& raw, bool entry) {
  Parts comps, root;
  bool trailing = false;
  Ref lex = Lexical(origin, cap, raw, &comps, &trailing, &root);
  if (lex != Ref::kAllow) return {lex, {}};
  Parts below(comps.begin() + static_cast<long>(root.size()), comps.end());
  if (entry && below.empty()) return {Ref::kDeny, {}};
  Parts queue(below.begin(), below.end() - (entry ? 1 : 0));
  Parts stack;
  int links = 0;
  char rootReal[PATH_MAX];
  if (!realpath(Join(root).c_str(), rootReal)) return {Ref::kAbsent, {}};
  Parts base = Split(rootReal);
  size_t at = 0;
  while (at < queue.size()) {
    std::string part = queue[at++];
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (stack.empty()) return {Ref::kDeny, {}};
      stack.pop_back();
      continue;
    }
    Parts here = base;
    here.insert(here.end(), stack.begin(), stack.end());
    here.push_back(part);
    struct stat st;
    if (lstat(Join(here).c_str(), &st) != 0) return {Ref::kAbsent, {}};
    if (S_ISLNK(st.st_mode)) {
      if (++links > 40) return {Ref::kDeny, {}};
      char target[PATH_MAX];
      ssize_t n = readlink(Join(here).c_str(), target, sizeof(target) - 1);
      if (n < 0) return {Ref::kAbsent, {}};
      target[n] = 0;
      if (target[0] == '/') return {Ref::kDeny, {}};
      Parts rest(queue.begin() + static_cast<long>(at), queue.end());
      queue.clear();
      std::string t = target;
      size_t i = 0;
      while (i <= t.size()) {
        size_t j = t.find('/', i);
        if (j == std::string::npos) j = t.size();
        queue.push_back(t.substr(i, j - i));
        i = j + 1;
      }
      queue.insert(queue.end(), rest.begin(), rest.end());
      at = 0;
      continue;
    }
    bool more = false;
    for (size_t k = at; k < queue.size(); ++k) more = more || !(queue[k].empty() || queue[k] == ".");
    if (more && !S_ISDIR(st.st_mode)) return {Ref::kAbsent, {}};
    stack.push_back(part);
  }
  Parts real = base;
  real.insert(real.end(), stack.begin(), stack.end());
  if ((entry || trailing) && !IsDir(Join(real))) return {Ref::kAbsent, {}};
  if (entry) real.push_back(below.back());
  for (const RuleSpec& r : kRules) {
    if (r.effect != 1 || !Matches(r, origin, cap)) continue;
    char denyReal[PATH_MAX];
    if (realpath((g_root + "/" + r.rel).c_str(), denyReal) && Prefix(Split(denyReal), real)) return {Ref::kDeny, {}};
  }
  return {Ref::kAllow, real};
}

[[noreturn]] void Mismatch(const char* mode, const char* op, const char* origin, const std::string& path, Ref ref,
                           const capwire::Status& s) {
  fprintf(stderr, "MISMATCH %s %s origin=%s path=%s: reference=%s engine=%s (%s)\n", mode, op, origin, path.c_str(),
          RefName(ref), capwire::CodeName(s.code), s.message.c_str());
  abort();
}

bool DeniedReal(const char* origin, const Parts& real) {
  for (const RuleSpec& r : kRules) {
    if (r.effect != 1 || !Matches(r, origin, "fs.read")) continue;
    char denyReal[PATH_MAX];
    if (realpath((g_root + "/" + r.rel).c_str(), denyReal) && Prefix(Split(denyReal), real)) return true;
  }
  return false;
}

// fs.readDir: allowed exactly when the reference allows a directory; the names
// are the directory's; a symlink reports its target's kind only when the
// reference allows the link's path; entries in deny subtrees report neither.
void CheckReadDir(const capwire::Engine& engine, const char* mode, const char* origin, const std::string& path) {
  RefResult ref = Reference(origin, "fs.read", path, false);
  auto r = engine.ReadDir(origin, path);
  bool dir = ref.verdict == Ref::kAllow && IsDir(Join(ref.real));
  if (r.ok() != dir || ((ref.verdict == Ref::kDeny) != (r.status.code == Code::kPermissionDenied))) {
    Mismatch(mode, "readDir", origin, path, ref.verdict, r.status);
  }
  if (!r.ok()) return;
  std::vector<std::string> names;
  if (DIR* d = opendir(Join(ref.real).c_str())) {
    while (dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> got;
  for (const auto& entry : r.value) got.push_back(entry.name);
  std::sort(got.begin(), got.end());
  if (got != names) Mismatch(mode, "readDir (names differ from the directory)", origin, path, ref.verdict, r.status);
  for (const auto& entry : r.value) {
    Parts real = ref.real;
    real.push_back(entry.name);
    bool isFile = false, isDir = false;
    struct stat st;
    if (!DeniedReal(origin, real) && lstat(Join(real).c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode)) isFile = true;
      else if (S_ISDIR(st.st_mode)) isDir = true;
      else if (S_ISLNK(st.st_mode)) {
        RefResult link = Reference(origin, "fs.read", path + "/" + entry.name, false);
        struct stat target;
        if (link.verdict == Ref::kAllow && stat(Join(link.real).c_str(), &target) == 0) {
          isFile = S_ISREG(target.st_mode);
          isDir = S_ISDIR(target.st_mode);
        }
      }
    }
    if (entry.isFile != isFile || entry.isDirectory != isDir) {
      fprintf(stderr, "MISMATCH %s readDir entry %s/%s: engine file=%d dir=%d, reference file=%d dir=%d\n", mode, path.c_str(),
              entry.name.c_str(), entry.isFile, entry.isDirectory, isFile, isDir);
      abort();
    }
  }
}

// fs.writeFile: succeeds only where the reference allows the entry, the bytes
// land exactly where the reference resolved the parent, and no temp file is
// left behind either way.
void CheckWriteFile(const capwire::Engine& engine, const char* mode, const char* origin, const std::string& path) {
  RefResult ref = Reference(origin, "fs.write", path, true);
  static const uint8_t kBytes[] = {'f', 'z'};
  auto r = engine.WriteFile(origin, path, kBytes, sizeof(kBytes), false);
  if (r.ok()) {
    std::string made = Join(ref.real);
    struct stat st;
    bool there = ref.verdict == Ref::kAllow && lstat(made.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 2;
    if (!there) Mismatch(mode, "writeFile (written elsewhere)", origin, path, ref.verdict, r.status);
    unlink(made.c_str());
  } else if (ref.verdict == Ref::kAllow || ((ref.verdict == Ref::kDeny) != (r.status.code == Code::kPermissionDenied))) {
    Mismatch(mode, "writeFile", origin, path, ref.verdict, r.status);
  }
  if (ref.verdict != Ref::kAllow) return;
  Parts parent(ref.real.begin(), ref.real.end() - 1);
  if (DIR* d = opendir(Join(parent).c_str())) {
    while (dirent* e = readdir(d)) {
      if (strncmp(e->d_name, ".capwire-tmp-", 13) == 0) {
        fprintf(stderr, "MISMATCH %s writeFile %s left %s behind\n", mode, path.c_str(), e->d_name);
        abort();
      }
    }
    closedir(d);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  BuildTree();
  atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(g_root, ignored);
  });
  std::vector<uint8_t> blob = PolicyBlob();
  for (int i = 0; i < 2; ++i) {
    capwire::EngineOptions options;
    options.forceNoOpenat2 = i == 1;
    auto e = capwire::Engine::Open(blob.data(), blob.size(), options);
    if (!e.ok()) {
      fprintf(stderr, "engine: %s\n", e.status.message.c_str());
      abort();
    }
    g_engines[i] = e.value;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3 || size > 64) return 0;
  const char* origin = kOrigins[data[0] % 3];
  int op = data[1] % 5;
  uint8_t flags = data[2];
  std::string path = (flags & 1) ? "" : g_root;
  for (size_t i = 3; i < size; ++i) path += "/" + std::string(kTokens[data[i] % kTokenCount]);
  if (path.empty()) path = "/";
  if (flags & 2) path += "/";
  if (op == 2 || op == 4) path += "/fz-new";  // entries: create a fresh name
  for (int m = 0; m < 2; ++m) {
    const capwire::Engine& engine = *g_engines[m];
    const char* mode = m == 0 ? "openat2" : "fallback";
    if (op == 0) {
      const char* cap = (flags & 4) ? "fs.write" : "fs.read";
      Parts comps, root;
      bool trailing = false;
      Ref ref = Lexical(origin, cap, path, &comps, &trailing, &root);
      capwire::Status s = engine.Check(origin, cap, &path);
      Code want = ref == Ref::kAllow ? Code::kOk : ref == Ref::kDeny ? Code::kPermissionDenied : Code::kInvalidArgument;
      if (s.code != want) Mismatch(mode, "check", origin, path, ref, s);
    } else if (op == 1) {
      RefResult ref = Reference(origin, "fs.read", path, false);
      auto r = engine.Stat(origin, path);
      bool bad = (r.ok() && ref.verdict != Ref::kAllow) || (ref.verdict == Ref::kAllow && !r.ok()) ||
                 ((ref.verdict == Ref::kDeny) != (r.status.code == Code::kPermissionDenied));
      if (bad) Mismatch(mode, "stat", origin, path, ref.verdict, r.status);
    } else if (op == 3) {
      CheckReadDir(engine, mode, origin, path);
    } else if (op == 4) {
      CheckWriteFile(engine, mode, origin, path);
    } else {
      RefResult ref = Reference(origin, "fs.write", path, true);
      capwire::Status s = engine.Mkdir(origin, path);
      if (s.ok()) {
        std::string made = Join(ref.real);
        struct stat st;
        bool there = ref.verdict == Ref::kAllow && lstat(made.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        if (!there) Mismatch(mode, "mkdir (created elsewhere)", origin, path, ref.verdict, s);
        rmdir(made.c_str());
      } else if (ref.verdict == Ref::kAllow || ((ref.verdict == Ref::kDeny) != (s.code == Code::kPermissionDenied))) {
        Mismatch(mode, "mkdir", origin, path, ref.verdict, s);
      }
    }
  }
  return 0;
}
