// capwire core: proof-carrying handles. Only the Checker (engine.cc) can build
// a non-empty one, after the policy allowed the request and the kernel resolved
// it beneath a granted root; OS wrappers (fs_ops.h) accept nothing else, so an
// unchecked path cannot reach open/unlink/rename.
#pragma once

#include <string>

#include "fd.h"
#include "paths.h"
#include "status.h"

namespace capwire {

class Checker;

// An object opened (O_PATH) beneath a granted root and checked against deny rules.
class OpenedObject {
 public:
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }  // normalized request path, for messages
  const Components& real() const { return real_; }   // real path of the opened object

 private:
  friend class Checker;
  // Result<OpenedObject> needs an empty state: no fd, so OS calls on it fail with EBADF.
  template <class T>
  friend struct Result;
  OpenedObject() = default;
  OpenedObject(UniqueFd fd, std::string path, Components real)
      : fd_(std::move(fd)), path_(std::move(path)), real_(std::move(real)) {}
  UniqueFd fd_;
  std::string path_;
  Components real_;
};

// A directory opened beneath a granted root plus one final name inside it, for
// operations that create, replace or remove that name (never following it).
class CheckedEntry {
 public:
  int dirFd() const { return dir_.get(); }
  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }

 private:
  friend class Checker;
  template <class T>
  friend struct Result;
  CheckedEntry() = default;
  CheckedEntry(UniqueFd dir, std::string name, std::string path)
      : dir_(std::move(dir)), name_(std::move(name)), path_(std::move(path)) {}
  UniqueFd dir_;
  std::string name_;
  std::string path_;
};

}  // namespace capwire
