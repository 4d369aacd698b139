#include "status.h"

#include <errno.h>
#include <string.h>

namespace capwire {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kPermissionDenied: return "PERMISSION_DENIED";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kUnknownMethod: return "UNKNOWN_METHOD";
    case Code::kUnsupportedVersion: return "UNSUPPORTED_VERSION";
    case Code::kMalformedMessage: return "MALFORMED_MESSAGE";
    case Code::kPayloadTooLarge: return "PAYLOAD_TOO_LARGE";
    case Code::kTimeout: return "TIMEOUT";
    case Code::kCancelled: return "CANCELLED";
    case Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Code::kIoError: return "IO_ERROR";
    case Code::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

Status ErrnoStatus(const std::string& context, int err) {
  char buf[128];
  // GNU strerror_r returns the message pointer.
  const char* reason = strerror_r(err, buf, sizeof(buf));
  switch (err) {
    case ENOENT:
      return Status::Error(Code::kNotFound, context + ": no such file or directory");
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EAGAIN:
      return Status::Error(Code::kResourceExhausted, context + ": " + reason);
    default:
      return Status::Error(Code::kIoError, context + ": " + reason);
  }
}

}  // namespace capwire
