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
  const auto k = static_cast<size_t>(m.outputs());
  if (m.n_features < 0 || m.w.size() != n * k)
    throw ValueError("model has " + std::to_string(m.w.size()) + " weights for " +
                     std::to_string(m.n_features) + " features and " + std::to_string(k) +
                     " output(s)");
  if (!m.multi_class.empty() && (m.labels.names.size() < 2 || m.biases.size() != k))
    throw ValueError("multiclass model has " + std::to_string(m.biases.size()) + " biases for " +
                     std::to_string(m.labels.names.size()) + " classes");
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
  const auto k = static_cast<size_t>(outputs());
  std::vector<double> raw(w.size());
  for (size_t j = 0; j < w.size(); ++j) raw[j] = w[j] / scale[j / k];
  return raw;
}

double Model::raw_bias() const {
  check_sizes(*this);
  double bias = has_bias ? b : 0.0;
  for (size_t j = 0; j < mean.size(); ++j) bias -= w[j] / scale[j] * mean[j];
  return bias;
}

std::vector<double> Model::raw_biases() const {
  check_sizes(*this);
  if (multi_class.empty()) return {raw_bias()};
  const auto k = static_cast<size_t>(outputs());
  std::vector<double> out(k, 0.0);
  if (has_bias) out = biases;
  for (size_t j = 0; j < mean.size(); ++j)
    for (size_t q = 0; q < k; ++q) out[q] -= w[j * k + q] / scale[j] * mean[j];
  return out;
}

std::vector<double> Model::decision(const DataMatrix& x) const {
  const int64_t k = outputs();
  const std::vector<double> br = raw_biases();  // checks the sizes
  // The kernel reads W's first x.cols() rows: W itself serves unless the standardization
  // folds into it or the data has columns beyond the model's (zero rows then); a copy costs
  // n x K doubles (10 MB for news20's 20 classes).
  std::vector<double> wr;
  const double* wp = w.data();
  if (!scale.empty() || x.cols() > n_features) {
    wr = raw_weights();
    wr.resize(static_cast<size_t>(x.cols() * k), 0.0);  // rows of W beyond the data's: cut
    wp = wr.data();
  }
  const MatrixView xv = x.view();
  std::vector<double> z(static_cast<size_t>(x.rows() * k));
  kernels::matmul(xv, kernels::Rows::all(xv), k, wp, br.data(), z.data());
  return z;
}

std::vector<double> Model::class_proba(const DataMatrix& x) const {
  if (multi_class.empty()) {
    const std::vector<double> p = predict_proba(x);
    std::vector<double> out;
    out.reserve(2 * p.size());
    for (double v : p) out.insert(out.end(), {1 - v, v});
    return out;
  }
  const auto k = static_cast<size_t>(outputs());
  std::vector<double> z = decision(x), p(k);
  for (size_t i = 0; i < z.size(); i += k) {
    double* zi = z.data() + i;
    if (multi_class == "multinomial") {
      softmax_term(zi, static_cast<long long>(k), 0, p.data());
    } else {  // ovr: LIBLINEAR's -b 1
      double sum = 0;
      for (size_t q = 0; q < k; ++q) sum += (p[q] = sigmoid(zi[q]));
      for (size_t q = 0; q < k; ++q) p[q] /= sum;
    }
    std::copy(p.begin(), p.end(), zi);
  }
  return z;
}

std::vector<double> Model::predict_proba(const DataMatrix& x) const {
  if (!multi_class.empty())
    throw ValueError("predict_proba gives one probability per example, for binary models; this "
                     "model has " + std::to_string(labels.names.size()) + " classes: use class_proba");
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
