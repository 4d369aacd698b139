// capwire core: running a granted program. No shell, no PATH lookup, argv
// verbatim, a fixed minimal environment, its own process group.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "status.h"

namespace capwire {

struct SpawnRequest {
  std::string program;            // exact granted absolute path
  std::vector<std::string> args;  // argv[1..]; argv[0] is the program
  std::vector<uint8_t> stdinData;
  uint64_t timeoutMs = 0;
};

struct SpawnResult {
  int exitCode = -1;   // -1 when killed by a signal
  std::string signal;  // "SIGKILL", ... or empty
  std::vector<uint8_t> stdoutData;
  std::vector<uint8_t> stderrData;
};

// Timeout -> TIMEOUT (the whole process group is killed with SIGKILL).
// stdout or stderr beyond maxOutputBytes -> PAYLOAD_TOO_LARGE (group killed).
// Only the engine calls this, after the program passed the policy check.
Result<SpawnResult> RunProgram(const SpawnRequest& req, uint64_t maxOutputBytes, const std::string& ctx);

}  // namespace capwire
