#include "lograd/model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "lograd/error.h"
#include "lograd/kernels.h"
#include "lograd/loss.h"

namespace lograd {
namespace {

// Throws ValueError unless the weight and standardization vectors have n_features entries.
void check_sizes(const Model& m) {
  const auto n = static_cast<size_t>(m.n_features);
  if (m.n_features < 0 || m.w.size() != n)
    throw ValueError("model has " + std::to_string(m.w.size()) + " weights for " +
                     std::to_string(m.n_features) + " features");
  if (m.mean.size() != m.scale.size() || (!m.mean.empty() && m.mean.size() != n))
    throw ValueError("model standardization has " + std::to_string(m.mean.size()) + " means and " +
                     std::to_string(m.scale.size()) + " scales for " +
                     std::to_string(m.n_features) + " features");
}

}  // namespace

std::vector<double> Model::raw_weights() const {
  check_sizes(*this);
  if (scale.empty()) return w;
  // w . (x - mean) / scale = sum_j (w_j / scale_j) x_j - sum_j w_j mean_j / scale_j
  std::vector<double> raw(w.size());
  for (size_t j = 0; j < w.size(); ++j) raw[j] = w[j] / scale[j];
  return raw;
}

double Model::raw_bias() const {
  check_sizes(*this);
  double bias = has_bias ? b : 0.0;
  for (size_t j = 0; j < mean.size(); ++j) bias -= w[j] / scale[j] * mean[j];
  return bias;
}

std::vector<double> Model::predict_proba(const DataMatrix& x) const {
  // z = X w + b through the kernels, with w zero-padded or cut to X's columns: features the
  // model lacks count as 0 in the data, features the data lacks as 0 in the model.
  std::vector<double> wr = raw_weights();
  wr.resize(static_cast<size_t>(x.cols()), 0.0);
  const double br = raw_bias();
  const MatrixView xv = x.view();
  std::vector<double> p(static_cast<size_t>(x.rows()));
  kernels::matmul(xv, kernels::Rows::all(xv), 1, wr.data(), &br, p.data());
  for (double& v : p) v = sigmoid(v);
  return p;
}

}  // namespace lograd
