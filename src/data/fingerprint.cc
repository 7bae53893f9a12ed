// The fingerprint of a training set: its shape and hashes of its labels and features, which a
// checkpoint keeps so that a resumed run refuses other data.
#include "lograd/fingerprint.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "io/hash.h"

namespace lograd {

using detail::Fnv;
using detail::hash_vector;
using detail::WordHash;

DataFingerprint fingerprint(const Dataset& data) {
  DataFingerprint f;
  f.rows = data.rows();
  f.cols = data.cols();
  f.stored = data.x.stored();
  Fnv labels;
  for (const std::string& c : data.classes) labels.add(c);
  WordHash rest;
  hash_vector(rest, data.label);
  hash_vector(rest, data.weight);
  labels.add(rest.text());
  f.labels = labels.text();
  WordHash features;
  data.x.visit([&](const auto& mat) {
    using M = std::decay_t<decltype(mat)>;
    if constexpr (requires { mat.row_ptr; }) {
      hash_vector(features, mat.row_ptr);
      hash_vector(features, mat.col);
      hash_vector(features, mat.val);
    } else {
      static_assert(std::is_same_v<M, Tensor<float>> || std::is_same_v<M, Tensor<double>>);
      hash_vector(features, mat.vec());
    }
  });
  f.features = features.text();
  return f;
}

DataFingerprint combine_fingerprints(const std::vector<DataFingerprint>& parts) {
  if (parts.size() == 1) return parts[0];
  DataFingerprint f;
  f.ranks = static_cast<int>(parts.size());
  Fnv labels, features;
  for (const DataFingerprint& p : parts) {
    f.rows += p.rows;
    f.cols = std::max(f.cols, p.cols);
    f.stored += p.stored;
    labels.add(p.labels);
    features.add(p.features);
  }
  f.labels = labels.text();
  f.features = features.text();
  return f;
}

std::vector<std::string> fingerprint_differences(const DataFingerprint& then,
                                                 const DataFingerprint& now) {
  std::vector<std::string> d;
  auto count = [&](const char* what, int64_t a, int64_t b) {
    if (a != b)
      d.push_back(std::string(what) + ": " + std::to_string(a) + " in the checkpoint, " +
                  std::to_string(b) + " now");
  };
  if (then.ranks != now.ranks) {  // the hashes are of other parts: nothing else compares
    d.push_back("ranks: the checkpoint was written by " + std::to_string(then.ranks) +
                (then.ranks == 1 ? " process" : " ranks (mpirun -np " + std::to_string(then.ranks) + ")") +
                ", this run has " + std::to_string(now.ranks) + "; resume with as many");
    return d;
  }
  count("examples", then.rows, now.rows);
  count("features", then.cols, now.cols);
  count("stored entries", then.stored, now.stored);
  if (then.labels != now.labels) d.push_back("the labels or example weights differ");
  if (then.features != now.features) d.push_back("the feature values differ");
  return d;
}

}  // namespace lograd
