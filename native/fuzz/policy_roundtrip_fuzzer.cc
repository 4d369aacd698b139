// libFuzzer harness: any blob ParseBlob accepts must re-encode (with an
// encoder written here from native/README.md, independent of policy-blob.ts)
// to exactly the input bytes, index without error, and answer path, value and
// scope-less decisions for every rule it holds without tripping a sanitizer;
// a grant must never be answered "allowed" for a path its own deny rule covers.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "paths.h"
#include "policy.h"

namespace {

void PutU(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutString(std::vector<uint8_t>* out, const std::string& s) {
  PutU(out, s.size(), 4);
  out->insert(out->end(), s.begin(), s.end());
}

std::vector<uint8_t> Encode(const capwire::ParsedBlob& blob) {
  std::vector<uint8_t> out = {'C', 'P', 'W', 'P'};
  PutU(&out, blob.version, 2);
  PutU(&out, blob.flags, 2);
  PutU(&out, blob.limits.maxReadBytes, 8);
  PutU(&out, blob.limits.maxSpawnOutputBytes, 8);
  PutU(&out, blob.limits.defaultSpawnTimeoutMs, 8);
  PutU(&out, blob.limits.maxWriteBytes, 8);
  PutU(&out, blob.rules.size(), 4);
  for (const auto& r : blob.rules) {
    out.push_back(static_cast<uint8_t>(r.effect));
    out.push_back(static_cast<uint8_t>(r.kind));
    PutString(&out, r.origin);
    PutString(&out, r.capability);
    PutString(&out, r.scope);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = capwire::ParseBlob(data, size);
  if (!parsed.ok()) return 0;
  std::vector<uint8_t> again = Encode(parsed.value);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
    fprintf(stderr, "round trip: parse+encode changed the blob (%zu -> %zu bytes)\n", size, again.size());
    abort();
  }
  std::vector<capwire::Rule> rules = parsed.value.rules;
  // Every root "exists as a directory" with its lexical path as real path.
  auto built = capwire::Policy::Build(std::move(parsed.value), [](int, const std::string& path) {
    capwire::RootFacts facts;
    facts.exists = true;
    facts.isDirectory = true;
    capwire::SplitNormalizedPath(path, &facts.real);
    return facts;
  });
  if (!built.ok()) {
    fprintf(stderr, "a parsed blob failed to index: %s\n", built.status.message.c_str());
    abort();
  }
  const capwire::Policy& policy = *built.value;
  for (const auto& r : rules) {
    switch (r.kind) {
      case capwire::ScopeKind::kPath: {
        capwire::Components comps;
        if (!capwire::SplitNormalizedPath(r.scope, &comps)) abort();
        comps.push_back("child");
        capwire::PathDecision d = policy.DecidePath(r.origin, r.capability, comps);
        if (r.effect == capwire::Effect::kDeny && d.verdict == capwire::Verdict::kAllowed) {
          fprintf(stderr, "deny rule %s for %s not applied\n", r.scope.c_str(), r.origin.c_str());
          abort();
        }
        if (r.effect == capwire::Effect::kDeny && policy.DeniedReal(r.origin, r.capability, comps) < 0) {
          fprintf(stderr, "deny rule %s for %s not applied to real paths\n", r.scope.c_str(), r.origin.c_str());
          abort();
        }
        break;
      }
      case capwire::ScopeKind::kNone: {
        capwire::Verdict v = policy.DecideNone(r.origin, r.capability);
        if (r.effect == capwire::Effect::kDeny && v == capwire::Verdict::kAllowed) abort();
        break;
      }
      default: {
        capwire::Verdict v = policy.DecideValue(r.origin, r.capability, r.scope);
        if (r.effect == capwire::Effect::kDeny && v == capwire::Verdict::kAllowed) abort();
        break;
      }
    }
  }
  return 0;
}
