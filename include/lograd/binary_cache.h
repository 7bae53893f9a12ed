// lograd/binary_cache.h: a binary copy of a parsed dataset (.lgb) that loads at disk and
// memory speed, so repeated runs skip text parsing (`lograd convert DATA -o data.lgb`).
#pragma once

#include <string>

#include "lograd/collective.h"
#include "lograd/dataset.h"
#include "lograd/readers.h"

namespace lograd {

// Writes data to path atomically (temporary file, fsync, rename), in its in-memory storage
// form (dense or CSR, float32 or float64), with labels, weights, feature names and encoding.
// `key`, when given, is stored in the header for read_dataset_cached to recognise its source.
void write_binary_cache(const Dataset& data, const std::string& path,
                        const std::string& key = "");

// Data-parallel write_binary_cache: every rank's `part` (contiguous parts, in rank order, of
// one file read with `options`) written as the one cache one process writes from the whole
// file: storage, value type and width decided over all parts, classes in first-seen order. The
// part is left stored and numbered as the cache stores it. Rank 0 writes; the other ranks send
// their arrays in pieces of at most 8 MB. With Storage::kAuto the parts must be CSR, their
// entries as read (the total entry count decides the storage, as in one process). Throws, on every rank, when the parts are every K-th
// example (gzip) and when rank 0's write fails.
void write_binary_cache_ranks(Dataset& part, const std::string& path, const std::string& key,
                              const ReadOptions& options, Collective& c);

// Reads a file written by write_binary_cache. Throws Error naming the file and what is wrong
// when it is truncated, corrupt, of another version or not a cache at all.
Dataset read_binary_cache(const std::string& path);

// Rows [part * M / parts, (part + 1) * M / parts) of the M rows of a cache, for data-parallel
// training: only that slice of the stored arrays is read (seeks, not the whole file), checked
// as read_binary_cache checks the whole; classes, feature names and encoding are the cache's
// own, whole (so a label index means the same class in every part).
Dataset read_binary_cache_part(const std::string& path, int part, int parts);

// True when the file at path starts with the cache's magic bytes.
bool is_binary_cache(const std::string& path);

// Reads the data file `path` through the cache file `cache` (`lograd train --cache`): loads the
// cache when it was written from this file, as it is now (size and modification time), read
// with the same options; otherwise reads the file and writes the cache for the next run. Sets
// *hit to whether the cache was loaded.
Dataset read_dataset_cached(const std::string& path, const std::string& cache,
                            const ReadOptions& options, bool* hit);

// Data-parallel read_dataset_cached: rank c.rank()'s rows of `cache` when it stands for `path`
// read with `options` (a cache from `lograd convert`, which records no source, is taken as it
// is); otherwise every rank reads its part of `path` and the ranks write the cache together
// (write_binary_cache_ranks); a gzip file, whose parts are every K-th line, is read whole by
// rank 0 alone (one process's memory, once), which writes the cache, and every rank then reads
// its rows from the cache. Sets *hit (on every rank alike).
Dataset read_dataset_cached_part(const std::string& path, const std::string& cache,
                                 const ReadOptions& options, Collective& c, bool* hit);

}  // namespace lograd
