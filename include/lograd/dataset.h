// lograd/dataset.h: a labelled dataset, as the readers produce it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lograd/data_matrix.h"

namespace lograd {

// How one CSV column became features (saved in the model, replayed at prediction).
struct CsvColumn {
  enum class Kind { kNumeric, kCategorical, kLabel, kWeight };
  std::string name;                 // header name, or "column N" (1-based) without a header
  Kind kind = Kind::kNumeric;
  int64_t first_feature = -1;       // index of its first feature column (numeric: the only one)
  std::vector<std::string> categories;  // kCategorical: one feature per category, in this order
  double fill = 0;                  // value used for a missing entry under --missing zero|mean
};

struct CsvEncoding {
  char delimiter = ',';
  bool header = false;
  std::vector<CsvColumn> columns;   // one per column of the file, in file order
  std::string missing;              // the training's missing-value policy: "error", "skip-row",
                                    // "zero", "mean"; "" in models from before it was saved
  bool empty() const { return columns.empty(); }
};

// What a CSV reader does with an empty or NA value: refuse it, drop its row, read 0, or read
// the column's mean.
enum class MissingPolicy { kError, kSkipRow, kZero, kMean };

// The policy's name as CsvEncoding::missing and the CLI's --missing spell it.
inline const char* missing_policy_name(MissingPolicy p) {
  switch (p) {
    case MissingPolicy::kSkipRow: return "skip-row";
    case MissingPolicy::kZero: return "zero";
    case MissingPolicy::kMean: return "mean";
    case MissingPolicy::kError: break;
  }
  return "error";
}

// The policy `name` spells, or nullopt for any other text ("" included).
inline std::optional<MissingPolicy> parse_missing_policy(const std::string& name) {
  for (MissingPolicy p : {MissingPolicy::kError, MissingPolicy::kSkipRow, MissingPolicy::kZero,
                          MissingPolicy::kMean})
    if (name == missing_policy_name(p)) return p;
  return std::nullopt;
}

// Examples with their original labels. Labels are kept as distinct class names; the trainer
// maps two of them to 0/1 (see binary_targets in lograd/labels.h).
struct Dataset {
  DataMatrix x;                            // (rows, features)
  std::vector<int32_t> label;              // per row, index into `classes`
  std::vector<std::string> classes;        // distinct labels, canonical text, first-seen order
  std::vector<double> weight;              // per-row sample weight; empty means all 1
  std::vector<std::string> feature_names;  // empty for LIBSVM data
  CsvEncoding encoding;                    // empty for LIBSVM data
  std::string source;                      // the path it was read from
  int64_t skipped_rows = 0;                // CSV rows dropped by MissingPolicy::kSkipRow
  int64_t unseen_categories = 0;           // CSV read with a model's encoding: values of its
                                           // categorical columns that it does not know (all 0)
  // Data-parallel reading (ReadOptions::shard_count > 1): which of the whole file's examples
  // this part holds, so a global shuffle can pick the same minibatches as one process.
  // shard_stride 0: a contiguous range, parts in rank order (where it starts follows from the
  // ranks' counts); shard_stride K: examples shard_first, shard_first + K, ... (every K-th line).
  int64_t shard_first = 0, shard_stride = 0;
  int64_t rows() const { return x.rows(); }
  int64_t cols() const { return x.cols(); }
};

// The rows of `parts` one after another, as one dataset (the files of a directory): classes in
// first-seen order over the parts, with the labels renumbered; sample weights kept (1 for a
// part without); the matrix CSR if any part is, float64 if any part is, as wide as the widest.
// Throws ValueError when the parts' feature names or CSV encodings differ.
Dataset concat_rows(std::vector<Dataset> parts);

// x's entries stored as CSR (`sparse`) or dense, in float64 or float32 (only widening: float64
// values throw std::logic_error), at least `cols` wide.
DataMatrix convert_matrix(const DataMatrix& x, bool sparse, bool float64, int64_t cols);

}  // namespace lograd
