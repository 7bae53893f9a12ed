// lograd/checkpoint.h: a training checkpoint: the solver's full state, the options that decide
// the result and a fingerprint of the data, so that a resumed run continues to the same result
// as one that was never stopped, and refuses other data or other options.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lograd/dataset.h"
#include "lograd/solver.h"

namespace lograd {

// What identifies a training set without storing it.
struct DataFingerprint {
  int64_t rows = 0, cols = 0, stored = 0;
  std::string labels;    // hash of the classes, the per-row labels and the example weights
  std::string features;  // hash of the feature storage (values and indices)
};

// The fingerprint of data: its shape and stored count, and 64-bit hashes ("fnv1a64:<hex>") of
// its labels and of its features (one cheap pass over the storage).
DataFingerprint fingerprint(const Dataset& data);

// Each way `now` differs from `then` ("rows: 32561 in the checkpoint, 1000 now"); empty when
// they match.
std::vector<std::string> fingerprint_differences(const DataFingerprint& then,
                                                 const DataFingerprint& now);

struct Checkpoint {
  static constexpr const char* kFormat = "lograd-checkpoint";
  static constexpr int kVersion = 1;

  nlohmann::json options;  // the training options that decide the result (train.cc writes them)
  DataFingerprint data;
  int threads = 0;  // kernel threads: results are bit-identical only at the same count
  SolverState state;
};

// Writes the checkpoint as versioned JSON with a checksum (format "lograd-checkpoint"), to a
// temporary file in the same directory, synced, then renamed over `path`. Throws ValueError
// when a number in it is not finite.
void save_checkpoint(const Checkpoint& checkpoint, const std::string& path);

// Reads a file written by save_checkpoint. Throws Error naming the file and what is wrong
// (not a checkpoint, another version, a checksum mismatch, a missing or malformed field).
Checkpoint load_checkpoint(const std::string& path);

}  // namespace lograd
