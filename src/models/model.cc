#include "lograd/model.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "lograd/error.h"

namespace lograd {
namespace {

template <class M>
struct IsCsr : std::false_type {};
template <class T>
struct IsCsr<CsrMatrix<T>> : std::true_type {};

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

// sigma(z) = 1 / (1 + e^-z), without overflow for either sign of z.
double stable_sigmoid(double z) {
  if (z >= 0) return 1 / (1 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1 + e);
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
  const std::vector<double> wr = raw_weights();
  const double br = raw_bias();
  const int64_t n = n_features;
  std::vector<double> p(static_cast<size_t>(x.rows()));
  x.visit([&](const auto& m) {
    using M = std::remove_cvref_t<decltype(m)>;
    if constexpr (IsCsr<M>::value) {
      // X: (rows, cols) CSR; columns >= n_features are skipped.
      for (int64_t r = 0; r < m.rows; ++r) {
        double z = br;
        for (int64_t k = m.row_ptr[static_cast<size_t>(r)];
             k < m.row_ptr[static_cast<size_t>(r) + 1]; ++k) {
          const int64_t c = m.col[static_cast<size_t>(k)];
          if (c < n)
            z += wr[static_cast<size_t>(c)] * static_cast<double>(m.val[static_cast<size_t>(k)]);
        }
        p[static_cast<size_t>(r)] = stable_sigmoid(z);
      }
    } else {
      // X: (rows, cols) row-major; only the first min(cols, n_features) columns count.
      const int64_t cols = m.dim(1);
      const int64_t used = std::min(cols, n);
      for (int64_t r = 0; r < m.dim(0); ++r) {
        const auto* row = m.data() + r * cols;
        double z = br;
        for (int64_t c = 0; c < used; ++c)
          z += wr[static_cast<size_t>(c)] * static_cast<double>(row[c]);
        p[static_cast<size_t>(r)] = stable_sigmoid(z);
      }
    }
  });
  return p;
}

}  // namespace lograd
