// Model: raw weights (standardization folded in) and predict_proba against the closed form
// sigma(w . x + b), over every storage of a data matrix.
#include "lograd/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "lograd/error.h"

namespace lograd {
namespace {

// sigma(z) in long double, as the reference.
double sigmoid_ref(long double z) { return static_cast<double>(1.0L / (1.0L + std::exp(-z))); }

Model small_model() {
  Model m;
  m.n_features = 3;
  m.w = {0.5, -1.25, 2.0};
  m.b = -0.375;
  m.labels.names = {"0", "1"};
  return m;
}

// X: (3, 4) row-major; the fourth column is beyond the model's three features.
const std::vector<double> kX = {1.0,  2.0, 0.0,  9.0,  //
                                0.0,  0.0, 0.0,  0.0,  //
                                -3.0, 0.5, 0.25, -7.0};

std::vector<double> closed_form(const Model& m, const std::vector<double>& x, int64_t cols) {
  std::vector<double> p;
  for (size_t r = 0; r < x.size() / static_cast<size_t>(cols); ++r) {
    long double z = m.b;
    for (int64_t c = 0; c < std::min<int64_t>(cols, m.n_features); ++c)
      z += static_cast<long double>(m.w[static_cast<size_t>(c)]) * x[r * cols + c];
    p.push_back(sigmoid_ref(z));
  }
  return p;
}

TEST(Model, RawWeightsWithoutStandardizationAreTheWeights) {
  const Model m = small_model();
  EXPECT_EQ(m.raw_weights(), m.w);
  EXPECT_EQ(m.raw_bias(), m.b);
  Model nb = m;
  nb.has_bias = false;
  nb.b = 0;
  EXPECT_EQ(nb.raw_bias(), 0.0);
}

TEST(Model, PredictProbaMatchesClosedFormForEveryStorage) {
  const Model m = small_model();
  const std::vector<double> want = closed_form(m, kX, 4);
  const Tensor<double> xd = Tensor<double>::matrix(3, 4, kX);
  const std::vector<DataMatrix> forms = {
      DataMatrix(xd), DataMatrix(xd.cast<float>()), DataMatrix(CsrMatrix<double>::from_dense(xd)),
      DataMatrix(CsrMatrix<float>::from_dense(xd.cast<float>()))};
  for (const DataMatrix& x : forms) {
    SCOPED_TRACE(x.describe());
    const std::vector<double> p = m.predict_proba(x);
    ASSERT_EQ(p.size(), 3u);
    for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], want[i], 1e-15) << "row " << i;
  }
  // Row 1 is all zeros: p = sigma(b).
  EXPECT_NEAR(m.predict_proba(DataMatrix(xd))[1], 1 / (1 + std::exp(0.375)), 1e-16);
}

TEST(Model, MissingColumnsCountAsZero) {
  const Model m = small_model();
  // X: (2, 2): the third feature is absent.
  const Tensor<double> x = Tensor<double>::matrix(2, 2, {1.0, 2.0, -1.0, 0.5});
  const std::vector<double> p = m.predict_proba(DataMatrix(x));
  EXPECT_NEAR(p[0], sigmoid_ref(0.5L - 2.5L - 0.375L), 1e-15);
  EXPECT_NEAR(p[1], sigmoid_ref(-0.5L - 0.625L - 0.375L), 1e-15);
  const std::vector<double> ps = m.predict_proba(DataMatrix(CsrMatrix<double>::from_dense(x)));
  EXPECT_EQ(p, ps);
}

TEST(Model, SigmoidIsStableAtExtremes) {
  Model m;
  m.n_features = 1;
  m.w = {1.0};
  m.b = 0;
  m.labels.names = {"a", "b"};
  const Tensor<double> x = Tensor<double>::matrix(4, 1, {1000.0, -1000.0, -40.0, 40.0});
  const std::vector<double> p = m.predict_proba(DataMatrix(x));
  EXPECT_EQ(p[0], 1.0);
  EXPECT_EQ(p[1], 0.0);
  EXPECT_NEAR(p[2] / std::exp(-40.0), 1.0, 1e-15);  // no cancellation in the left tail
  EXPECT_EQ(p[3], 1.0);
}

TEST(Model, StandardizationFoldsIntoRawWeights) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-3, 3), us(0.1, 4);
  const int64_t n = 6, rows = 20;
  Model m;
  m.n_features = n;
  m.labels.names = {"-1", "1"};
  m.b = u(rng);
  for (int64_t j = 0; j < n; ++j) {
    m.w.push_back(u(rng));
    m.mean.push_back(u(rng));
    m.scale.push_back(us(rng));
  }
  std::vector<double> raw(static_cast<size_t>(rows * n)), standardized(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    raw[i] = u(rng) * 5;
    const size_t j = i % static_cast<size_t>(n);
    standardized[i] = (raw[i] - m.mean[j]) / m.scale[j];
  }
  // The same model applied by hand to standardized features ...
  Model plain = m;
  plain.mean.clear();
  plain.scale.clear();
  const std::vector<double> want =
      plain.predict_proba(DataMatrix(Tensor<double>::matrix(rows, n, standardized)));
  // ... equals the folded model applied to raw features.
  const std::vector<double> got = m.predict_proba(DataMatrix(Tensor<double>::matrix(rows, n, raw)));
  for (int64_t r = 0; r < rows; ++r) EXPECT_NEAR(got[r], want[r], 1e-13) << "row " << r;
  // And the folded parameters are w / scale and b - sum w mean / scale.
  const std::vector<double> wr = m.raw_weights();
  double br = m.b;
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_DOUBLE_EQ(wr[j], m.w[j] / m.scale[j]);
    br -= m.w[j] * m.mean[j] / m.scale[j];
  }
  EXPECT_NEAR(m.raw_bias(), br, 1e-13);
}

TEST(Model, NoBiasWithStandardizationStillHasARawBias) {
  Model m;
  m.n_features = 1;
  m.w = {2.0};
  m.b = 123.0;  // ignored: has_bias is false
  m.has_bias = false;
  m.mean = {1.5};
  m.scale = {0.5};
  m.labels.names = {"0", "1"};
  EXPECT_EQ(m.raw_weights(), std::vector<double>{4.0});
  EXPECT_EQ(m.raw_bias(), -6.0);
  const std::vector<double> p = m.predict_proba(DataMatrix(Tensor<double>::matrix(1, 1, {1.5})));
  EXPECT_EQ(p[0], 0.5);  // x at the mean: standardized 0, no bias
}

TEST(Model, InconsistentSizesThrow) {
  Model m = small_model();
  m.w.pop_back();
  EXPECT_THROW(m.raw_weights(), ValueError);
  Model s = small_model();
  s.mean = {0, 0, 0};
  s.scale = {1, 1};
  EXPECT_THROW(s.predict_proba(DataMatrix(Tensor<double>::matrix(1, 3, {1, 2, 3}))), ValueError);
}

}  // namespace
}  // namespace lograd
