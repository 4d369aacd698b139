#include "messages.h"

#include <cstdio>

namespace capwire {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string GrantJson(std::string_view capability, std::string_view origin, const std::string* scope) {
  std::string j = "{\"capability\":" + JsonString(capability) + ",\"origins\":[" + JsonString(origin) + "]";
  ScopeKind kind = ScopeKindFor(capability);
  if (kind != ScopeKind::kNone && scope != nullptr) {
    j += ",\"" + std::string(ScopeJsonKey(kind)) + "\":[" + JsonString(*scope) + "]";
  }
  return j + "}";
}

Status Denial(std::string_view origin, std::string_view capability, const std::string& request,
              const std::string& reason, const std::string& fix, const std::string& wouldAllow) {
  Status s = Status::Error(Code::kPermissionDenied, std::string(capability) + " denied for origin " +
                                                        JsonString(origin) + ": " + reason + " (" + fix + ")");
  s.audit = Audit{std::string(origin), std::string(capability), request, wouldAllow};
  return s;
}

Status NotCovered(std::string_view origin, std::string_view capability, const std::string& request,
                  const std::string& what, const std::string* scope) {
  std::string grant = GrantJson(capability, origin, scope);
  return Denial(origin, capability, request,
                what + " is not covered by a " + std::string(capability) + " grant for this origin",
                "add " + grant + " to the manifest", grant);
}

Status DenyHit(std::string_view origin, std::string_view capability, const std::string& request,
               const std::string& what, const std::string& denyScope, ScopeKind kind) {
  std::string entry = "{\"capability\":" + JsonString(capability);
  if (kind != ScopeKind::kNone) entry += ",\"" + std::string(ScopeJsonKey(kind)) + "\":[" + JsonString(denyScope) + "]";
  entry += "}";
  std::string where = kind == ScopeKind::kNone ? "a deny entry" : "the denied " + std::string(ScopeKindName(kind)) + " " + denyScope;
  return Denial(origin, capability, request, what + " is covered by " + where,
                "deny entries win over grants; remove " + entry + " from \"deny\" to allow it",
                "remove from deny: " + entry);
}

}  // namespace capwire
