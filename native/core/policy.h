// capwire core: the sealed policy. Parses the policy blob produced by
// src/native/policy-blob.ts and indexes it for lookups whose cost does not grow
// with the number of rules: a hash map keyed by (origin, capability), then a
// component trie for path scopes or a hash set for name/program/host scopes.
// No OS access here; opening roots is delegated to a callback (see Engine).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "paths.h"
#include "status.h"

namespace capwire {

enum class ScopeKind : uint8_t { kNone = 0, kPath = 1, kName = 2, kProgram = 3, kHost = 4 };
enum class Effect : uint8_t { kGrant = 0, kDeny = 1 };

const char* ScopeKindName(ScopeKind kind);   // "none", "path", ...
const char* ScopeJsonKey(ScopeKind kind);    // "paths", "names", ... ("" for none)
// Scope kind required by a capability: fs.read/fs.write -> path, env.read -> name,
// process.spawn -> program, net.connect -> host, anything else -> none.
ScopeKind ScopeKindFor(std::string_view capability);

struct Limits {
  uint64_t maxReadBytes = 8u << 20;
  uint64_t maxSpawnOutputBytes = 1u << 20;
  uint64_t defaultSpawnTimeoutMs = 10000;
  uint64_t maxWriteBytes = 8u << 20;
};

struct Rule {
  Effect effect = Effect::kGrant;
  std::string origin;
  std::string capability;
  ScopeKind kind = ScopeKind::kNone;
  std::string scope;
};

constexpr uint32_t kBlobFlagForceNoOpenat2 = 1u << 0;
constexpr uint32_t kBlobKnownFlags = kBlobFlagForceNoOpenat2;
constexpr uint32_t kBlobMaxRules = 1u << 22;
constexpr uint32_t kBlobMaxString = 4096;

struct ParsedBlob {
  uint16_t version = 0;
  uint32_t flags = 0;
  Limits limits;
  std::vector<Rule> rules;
};

// Fuzz-safe: every length is checked against the remaining input; any
// malformed input yields INVALID_ARGUMENT with the byte offset in the message.
Result<ParsedBlob> ParseBlob(const uint8_t* data, size_t size);

// Maps component paths to values; lookups walk the request's components only.
class PathTrie {
 public:
  PathTrie();
  ~PathTrie();
  PathTrie(PathTrie&&) noexcept;
  PathTrie& operator=(PathTrie&&) noexcept;
  void Insert(const Components& path, int value);
  bool empty() const { return size_ == 0; }
  // Calls fn(value, depth) for every stored prefix of `path`, shallow to deep.
  void ForEachPrefix(const Components& path, const std::function<void(int, size_t)>& fn) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  size_t size_ = 0;
};

// What the engine learned when it opened a path scope at load.
struct RootFacts {
  bool exists = false;      // the path could be opened
  bool isDirectory = false; // grant roots must be directories
  Components real;          // real path of the opened object (for deny checks)
};

struct CapRules {
  bool grantAll = false;  // scope kind none
  bool denyAll = false;
  PathTrie grantPaths;    // value: root id
  PathTrie denyPaths;     // value: root id (lexical request path)
  PathTrie denyReal;      // value: root id (real path of the opened deny root)
  std::unordered_set<std::string> grantValues;
  std::unordered_set<std::string> denyValues;
};

struct RootInfo {
  std::string path;
  Components components;
  RootFacts facts;
  bool usedByGrant = false;
  bool usedByDeny = false;
};

enum class Verdict { kAllowed, kDenied, kNotCovered };

struct PathDecision {
  Verdict verdict = Verdict::kNotCovered;
  int root = -1;         // grant root (kAllowed) or deny root (kDenied)
  size_t rootDepth = 0;  // components of the grant root
  bool inertGrant = false;  // a grant matched but its root did not exist at load
};

class Policy {
 public:
  using RootOpener = std::function<RootFacts(int id, const std::string& path)>;
  static Result<std::shared_ptr<const Policy>> Build(ParsedBlob blob, const RootOpener& opener);

  const Limits& limits() const { return limits_; }
  uint32_t flags() const { return flags_; }
  const std::vector<RootInfo>& roots() const { return roots_; }
  size_t ruleCount() const { return ruleCount_; }

  // Lexical decision for a normalized path (no OS access).
  PathDecision DecidePath(std::string_view origin, std::string_view capability, const Components& path) const;
  // Real-path deny check on an opened object; returns the deny root id or -1.
  int DeniedReal(std::string_view origin, std::string_view capability, const Components& real) const;
  // Exact-value scopes (names, programs, hosts) and scope-less capabilities.
  Verdict DecideValue(std::string_view origin, std::string_view capability, const std::string& value) const;
  Verdict DecideNone(std::string_view origin, std::string_view capability) const;

 private:
  const CapRules* Find(std::string_view origin, std::string_view capability) const;
  Limits limits_;
  uint32_t flags_ = 0;
  size_t ruleCount_ = 0;
  std::vector<RootInfo> roots_;
  std::unordered_map<std::string, CapRules> byKey_;
};

}  // namespace capwire
