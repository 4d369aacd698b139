// capwire core: race-free resolution of a path beneath an already-open root.
//
// Primary: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); the kernel refuses
// any `..`, absolute path or symlink that would leave the root (EXDEV) and any
// /proc magic link (ELOOP).
// Fallback (kernels without openat2, or when forced): a component-by-component
// walk with openat(O_PATH | O_NOFOLLOW) holding a stack of directory fds.
// `..` pops our own stack (refused at the root), symlinks are read with
// readlinkat on the fd we hold and spliced into the remaining components;
// absolute targets are refused (like RESOLVE_BENEATH). Magic links are never
// followed because their text is treated like any other symlink text.
#pragma once

#include <string>

#include "fd.h"
#include "paths.h"
#include "status.h"

namespace capwire {

enum class ResolveMode { kOpenat2, kFallback };

// Whether the running kernel supports openat2 (probed once).
bool KernelHasOpenat2();

struct ResolveRequest {
  int rootFd = -1;
  const Components* components = nullptr;  // full normalized request path
  size_t begin = 0;                        // components[begin..] are below the root
  size_t end = 0;                          // exclusive
  bool followFinal = true;
  bool mustBeDir = false;
  ResolveMode mode = ResolveMode::kOpenat2;
};

// Returns an O_PATH|O_CLOEXEC fd or an errno (in *err) on failure.
UniqueFd ResolveBeneath(const ResolveRequest& req, int* err);

// Real path (as components) of an open fd, via /proc/self/fd. Fails closed.
bool RealPathOfFd(int fd, Components* out);

}  // namespace capwire
