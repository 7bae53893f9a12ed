// src/io/atomic_file.h: the library's side of lograd/atomic_file.h, with its test hooks.
#pragma once

#include <cstdint>

#include "lograd/atomic_file.h"

namespace lograd::io {

using lograd::write_file_atomically;

// Test hook: while >= 0, write_file_atomically fails with ENOSPC after writing this many bytes
// of the temporary file (simulating a full disk mid-write). -1 (the default) turns it off.
void set_write_failure_after_bytes_for_testing(int64_t bytes);

// Test hook: called with the temporary file's path once it is written, before the rename
// (nullptr, the default, for none).
void set_before_rename_hook_for_testing(void (*hook)(const char* temp_path));

}  // namespace lograd::io
