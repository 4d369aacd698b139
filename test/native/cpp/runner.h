// A tiny test runner for the C++ core: named cases, one line per result
// ("PASS name" / "FAIL name: why"), exit 1 on any failure.
#pragma once

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace capwire_test {

struct Case {
  std::string name;
  std::function<void()> fn;
};

std::vector<Case>& Registry();

struct Register {
  Register(const char* name, std::function<void()> fn) { Registry().push_back({name, std::move(fn)}); }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class A, class B>
void ExpectEq(const A& a, const B& b, const char* as, const char* bs, const char* file, int line) {
  if (!(a == b)) {
    std::ostringstream os;
    os << file << ":" << line << ": expected " << as << " == " << bs << " (got " << a << " vs " << b << ")";
    throw Failure(os.str());
  }
}

inline void ExpectTrue(bool v, const char* what, const std::string& note, const char* file, int line) {
  if (!v) throw Failure(std::string(file) + ":" + std::to_string(line) + ": expected " + what + (note.empty() ? "" : " — " + note));
}

}  // namespace capwire_test

#define CW_CONCAT2(a, b) a##b
#define CW_CONCAT(a, b) CW_CONCAT2(a, b)
#define TEST_CASE(name)                                                                  \
  static void CW_CONCAT(test_fn_, __LINE__)();                                          \
  static capwire_test::Register CW_CONCAT(test_reg_, __LINE__)(name, CW_CONCAT(test_fn_, __LINE__)); \
  static void CW_CONCAT(test_fn_, __LINE__)()
#define EXPECT_EQ(a, b) capwire_test::ExpectEq((a), (b), #a, #b, __FILE__, __LINE__)
#define EXPECT_TRUE(v) capwire_test::ExpectTrue((v), #v, "", __FILE__, __LINE__)
#define EXPECT_MSG(v, note) capwire_test::ExpectTrue((v), #v, (note), __FILE__, __LINE__)
