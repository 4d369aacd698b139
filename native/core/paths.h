// capwire core: lexical path handling. Pure string work, no OS access.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace capwire {

using Components = std::vector<std::string>;

// A request path after lexical normalization: absolute, no "." or "..",
// no empty components. `..` at the top stays at "/" (like the kernel).
struct RequestPath {
  Components components;
  bool trailingSlash = false;  // the caller wrote "dir/": the target must be a directory
  std::string normalized;      // "/" + join(components, "/")
};

constexpr size_t kMaxRequestPathBytes = 4096;

// Validates and normalizes a path from a request: empty, relative, NUL bytes and
// over-long paths are INVALID_ARGUMENT. `context` prefixes error messages.
Result<RequestPath> ParseRequestPath(std::string_view raw, const std::string& context);

// Splits a policy path, which must already be absolute and normalized
// ("/", "/a/b"; no "//", ".", "..", trailing "/"). Returns false otherwise.
bool SplitNormalizedPath(std::string_view path, Components* out);

// Joins components into "/a/b" ("/" for none).
std::string JoinPath(const Components& comps, size_t begin = 0, size_t end = std::string::npos);

// Relative spelling of comps[begin..] ("a/b", or "." when empty).
std::string RelativePath(const Components& comps, size_t begin);

// True when `prefix` is a component-wise prefix of `path` (equal counts too).
bool IsComponentPrefix(const Components& prefix, const Components& path);

}  // namespace capwire
