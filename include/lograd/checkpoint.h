// lograd/checkpoint.h: a training checkpoint: the solver's full state, the options that decide
// the result and a fingerprint of the data, so that a resumed run continues to the same result
// as one that was never stopped, and refuses other data or other options.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lograd/dataset.h"
#include "lograd/fingerprint.h"
#include "lograd/solver.h"

namespace lograd {

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
