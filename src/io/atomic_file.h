// src/io/atomic_file.h: replacing a file so that readers see the old or the new content, never
// a mixture (temporary file in the same directory, fsync, rename, fsync of the directory).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lograd::io {

// Writes `content` to `<dir>/.<name>.tmp.<pid>`, syncs it, renames it over `path` and syncs the
// directory. On failure removes the temporary file, leaves `path` untouched, and throws Error
// naming the path, the step that failed and the errno text.
void write_file_atomically(const std::string& path, std::string_view content);

// Test hook: while >= 0, write_file_atomically fails with ENOSPC after writing this many bytes
// of the temporary file (simulating a full disk mid-write). -1 (the default) turns it off.
void set_write_failure_after_bytes_for_testing(int64_t bytes);

}  // namespace lograd::io
