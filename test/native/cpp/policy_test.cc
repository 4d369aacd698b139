// Blob parsing (fuzz-safe), lexical paths and policy decisions.
#include <random>

#include "helpers.h"
#include "runner.h"

using namespace capwire;
using namespace capwire_test;

namespace {

std::vector<BlobRule> SampleRules() {
  return {{false, "app://main", "fs.read", "/ws/data"},
          {true, "*", "fs.read", "/ws/data/private"},
          {false, "*", "env.read", "HOME"},
          {false, "app://main", "process.spawn", "/bin/echo"},
          {false, "app://main", "net.connect", "127.0.0.1:8080"},
          {false, "app://main", "os.info", ""},
          {false, "app://main", "notes.write", ""}};
}

Code ParseCode(const std::vector<uint8_t>& b) { return ParseBlob(b.data(), b.size()).status.code; }

}  // namespace

TEST_CASE("blob: a valid blob parses with its limits and rules") {
  Limits l;
  l.maxReadBytes = 1234;
  auto b = MakeBlob(SampleRules(), l);
  auto r = ParseBlob(b.data(), b.size());
  EXPECT_MSG(r.ok(), r.status.message);
  EXPECT_EQ(r.value.rules.size(), size_t{7});
  EXPECT_EQ(r.value.limits.maxReadBytes, uint64_t{1234});
  EXPECT_EQ(r.value.rules[1].effect == Effect::kDeny, true);
  EXPECT_EQ(r.value.rules[3].scope, std::string("/bin/echo"));
}

TEST_CASE("blob: every truncation is INVALID_ARGUMENT, never a crash") {
  auto b = MakeBlob(SampleRules());
  for (size_t n = 0; n < b.size(); ++n) {
    std::vector<uint8_t> cut(b.begin(), b.begin() + static_cast<long>(n));
    EXPECT_EQ(static_cast<int>(ParseCode(cut)), static_cast<int>(Code::kInvalidArgument));
  }
  EXPECT_EQ(static_cast<int>(ParseBlob(nullptr, 0).status.code), static_cast<int>(Code::kInvalidArgument));
}

TEST_CASE("blob: header checks (magic, version, flags, trailing bytes, counts, limits)") {
  auto good = MakeBlob(SampleRules());
  auto b = good;
  b[0] = 'X';
  EXPECT_EQ(static_cast<int>(ParseCode(b)), 3);
  b = good;
  b[4] = 2;
  EXPECT_TRUE(ParseBlob(b.data(), b.size()).status.message.find("version 2") != std::string::npos);
  b = good;
  b[7] = 0x80;
  EXPECT_EQ(static_cast<int>(ParseCode(b)), 3);
  b = good;
  b.push_back(0);
  EXPECT_EQ(static_cast<int>(ParseCode(b)), 3);
  b = good;
  b[40] = 0xff;
  b[41] = 0xff;
  b[42] = 0xff;
  b[43] = 0xff;
  EXPECT_EQ(static_cast<int>(ParseCode(b)), 3);
  Limits zero;
  zero.maxReadBytes = 0;
  EXPECT_EQ(static_cast<int>(ParseCode(MakeBlob({}, zero))), 3);
  EXPECT_EQ(static_cast<int>(ParseCode(MakeBlob({}))), 0);
}

TEST_CASE("blob: rule validation (scope kinds, normalized paths, empty origin, NUL)") {
  auto bad = [](BlobRule r) { return static_cast<int>(ParseCode(MakeBlob({r}))); };
  EXPECT_EQ(bad({false, "", "fs.read", "/a"}), 3);
  EXPECT_EQ(bad({false, "o", "fs.read", "a/b"}), 3);
  EXPECT_EQ(bad({false, "o", "fs.read", "/a/../b"}), 3);
  EXPECT_EQ(bad({false, "o", "fs.read", "/a/"}), 3);
  EXPECT_EQ(bad({false, "o", "fs.read", "/a//b"}), 3);
  EXPECT_EQ(bad({false, "o", "fs.read", std::string("/a\0b", 4)}), 3);
  EXPECT_EQ(bad({false, "o", "os.info", "x"}), 3);
  EXPECT_EQ(bad({false, "o", "env.read", ""}), 3);
  EXPECT_EQ(bad({false, "o", "env.read", "A=B"}), 3);
  EXPECT_EQ(bad({false, "o", "process.spawn", "echo"}), 3);
  EXPECT_EQ(bad({false, "o", "bad cap", ""}), 3);
  EXPECT_EQ(bad({false, "o", "fs.read", "/"}), 0);
  // A scope kind byte that disagrees with the capability.
  auto b = MakeBlob({{false, "o", "fs.read", "/a"}});
  b[45] = 2;
  EXPECT_EQ(static_cast<int>(ParseCode(b)), 3);
}

TEST_CASE("blob: 50,000 random mutations never crash and never half-parse") {
  auto good = MakeBlob(SampleRules());
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int i = 0; i < 50000; ++i) {
    auto b = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      switch (rng() % 4) {
        case 0: b[rng() % b.size()] = static_cast<uint8_t>(rng()); break;
        case 1: b.resize(rng() % (b.size() + 1)); if (b.empty()) b.push_back(0); break;
        case 2: b.insert(b.begin() + static_cast<long>(rng() % b.size()), static_cast<uint8_t>(rng())); break;
        case 3: b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
      }
    }
    auto r = ParseBlob(b.data(), b.size());
    if (r.ok()) {
      ++accepted;
      for (const auto& rule : r.value.rules) EXPECT_TRUE(ScopeKindFor(rule.capability) == rule.kind);
    } else {
      EXPECT_EQ(static_cast<int>(r.status.code), 3);
    }
  }
  EXPECT_TRUE(accepted < 50000);
}

TEST_CASE("paths: normalization and invalid input") {
  auto norm = [](const std::string& p) {
    auto r = ParseRequestPath(p, "t");
    return r.ok() ? r.value.normalized : "ERR:" + std::string(CodeName(r.status.code));
  };
  EXPECT_EQ(norm("/ws/data/./../data-evil"), std::string("/ws/data-evil"));
  EXPECT_EQ(norm("//ws//data//"), std::string("/ws/data"));
  EXPECT_EQ(norm("/../../etc"), std::string("/etc"));
  EXPECT_EQ(norm("/"), std::string("/"));
  EXPECT_EQ(norm(""), std::string("ERR:INVALID_ARGUMENT"));
  EXPECT_EQ(norm("ws/data"), std::string("ERR:INVALID_ARGUMENT"));
  EXPECT_EQ(norm(std::string("/ws/a\0b", 7)), std::string("ERR:INVALID_ARGUMENT"));
  EXPECT_EQ(norm("/" + std::string(5000, 'a')), std::string("ERR:INVALID_ARGUMENT"));
  EXPECT_TRUE(ParseRequestPath("/ws/data/", "t").value.trailingSlash);
}

TEST_CASE("trie: component prefixes only, deepest grant wins") {
  PathTrie t;
  Components a, b;
  SplitNormalizedPath("/ws/data", &a);
  SplitNormalizedPath("/ws/data/out", &b);
  t.Insert(a, 1);
  t.Insert(b, 2);
  auto hits = [&](const std::string& p) {
    Components c;
    SplitNormalizedPath(p, &c);
    std::string s;
    t.ForEachPrefix(c, [&](int v, size_t) { s += std::to_string(v); });
    return s;
  };
  EXPECT_EQ(hits("/ws/data"), std::string("1"));
  EXPECT_EQ(hits("/ws/data/out/x"), std::string("12"));
  EXPECT_EQ(hits("/ws/data-evil"), std::string(""));
  EXPECT_EQ(hits("/ws/dat"), std::string(""));
  EXPECT_EQ(hits("/ws"), std::string(""));
}

TEST_CASE("check: deny beats grant, wildcard origins, look-alike origins, value scopes") {
  TempDir ws;
  ws.Mkdir("data");
  ws.Mkdir("data/private");
  auto e = OpenOrDie({{false, "app://main", "fs.read", ws / "data"},
                      {true, "*", "fs.read", ws / "data/private"},
                      {false, "*", "env.read", "HOME"},
                      {true, "app://main", "env.read", "SECRET"},
                      {false, "*", "env.read", "SECRET"},
                      {false, "app://main", "notes.write", ""},
                      {true, "app://evil", "os.info", ""},
                      {false, "*", "os.info", ""}},
                     false);
  auto code = [&](const char* origin, const char* cap, const std::string* scope) {
    return std::string(CodeName(e->Check(origin, cap, scope).code));
  };
  std::string p = ws / "data/x", priv = ws / "data/private/x", evil = ws / "data-evil/x";
  std::string home = "HOME", secret = "SECRET", home2 = "HOME_X", lower = "home";
  EXPECT_EQ(code("app://main", "fs.read", &p), std::string("OK"));
  EXPECT_EQ(code("app://main", "fs.read", &priv), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://main", "fs.read", &evil), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://main.evil", "fs.read", &p), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("APP://main", "fs.read", &p), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://main/", "fs.read", &p), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://main", "fs.write", &p), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://other", "env.read", &home), std::string("OK"));
  EXPECT_EQ(code("app://other", "env.read", &home2), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://other", "env.read", &lower), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://main", "env.read", &secret), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://other", "env.read", &secret), std::string("OK"));
  EXPECT_EQ(code("app://main", "notes.write", nullptr), std::string("OK"));
  EXPECT_EQ(code("app://other", "notes.write", nullptr), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://evil", "os.info", nullptr), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(code("app://x", "os.info", nullptr), std::string("OK"));
  EXPECT_EQ(code("app://main", "fs.read", nullptr), std::string("INVALID_ARGUMENT"));
  Status s = e->Check("app://evil", "fs.read", &p);
  EXPECT_TRUE(s.audit.has_value());
  EXPECT_EQ(s.audit->wouldAllow, "{\"capability\":\"fs.read\",\"origins\":[\"app://evil\"],\"paths\":[\"" + p + "\"]}");
  EXPECT_TRUE(s.message.find("app://evil") != std::string::npos);
}

TEST_CASE("check: grants whose root is missing at load are inert and reported") {
  TempDir ws;
  auto e = OpenOrDie({{false, "o", "fs.read", ws / "missing"}}, false);
  std::string p = ws / "missing/x";
  EXPECT_EQ(std::string(CodeName(e->Check("o", "fs.read", &p).code)), std::string("PERMISSION_DENIED"));
  EXPECT_EQ(e->InertRoots().size(), size_t{1});
}
