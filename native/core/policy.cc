#include "policy.h"

#include <cstring>

namespace capwire {

const char* ScopeKindName(ScopeKind kind) {
  switch (kind) {
    case ScopeKind::kNone: return "none";
    case ScopeKind::kPath: return "path";
    case ScopeKind::kName: return "name";
    case ScopeKind::kProgram: return "program";
    case ScopeKind::kHost: return "host";
  }
  return "?";
}

const char* ScopeJsonKey(ScopeKind kind) {
  switch (kind) {
    case ScopeKind::kNone: return "";
    case ScopeKind::kPath: return "paths";
    case ScopeKind::kName: return "names";
    case ScopeKind::kProgram: return "programs";
    case ScopeKind::kHost: return "hosts";
  }
  return "";
}

ScopeKind ScopeKindFor(std::string_view cap) {
  if (cap == "fs.read" || cap == "fs.write") return ScopeKind::kPath;
  if (cap == "env.read") return ScopeKind::kName;
  if (cap == "process.spawn") return ScopeKind::kProgram;
  if (cap == "net.connect") return ScopeKind::kHost;
  return ScopeKind::kNone;
}

// ---------------------------------------------------------------- blob parsing

namespace {

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  size_t offset() const { return off_; }
  size_t remaining() const { return n_ - off_; }
  bool U8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = d_[off_++];
    return true;
  }
  bool U16(uint16_t* v) {
    if (remaining() < 2) return false;
    *v = static_cast<uint16_t>(d_[off_] | (d_[off_ + 1] << 8));
    off_ += 2;
    return true;
  }
  bool U32(uint32_t* v) {
    if (remaining() < 4) return false;
    uint32_t x = 0;
    for (int i = 3; i >= 0; --i) x = (x << 8) | d_[off_ + i];
    *v = x;
    off_ += 4;
    return true;
  }
  bool U64(uint64_t* v) {
    if (remaining() < 8) return false;
    uint64_t x = 0;
    for (int i = 7; i >= 0; --i) x = (x << 8) | d_[off_ + i];
    *v = x;
    off_ += 8;
    return true;
  }
  bool Str(std::string* s, uint32_t max) {
    uint32_t len = 0;
    if (!U32(&len) || len > max || len > remaining()) return false;
    s->assign(reinterpret_cast<const char*>(d_ + off_), len);
    off_ += len;
    return true;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t off_ = 0;
};

Result<ParsedBlob> BlobError(size_t offset, const std::string& what) {
  return Result<ParsedBlob>::Fail(Status::Error(
      Code::kInvalidArgument, "policy blob: " + what + " at byte " + std::to_string(offset) +
                                  " (re-encode the policy with encodePolicyBlob from the same capwire version)"));
}

bool ValidCapabilityName(const std::string& c) {
  if (c.empty() || c.size() > 256) return false;
  for (char ch : c) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '_' || ch == '-' || ch == ':' || ch == '/';
    if (!ok) return false;
  }
  return true;
}

std::string ValidateScope(const Rule& r) {
  if (r.scope.find('\0') != std::string::npos) return "scope value contains a NUL byte";
  Components comps;
  switch (r.kind) {
    case ScopeKind::kNone:
      return r.scope.empty() ? "" : "scope value must be empty for a capability without scope";
    case ScopeKind::kPath:
      return SplitNormalizedPath(r.scope, &comps) ? "" : "path scope \"" + r.scope + "\" is not absolute and normalized";
    case ScopeKind::kProgram:
      return SplitNormalizedPath(r.scope, &comps) && !comps.empty()
                 ? ""
                 : "program scope \"" + r.scope + "\" is not an absolute normalized path";
    case ScopeKind::kName:
      if (r.scope.empty() || r.scope.find('=') != std::string::npos) return "env name scope is empty or contains '='";
      return "";
    case ScopeKind::kHost:
      return r.scope.empty() ? "host scope is empty" : "";
  }
  return "unknown scope kind";
}

}  // namespace

Result<ParsedBlob> ParseBlob(const uint8_t* data, size_t size) {
  if (data == nullptr && size != 0) return BlobError(0, "null data");
  Reader r(data, size);
  ParsedBlob out;
  uint8_t magic[4] = {0, 0, 0, 0};
  for (auto& m : magic) {
    if (!r.U8(&m)) return BlobError(r.offset(), "truncated magic");
  }
  if (std::memcmp(magic, "CPWP", 4) != 0) return BlobError(0, "bad magic (expected \"CPWP\")");
  uint16_t flags16 = 0;
  if (!r.U16(&out.version)) return BlobError(r.offset(), "truncated header");
  if (out.version != 1) {
    return BlobError(4, "unsupported format version " + std::to_string(out.version) + " (this core reads version 1)");
  }
  if (!r.U16(&flags16)) return BlobError(r.offset(), "truncated header");
  out.flags = flags16;
  if ((out.flags & ~kBlobKnownFlags) != 0) return BlobError(6, "unknown flag bits");
  Limits& l = out.limits;
  if (!r.U64(&l.maxReadBytes) || !r.U64(&l.maxSpawnOutputBytes) || !r.U64(&l.defaultSpawnTimeoutMs) ||
      !r.U64(&l.maxWriteBytes)) {
    return BlobError(r.offset(), "truncated limits");
  }
  constexpr uint64_t kMaxBytes = uint64_t{1} << 31;  // what a JS Buffer can hold comfortably
  if (l.maxReadBytes == 0 || l.maxReadBytes > kMaxBytes) return BlobError(8, "maxReadBytes out of range");
  if (l.maxSpawnOutputBytes == 0 || l.maxSpawnOutputBytes > kMaxBytes) return BlobError(16, "maxSpawnOutputBytes out of range");
  if (l.defaultSpawnTimeoutMs == 0 || l.defaultSpawnTimeoutMs > 86400000) return BlobError(24, "defaultSpawnTimeoutMs out of range");
  if (l.maxWriteBytes == 0 || l.maxWriteBytes > kMaxBytes) return BlobError(32, "maxWriteBytes out of range");
  uint32_t count = 0;
  if (!r.U32(&count)) return BlobError(r.offset(), "truncated rule count");
  constexpr size_t kMinRuleBytes = 2 + 3 * 4;
  if (count > kBlobMaxRules || count > r.remaining() / kMinRuleBytes) {
    return BlobError(40, "rule count " + std::to_string(count) + " does not fit the blob");
  }
  out.rules.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = r.offset();
    std::string which = "rule " + std::to_string(i);
    Rule rule;
    uint8_t effect = 0, kind = 0;
    if (!r.U8(&effect) || !r.U8(&kind)) return BlobError(at, which + ": truncated");
    if (effect > 1) return BlobError(at, which + ": bad effect " + std::to_string(effect));
    if (kind > 4) return BlobError(at + 1, which + ": bad scope kind " + std::to_string(kind));
    rule.effect = static_cast<Effect>(effect);
    rule.kind = static_cast<ScopeKind>(kind);
    if (!r.Str(&rule.origin, kBlobMaxString) || !r.Str(&rule.capability, kBlobMaxString) ||
        !r.Str(&rule.scope, kBlobMaxString)) {
      return BlobError(r.offset(), which + ": truncated or over-long string");
    }
    if (rule.origin.empty() || rule.origin.find('\0') != std::string::npos) {
      return BlobError(at, which + ": origin is empty or contains a NUL byte");
    }
    if (!ValidCapabilityName(rule.capability)) return BlobError(at, which + ": bad capability name");
    if (ScopeKindFor(rule.capability) != rule.kind) {
      return BlobError(at, which + ": capability " + rule.capability + " needs scope kind " +
                               ScopeKindName(ScopeKindFor(rule.capability)) + ", got " + ScopeKindName(rule.kind));
    }
    std::string bad = ValidateScope(rule);
    if (!bad.empty()) return BlobError(at, which + ": " + bad);
    out.rules.push_back(std::move(rule));
  }
  if (r.remaining() != 0) return BlobError(r.offset(), "trailing bytes after the last rule");
  return Result<ParsedBlob>::Of(std::move(out));
}

// ---------------------------------------------------------------- path trie

struct PathTrie::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> kids;
  int value = -1;
};

PathTrie::PathTrie() : root_(std::make_unique<Node>()) {}
PathTrie::~PathTrie() = default;
PathTrie::PathTrie(PathTrie&&) noexcept = default;
PathTrie& PathTrie::operator=(PathTrie&&) noexcept = default;

void PathTrie::Insert(const Components& path, int value) {
  Node* n = root_.get();
  for (const auto& c : path) {
    auto& kid = n->kids[c];
    if (!kid) kid = std::make_unique<Node>();
    n = kid.get();
  }
  if (n->value < 0) ++size_;
  n->value = value;
}

void PathTrie::ForEachPrefix(const Components& path, const std::function<void(int, size_t)>& fn) const {
  if (size_ == 0) return;
  const Node* n = root_.get();
  if (n->value >= 0) fn(n->value, 0);
  for (size_t i = 0; i < path.size(); ++i) {
    auto it = n->kids.find(path[i]);
    if (it == n->kids.end()) return;
    n = it->second.get();
    if (n->value >= 0) fn(n->value, i + 1);
  }
}

// ---------------------------------------------------------------- policy

namespace {
std::string Key(std::string_view origin, std::string_view cap) {
  std::string k;
  k.reserve(origin.size() + cap.size() + 1);
  k.append(origin);
  k.push_back('\0');
  k.append(cap);
  return k;
}
}  // namespace

Result<std::shared_ptr<const Policy>> Policy::Build(ParsedBlob blob, const RootOpener& opener) {
  auto p = std::make_shared<Policy>();
  p->limits_ = blob.limits;
  p->flags_ = blob.flags;
  p->ruleCount_ = blob.rules.size();
  std::unordered_map<std::string, int> rootIds;
  for (auto& rule : blob.rules) {
    CapRules& cr = p->byKey_[Key(rule.origin, rule.capability)];
    bool grant = rule.effect == Effect::kGrant;
    switch (rule.kind) {
      case ScopeKind::kNone:
        (grant ? cr.grantAll : cr.denyAll) = true;
        break;
      case ScopeKind::kPath: {
        auto [it, inserted] = rootIds.emplace(rule.scope, static_cast<int>(p->roots_.size()));
        if (inserted) {
          RootInfo info;
          info.path = rule.scope;
          SplitNormalizedPath(rule.scope, &info.components);  // validated by ParseBlob
          p->roots_.push_back(std::move(info));
        }
        RootInfo& root = p->roots_[it->second];
        (grant ? root.usedByGrant : root.usedByDeny) = true;
        (grant ? cr.grantPaths : cr.denyPaths).Insert(root.components, it->second);
        break;
      }
      default:
        (grant ? cr.grantValues : cr.denyValues).insert(rule.scope);
        break;
    }
  }
  // Open every root once; deny roots also index their real path.
  for (size_t id = 0; id < p->roots_.size(); ++id) {
    p->roots_[id].facts = opener(static_cast<int>(id), p->roots_[id].path);
  }
  for (auto& rule : blob.rules) {
    if (rule.effect != Effect::kDeny || rule.kind != ScopeKind::kPath) continue;
    int id = rootIds[rule.scope];
    const RootInfo& root = p->roots_[id];
    if (root.facts.exists) p->byKey_[Key(rule.origin, rule.capability)].denyReal.Insert(root.facts.real, id);
  }
  return Result<std::shared_ptr<const Policy>>::Of(std::move(p));
}

const CapRules* Policy::Find(std::string_view origin, std::string_view cap) const {
  auto it = byKey_.find(Key(origin, cap));
  return it == byKey_.end() ? nullptr : &it->second;
}

PathDecision Policy::DecidePath(std::string_view origin, std::string_view cap, const Components& path) const {
  PathDecision d;
  const CapRules* sets[2] = {Find(origin, cap), origin == "*" ? nullptr : Find("*", cap)};
  int denyRoot = -1;
  for (const CapRules* cr : sets) {
    if (cr == nullptr) continue;
    cr->denyPaths.ForEachPrefix(path, [&](int id, size_t) {
      if (denyRoot < 0) denyRoot = id;
    });
  }
  if (denyRoot >= 0) {
    d.verdict = Verdict::kDenied;
    d.root = denyRoot;
    return d;
  }
  for (const CapRules* cr : sets) {
    if (cr == nullptr) continue;
    cr->grantPaths.ForEachPrefix(path, [&](int id, size_t depth) {
      const RootInfo& root = roots_[id];
      bool usable = root.facts.exists && root.facts.isDirectory;
      if (!usable) {
        d.inertGrant = true;
        return;
      }
      if (d.root < 0 || depth > d.rootDepth) {
        d.root = id;
        d.rootDepth = depth;
      }
    });
  }
  if (d.root >= 0) d.verdict = Verdict::kAllowed;
  return d;
}

int Policy::DeniedReal(std::string_view origin, std::string_view cap, const Components& real) const {
  int hit = -1;
  const CapRules* sets[2] = {Find(origin, cap), origin == "*" ? nullptr : Find("*", cap)};
  for (const CapRules* cr : sets) {
    if (cr == nullptr) continue;
    cr->denyReal.ForEachPrefix(real, [&](int id, size_t) {
      if (hit < 0) hit = id;
    });
  }
  return hit;
}

Verdict Policy::DecideValue(std::string_view origin, std::string_view cap, const std::string& value) const {
  const CapRules* sets[2] = {Find(origin, cap), origin == "*" ? nullptr : Find("*", cap)};
  bool granted = false;
  for (const CapRules* cr : sets) {
    if (cr == nullptr) continue;
    if (cr->denyAll || cr->denyValues.count(value) != 0) return Verdict::kDenied;
    if (cr->grantAll || cr->grantValues.count(value) != 0) granted = true;
  }
  return granted ? Verdict::kAllowed : Verdict::kNotCovered;
}

Verdict Policy::DecideNone(std::string_view origin, std::string_view cap) const {
  const CapRules* sets[2] = {Find(origin, cap), origin == "*" ? nullptr : Find("*", cap)};
  bool granted = false;
  for (const CapRules* cr : sets) {
    if (cr == nullptr) continue;
    if (cr->denyAll) return Verdict::kDenied;
    if (cr->grantAll) granted = true;
  }
  return granted ? Verdict::kAllowed : Verdict::kNotCovered;
}

}  // namespace capwire
