// lograd/fingerprint.h: what identifies a training set without storing it (checkpoints keep
// one, so a resumed run refuses other data; under MPI, ranks can compare theirs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lograd/dataset.h"

namespace lograd {

// What identifies a training set without storing it.
struct DataFingerprint {
  int64_t rows = 0, cols = 0, stored = 0;
  std::string labels;    // hash of the classes, the per-row labels and the example weights
  std::string features;  // hash of the feature storage (values and indices)
  int ranks = 1;         // data-parallel: the parts it was read in (the hashes are of the parts')
};

// The fingerprint of data: its shape and stored count, and 64-bit hashes ("fnv1a64:<hex>") of
// its labels and of its features (one cheap pass over the storage).
DataFingerprint fingerprint(const Dataset& data);

// The fingerprint of the data whose parts, in rank order, have the fingerprints `parts`:
// rows and stored entries summed, hashes of the parts' hashes. It depends on how the data was
// split, so a checkpoint of K ranks resumes under K ranks only.
DataFingerprint combine_fingerprints(const std::vector<DataFingerprint>& parts);

// Each way `now` differs from `then` ("rows: 32561 in the checkpoint, 1000 now"); empty when
// they match.
std::vector<std::string> fingerprint_differences(const DataFingerprint& then,
                                                 const DataFingerprint& now);

}  // namespace lograd
