// capwire core: filesystem operations on checked handles only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checked.h"
#include "status.h"

namespace capwire {

using Bytes = std::vector<uint8_t>;

struct StatInfo {
  uint64_t size = 0;
  bool isFile = false;
  bool isDirectory = false;
  double mtimeMs = 0;
};

struct DirEntry {
  std::string name;
  bool isFile = false;
  bool isDirectory = false;
};

struct EntryKind {
  bool isFile = false;
  bool isDirectory = false;
};

// Reads a regular file; more than maxBytes -> PAYLOAD_TOO_LARGE.
Result<Bytes> ReadOpenedFile(const OpenedObject& obj, uint64_t offset, std::optional<uint64_t> length,
                             uint64_t maxBytes, const std::string& ctx);
Result<StatInfo> StatOpened(const OpenedObject& obj, const std::string& ctx);
// Lists a directory; `classify(name, dtype)` decides what each entry reports
// (the checker re-resolves symlinks beneath the root and applies deny rules).
Result<std::vector<DirEntry>> ListOpenedDir(const OpenedObject& obj,
                                            const std::function<EntryKind(const std::string&, unsigned char)>& classify,
                                            const std::string& ctx);

struct WriteOptions {
  bool append = false;
  uint64_t maxBytes = 8u << 20;
  uint64_t failAfterBytes = UINT64_MAX;  // test hook: simulate an I/O error mid-write
};
// Atomic replace: temp file in the same directory, write, fsync, renameat.
Result<uint64_t> WriteEntryAtomic(const CheckedEntry& entry, const uint8_t* data, size_t size,
                                  const WriteOptions& opts, const std::string& ctx);
Status MkdirEntry(const CheckedEntry& entry, const std::string& ctx);
// Removes a file, symlink (the link itself) or empty directory.
Status RemoveEntry(const CheckedEntry& entry, const std::string& ctx);

}  // namespace capwire
