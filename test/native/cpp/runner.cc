#include "runner.h"

#include <cstdio>
#include <cstring>
#include <exception>

namespace capwire_test {
std::vector<Case>& Registry() {
  static std::vector<Case> cases;
  return cases;
}
}  // namespace capwire_test

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const auto& c : capwire_test::Registry()) {
    if (filter != nullptr && c.name.find(filter) == std::string::npos) continue;
    try {
      c.fn();
      std::printf("PASS %s\n", c.name.c_str());
      ++passed;
    } catch (const std::exception& e) {
      std::printf("FAIL %s: %s\n", c.name.c_str(), e.what());
      ++failed;
    }
    std::fflush(stdout);
  }
  std::printf("SUMMARY %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
