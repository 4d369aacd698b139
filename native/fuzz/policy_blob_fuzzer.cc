// libFuzzer harness: the policy blob parser and the request-path normalizer
// must accept or reject any input without UB. Build with clang:
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCAPWIRE_LIBFUZZER=ON
//   build-fuzz/capwire_fuzz_policy_blob native/fuzz/corpus
// Without libFuzzer the same file builds a standalone driver that runs the
// harness over the files given on the command line (used as a smoke test).
#include <cstddef>
#include <cstdint>
#include <string>

#include "paths.h"
#include "policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto blob = capwire::ParseBlob(data, size);
  if (blob.ok()) {
    for (const auto& rule : blob.value.rules) {
      if (capwire::ScopeKindFor(rule.capability) != rule.kind) __builtin_trap();
    }
    // Index it without touching the OS (every root reported missing).
    auto policy = capwire::Policy::Build(std::move(blob.value), [](int, const std::string&) { return capwire::RootFacts{}; });
    if (!policy.ok()) __builtin_trap();
  }
  auto path = capwire::ParseRequestPath(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (path.ok() && (path.value.normalized.empty() || path.value.normalized[0] != '/')) __builtin_trap();
  return 0;
}

#ifdef CAPWIRE_FUZZ_STANDALONE
#include <fstream>
#include <iterator>
#include <vector>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  return 0;
}
#endif
