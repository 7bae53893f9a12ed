// lograd/binary_cache.h: a binary copy of a parsed dataset (.lgb) that loads at disk and
// memory speed, so repeated runs skip text parsing (`lograd convert DATA -o data.lgb`).
#pragma once

#include <string>

#include "lograd/dataset.h"

namespace lograd {

// Writes data to path atomically (temporary file, fsync, rename), in its in-memory storage
// form (dense or CSR, float32 or float64), with labels, weights, feature names and encoding.
void write_binary_cache(const Dataset& data, const std::string& path);

// Reads a file written by write_binary_cache. Throws Error naming the file and what is wrong
// when it is truncated, corrupt, of another version or not a cache at all.
Dataset read_binary_cache(const std::string& path);

// True when the file at path starts with the cache's magic bytes.
bool is_binary_cache(const std::string& path);

}  // namespace lograd
