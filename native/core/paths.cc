#include "paths.h"

namespace capwire {

Result<RequestPath> ParseRequestPath(std::string_view raw, const std::string& context) {
  using R = Result<RequestPath>;
  if (raw.empty()) {
    return R::Fail(Status::Error(Code::kInvalidArgument, context + ": path is empty (pass an absolute path)"));
  }
  if (raw.find('\0') != std::string_view::npos) {
    return R::Fail(Status::Error(Code::kInvalidArgument, context + ": path contains a NUL byte"));
  }
  if (raw.size() > kMaxRequestPathBytes) {
    return R::Fail(Status::Error(Code::kInvalidArgument,
                                 context + ": path is longer than " + std::to_string(kMaxRequestPathBytes) + " bytes"));
  }
  if (raw.front() != '/') {
    return R::Fail(Status::Error(Code::kInvalidArgument,
                                 context + ": path \"" + std::string(raw) + "\" is relative (pass an absolute path)"));
  }
  RequestPath out;
  out.trailingSlash = raw.size() > 1 && raw.back() == '/';
  size_t i = 0;
  while (i < raw.size()) {
    while (i < raw.size() && raw[i] == '/') ++i;
    size_t j = i;
    while (j < raw.size() && raw[j] != '/') ++j;
    std::string_view comp = raw.substr(i, j - i);
    if (comp.empty() || comp == ".") {
      // skip
    } else if (comp == "..") {
      if (!out.components.empty()) out.components.pop_back();
    } else {
      out.components.emplace_back(comp);
    }
    i = j;
  }
  out.normalized = JoinPath(out.components);
  return R::Of(std::move(out));
}

bool SplitNormalizedPath(std::string_view path, Components* out) {
  out->clear();
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  if (path == "/") return true;
  if (path.back() == '/') return false;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view comp = path.substr(i, j - i);
    if (comp.empty() || comp == "." || comp == "..") return false;
    out->emplace_back(comp);
    i = j + 1;
  }
  return true;
}

std::string JoinPath(const Components& comps, size_t begin, size_t end) {
  if (end > comps.size()) end = comps.size();
  if (begin >= end) return "/";
  std::string s;
  for (size_t i = begin; i < end; ++i) {
    s += '/';
    s += comps[i];
  }
  return s;
}

std::string RelativePath(const Components& comps, size_t begin) {
  if (begin >= comps.size()) return ".";
  std::string s;
  for (size_t i = begin; i < comps.size(); ++i) {
    if (i > begin) s += '/';
    s += comps[i];
  }
  return s;
}

bool IsComponentPrefix(const Components& prefix, const Components& path) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != path[i]) return false;
  }
  return true;
}

}  // namespace capwire
