// Helpers for the core tests: a blob builder mirroring src/native/policy-blob.ts
// and a real temporary workspace.
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine.h"
#include "runner.h"

namespace capwire_test {

struct BlobRule {
  bool deny;
  std::string origin, capability, scope;
};

inline void PutU32(std::vector<uint8_t>* b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void PutU64(std::vector<uint8_t>* b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

inline std::vector<uint8_t> MakeBlob(const std::vector<BlobRule>& rules, capwire::Limits limits = {}, uint16_t flags = 0) {
  std::vector<uint8_t> b = {'C', 'P', 'W', 'P', 1, 0, static_cast<uint8_t>(flags), static_cast<uint8_t>(flags >> 8)};
  PutU64(&b, limits.maxReadBytes);
  PutU64(&b, limits.maxSpawnOutputBytes);
  PutU64(&b, limits.defaultSpawnTimeoutMs);
  PutU64(&b, limits.maxWriteBytes);
  PutU32(&b, static_cast<uint32_t>(rules.size()));
  for (const auto& r : rules) {
    b.push_back(r.deny ? 1 : 0);
    b.push_back(static_cast<uint8_t>(capwire::ScopeKindFor(r.capability)));
    for (const std::string* s : {&r.origin, &r.capability, &r.scope}) {
      PutU32(&b, static_cast<uint32_t>(s->size()));
      b.insert(b.end(), s->begin(), s->end());
    }
  }
  return b;
}

inline std::shared_ptr<capwire::Engine> OpenOrDie(const std::vector<BlobRule>& rules, bool fallback,
                                                   capwire::Limits limits = {}, capwire::EngineOptions opts = {}) {
  auto blob = MakeBlob(rules, limits);
  opts.forceNoOpenat2 = fallback;
  auto r = capwire::Engine::Open(blob.data(), blob.size(), opts);
  if (!r.ok()) throw Failure("Engine::Open failed: " + r.status.message);
  return r.value;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/capwire-core-XXXXXX";
    char* p = mkdtemp(tmpl);
    if (p == nullptr) throw Failure("mkdtemp failed");
    path_ = p;
  }
  ~TempDir() {
    nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 64,
         FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }
  void Mkdir(const std::string& rel) const { ::mkdir((*this / rel).c_str(), 0755); }
  void Write(const std::string& rel, const std::string& content) const {
    std::ofstream f(*this / rel, std::ios::binary | std::ios::trunc);
    f << content;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream f(*this / rel, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  void Symlink(const std::string& target, const std::string& rel) const {
    if (::symlink(target.c_str(), (*this / rel).c_str()) != 0) throw Failure("symlink failed: " + rel);
  }

 private:
  std::string path_;
};

inline std::string AsString(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

}  // namespace capwire_test
