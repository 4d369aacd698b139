// Micro-benchmark: cost of one permission check as the rule count grows.
// Rules are spread over many origins and capabilities; the looked-up origin has
// one real grant. Usage: capwire_check_bench [iterations]
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine.h"

using namespace capwire;

namespace {

void PutU32(std::vector<uint8_t>* b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void AddRule(std::vector<uint8_t>* b, const std::string& origin, const std::string& cap, const std::string& scope) {
  b->push_back(0);
  b->push_back(static_cast<uint8_t>(ScopeKindFor(cap)));
  for (const std::string* s : {&origin, &cap, &scope}) {
    PutU32(b, static_cast<uint32_t>(s->size()));
    b->insert(b->end(), s->begin(), s->end());
  }
}

std::vector<uint8_t> Blob(size_t n, const std::string& root) {
  std::vector<uint8_t> b = {'C', 'P', 'W', 'P', 1, 0, 0, 0};
  for (uint64_t v : {uint64_t{8} << 20, uint64_t{1} << 20, uint64_t{10000}, uint64_t{8} << 20}) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  PutU32(&b, static_cast<uint32_t>(n));
  AddRule(&b, "app://main", "fs.read", root);
  AddRule(&b, "app://main", "env.read", "HOME");
  for (size_t i = 2; i < n; ++i) {
    std::string o = "app://o" + std::to_string(i % 1000);
    switch (i % 3) {
      case 0: AddRule(&b, o, "fs.read", root + "/d" + std::to_string(i)); break;
      case 1: AddRule(&b, o, "env.read", "VAR_" + std::to_string(i)); break;
      default: AddRule(&b, "app://main", "fs.read", root + "/g" + std::to_string(i) + "/x"); break;
    }
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  long iters = argc > 1 ? atol(argv[1]) : 200000;
  char tmpl[] = "/tmp/capwire-bench-XXXXXX";
  std::string root = mkdtemp(tmpl);
  std::string path = root + "/sub/dir/file.txt";
  std::string name = "HOME";
  for (size_t n : {size_t{10}, size_t{1000}, size_t{100000}}) {
    auto blob = Blob(n, root);
    auto t0 = std::chrono::steady_clock::now();
    auto e = Engine::Open(blob.data(), blob.size());
    auto t1 = std::chrono::steady_clock::now();
    if (!e.ok()) {
      std::fprintf(stderr, "open failed: %s\n", e.status.message.c_str());
      return 1;
    }
    volatile int sink = 0;
    auto bench = [&](const char* what, const std::string& scope, const char* cap) {
      auto s0 = std::chrono::steady_clock::now();
      for (long i = 0; i < iters; ++i) sink += static_cast<int>(e.value->Check("app://main", cap, &scope).code);
      auto s1 = std::chrono::steady_clock::now();
      double ns = std::chrono::duration<double, std::nano>(s1 - s0).count() / static_cast<double>(iters);
      std::printf("rules=%-7zu check=%-8s %8.1f ns/check\n", n, what, ns);
    };
    std::printf("rules=%-7zu load=%.1f ms\n", n, std::chrono::duration<double, std::milli>(t1 - t0).count());
    bench("path", path, "fs.read");
    bench("env", name, "env.read");
    (void)sink;
  }
  rmdir(root.c_str());
  return 0;
}
