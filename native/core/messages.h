// capwire core: denial messages and audit records, built in one place.
// Format: "<capability> denied for origin "<origin>": <reason> (<how to fix>)".
#pragma once

#include <string>
#include <string_view>

#include "policy.h"
#include "status.h"

namespace capwire {

std::string JsonString(std::string_view s);
// {"capability":"fs.read","origins":["app://x"],"paths":["/ws/x"]}
std::string GrantJson(std::string_view capability, std::string_view origin, const std::string* scope);

Status Denial(std::string_view origin, std::string_view capability, const std::string& request,
              const std::string& reason, const std::string& fix, const std::string& wouldAllow);

// "<what> is not covered by a <cap> grant for this origin (add <grant> to the manifest)"
Status NotCovered(std::string_view origin, std::string_view capability, const std::string& request,
                  const std::string& what, const std::string* scope);
// "<what> is inside the denied path <deny> (deny entries win over grants; ...)"
Status DenyHit(std::string_view origin, std::string_view capability, const std::string& request,
               const std::string& what, const std::string& denyScope, ScopeKind kind);

}  // namespace capwire
