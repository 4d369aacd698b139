// capwire core: result codes and status values shared by every module.
// The numbering matches the proto enum capwire.v1.ErrorCode exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace capwire {

enum class Code : int {
  kOk = 0,
  kPermissionDenied = 1,
  kNotFound = 2,
  kInvalidArgument = 3,
  kUnknownMethod = 4,
  kUnsupportedVersion = 5,
  kMalformedMessage = 6,
  kPayloadTooLarge = 7,
  kTimeout = 8,
  kCancelled = 9,
  kResourceExhausted = 10,
  kIoError = 11,
  kInternal = 12,
};

// Stable string name of a code ("PERMISSION_DENIED", ...), as used in JS.
const char* CodeName(Code code);

// One record per denial: who asked, for what, and the grant that would allow it.
struct Audit {
  std::string origin;
  std::string capability;
  std::string request;
  std::string wouldAllow;
};

struct Status {
  Code code = Code::kOk;
  std::string message;
  std::optional<Audit> audit;

  bool ok() const { return code == Code::kOk; }
  static Status Ok() { return Status{}; }
  static Status Error(Code c, std::string msg) {
    Status s;
    s.code = c;
    s.message = std::move(msg);
    return s;
  }
};

template <class T>
struct Result {
  Status status;
  T value = T();

  bool ok() const { return status.ok(); }
  static Result Of(T v) {
    Result r;
    r.value = std::move(v);
    return r;
  }
  static Result Fail(Status s) {
    Result r;
    r.status = std::move(s);
    return r;
  }
};

// Maps an errno from an operation inside scope to a status:
// ENOENT -> NOT_FOUND, EXDEV/ELOOP (escape attempts) -> PERMISSION_DENIED,
// everything else -> IO_ERROR. Message is "context: reason".
Status ErrnoStatus(const std::string& context, int err);

}  // namespace capwire
