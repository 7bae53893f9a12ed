// The logistic objective: value against the closed form, gradient and Hessian-vector
// products against finite differences, the minibatch form against the subset objective.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "lograd/objective.h"
#include "lograd/parallel.h"

namespace lograd {
namespace {

struct Problem {
  Tensor<double> x;
  std::vector<double> y, s;
};

Problem random_problem(int64_t m, int64_t n, uint64_t seed, double density = 1.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5), coin(0, 1);
  Problem p{Tensor<double>(Shape{m, n}), {}, {}};
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) p.x.at(i, j) = coin(rng) < density ? u(rng) + 0.3 * j : 0.0;
    p.y.push_back(coin(rng) < 0.5 ? 0.0 : 1.0);
    p.s.push_back(0.5 + coin(rng));
  }
  return p;
}

std::shared_ptr<const DataMatrix> as_data(const Tensor<double>& x, bool sparse) {
  if (sparse) return std::make_shared<const DataMatrix>(CsrMatrix<double>::from_dense(x));
  return std::make_shared<const DataMatrix>(x);
}

std::vector<double> random_point(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  std::vector<double> w(static_cast<size_t>(n));
  for (double& v : w) v = u(rng);
  return w;
}

struct Config {
  bool sparse, bias, standardize;
};

class LogisticObjectiveTest : public ::testing::TestWithParam<Config> {};

TEST_P(LogisticObjectiveTest, ValueIsTheMeanWeightedLossPlusRidge) {
  const Config c = GetParam();
  const Problem p = random_problem(30, 4, 1, 0.6);
  LogisticSpec spec{0.05, 0, c.bias, {}, {}};
  if (c.standardize) spec = {0.05, 0, c.bias, {0.1, -0.2, 0.3, 0.05}, {1.5, 0.5, 2.0, 1.0}};
  if (c.standardize && !c.bias) spec.mean.clear();
  auto obj = make_logistic_objective(as_data(p.x, c.sparse), p.y, p.s, spec);
  const std::vector<double> w = random_point(obj->dim(), 2);
  std::vector<double> g(w.size());
  const double f = obj->fun_grad(w, g);
  double want = 0, ridge = 0;
  for (int64_t i = 0; i < 30; ++i) {
    double z = c.bias ? w[4] : 0.0;
    for (int64_t j = 0; j < 4; ++j) {
      double xij = p.x.at(i, j);
      if (c.standardize) xij = (xij - (spec.mean.empty() ? 0 : spec.mean[j])) / spec.scale[j];
      z += w[j] * xij;
    }
    // log(1 + exp(-t z)) with t = +-1
    want += p.s[i] * std::log1p(std::exp(-(2 * p.y[i] - 1) * z));
  }
  for (int j = 0; j < 4; ++j) ridge += w[j] * w[j];
  EXPECT_NEAR(f, want / 30 + 0.025 * ridge, 1e-14);
}

TEST_P(LogisticObjectiveTest, GradientAndHessianMatchFiniteDifferences) {
  const Config c = GetParam();
  const Problem p = random_problem(25, 5, 3, 0.7);
  LogisticSpec spec{0.01, 0, c.bias, {}, {}};
  if (c.standardize) spec = {0.01, 0, c.bias, {0.2, 0.1, -0.3, 0.0, 0.4}, {1.2, 0.7, 2.5, 1.0, 0.9}};
  if (c.standardize && !c.bias) spec.mean.clear();
  auto obj = make_logistic_objective(as_data(p.x, c.sparse), p.y, p.s, spec);
  const auto d = static_cast<size_t>(obj->dim());
  const std::vector<double> w = random_point(obj->dim(), 4);
  std::vector<double> g(d), gp(d), gm(d), hv(d), diag(d), e(d);
  obj->fun_grad(w, g);
  obj->set_hessian_point();
  const std::vector<double> v = random_point(obj->dim(), 5);
  obj->hess_vec(v, hv);
  obj->hess_diag(diag);
  const double eps = 1e-6;
  for (size_t j = 0; j < d; ++j) {
    std::vector<double> wp = w, wm = w;
    wp[j] += eps;
    wm[j] -= eps;
    const double num = (obj->fun_grad(wp, gp) - obj->fun_grad(wm, gm)) / (2 * eps);
    EXPECT_NEAR(g[j], num, 1e-8) << "gradient " << j;
  }
  // H v = (g(w + eps v) - g(w - eps v)) / (2 eps)
  std::vector<double> wp = w, wm = w;
  for (size_t j = 0; j < d; ++j) wp[j] += eps * v[j], wm[j] -= eps * v[j];
  obj->fun_grad(wp, gp);
  obj->fun_grad(wm, gm);
  for (size_t j = 0; j < d; ++j) EXPECT_NEAR(hv[j], (gp[j] - gm[j]) / (2 * eps), 1e-7) << "Hv " << j;
  // The Hessian point stays where set_hessian_point put it, whatever fun_grad did since.
  std::vector<double> hv2(d);
  obj->hess_vec(v, hv2);
  EXPECT_EQ(hv, hv2);
  for (size_t j = 0; j < d; ++j) {
    std::fill(e.begin(), e.end(), 0.0);
    e[j] = 1;
    obj->hess_vec(e, hv);
    EXPECT_NEAR(diag[j], hv[j], 1e-12) << "diagonal " << j;
  }
}

// f along the segment between the last two fun_grad points, from their cached z, is f at the
// point itself, inside the segment, beyond it and before it.
TEST_P(LogisticObjectiveTest, SegmentValueFromCachedXwIsTheValueAtThePoint) {
  const Config c = GetParam();
  const Problem p = random_problem(40, 5, 6, 0.6);
  LogisticSpec spec{0.03, 0, c.bias, {}, {}};
  if (c.standardize) spec = {0.03, 0, c.bias, {0.2, 0.1, -0.3, 0.0, 0.4}, {1.2, 0.7, 2.5, 1.0, 0.9}};
  if (c.standardize && !c.bias) spec.mean.clear();
  auto obj = make_logistic_objective(as_data(p.x, c.sparse), p.y, p.s, spec);
  auto check = make_logistic_objective(as_data(p.x, c.sparse), p.y, p.s, spec);
  const auto d = static_cast<size_t>(obj->dim());
  const std::vector<double> w0 = random_point(obj->dim(), 7), w1 = random_point(obj->dim(), 8);
  std::vector<double> g(d);
  EXPECT_TRUE(std::isnan(obj->fun_on_last_segment(0.5)));  // no fun_grad yet
  obj->fun_grad(w0, g);
  EXPECT_TRUE(std::isnan(obj->fun_on_last_segment(0.5)));  // one point is no segment
  obj->fun_grad(w1, g);
  const double passes = obj->passes();
  for (double t : {0.0, 1.0, 0.5, 0.125, 2.0, -0.5}) {
    std::vector<double> wt(d);
    for (size_t j = 0; j < d; ++j) wt[j] = w0[j] + t * (w1[j] - w0[j]);
    const double want = check->fun_grad(wt, g);
    EXPECT_NEAR(obj->fun_on_last_segment(t), want, 1e-13 * std::abs(want)) << "t = " << t;
  }
  EXPECT_EQ(obj->passes(), passes);  // no pass over X
}

INSTANTIATE_TEST_SUITE_P(Configs, LogisticObjectiveTest,
                         ::testing::Values(Config{false, true, false}, Config{true, true, false},
                                           Config{false, false, false}, Config{true, true, true},
                                           Config{false, true, true}, Config{true, false, true}),
                         [](const auto& info) {
                           return std::string(info.param.sparse ? "Sparse" : "Dense") +
                                  (info.param.bias ? "Bias" : "NoBias") +
                                  (info.param.standardize ? "Standardized" : "");
                         });

// Thirteen rows of forty, out of order: three groups of four for the dense kernel and a tail.
TEST(LogisticObjective, MinibatchIsTheObjectiveOfTheSubset) {
  const Problem p = random_problem(40, 3, 7);
  const std::vector<int64_t> rows{4, 11, 2, 17, 39, 0, 23, 31, 8, 5, 36, 12, 27};
  const auto k = static_cast<int64_t>(rows.size());
  Tensor<double> xs(Shape{k, 3});
  std::vector<double> ys, ss;
  for (int64_t i = 0; i < k; ++i) {
    for (int j = 0; j < 3; ++j) xs.at(i, j) = p.x.at(rows[static_cast<size_t>(i)], j);
    ys.push_back(p.y[static_cast<size_t>(rows[static_cast<size_t>(i)])]);
    ss.push_back(p.s[static_cast<size_t>(rows[static_cast<size_t>(i)])]);
  }
  auto sub = make_logistic_objective(as_data(xs, true), ys, ss, {0.1, 0, true, {}, {}});
  const std::vector<double> w = random_point(4, 8);
  std::vector<double> g2(4);
  const double f2 = sub->fun_grad(w, g2);
  for (bool sparse : {true, false}) {
    auto full = make_logistic_objective(as_data(p.x, sparse), p.y, p.s, {0.1, 0, true, {}, {}});
    std::vector<double> g1(4);
    const double f1 = full->fun_grad_rows(w, g1, rows);
    EXPECT_NEAR(f1, f2, 1e-14 * std::abs(f2)) << sparse;
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(g1[j], g2[j], 1e-14 * (std::abs(g2[j]) + 1e-3)) << sparse;
  }
}

TEST(LogisticObjective, RejectsMismatchedInputs) {
  const Problem p = random_problem(5, 2, 9);
  EXPECT_THROW(make_logistic_objective(as_data(p.x, false), {1, 0}, {}, {}), ShapeError);
  EXPECT_THROW(make_logistic_objective(as_data(p.x, false), p.y, {1}, {}), ShapeError);
  EXPECT_THROW(make_logistic_objective(as_data(p.x, false), p.y, {}, {-1, 0, true, {}, {}}), ValueError);
}

// The dense kernels take rows four at a time; CSR takes them one by one. Both, float32 and
// float64, at 1, 2 and 3 threads (blocks of rows per thread, with leftover rows of a block
// that are not a multiple of four) give the same f, gradient and Hv to rounding.
TEST(LogisticObjective, DenseAndSparseKernelsAgreeAtAnyThreadCount) {
  const int64_t m = 250007, n = 13;  // 3 blocks at 3 threads (dense), odd sizes everywhere
  const Problem p = random_problem(m, n, 11, 0.7);
  Tensor<float> xf(Shape{m, n});
  Tensor<double> xr(Shape{m, n});  // the float32 values, held as double
  for (int64_t k = 0; k < m * n; ++k) {
    xf.data()[k] = static_cast<float>(p.x.data()[k]);
    xr.data()[k] = static_cast<double>(xf.data()[k]);
  }
  const std::vector<double> w = random_point(n + 1, 5), v = random_point(n + 1, 6);
  const LogisticSpec spec{0.01, 0, true, {}, {}};
  auto reference = make_logistic_objective(as_data(xr, true), p.y, p.s, spec);
  std::vector<double> g0(n + 1), h0(n + 1);
  set_num_threads(1);
  const double f0 = reference->fun_grad(w, g0);
  reference->set_hessian_point();
  reference->hess_vec(v, h0);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    for (auto x : {std::make_shared<const DataMatrix>(xf), as_data(xr, false)}) {
      auto obj = make_logistic_objective(x, p.y, p.s, spec);
      std::vector<double> g(n + 1), h(n + 1);
      EXPECT_NEAR(obj->fun_grad(w, g), f0, 1e-13 * std::abs(f0)) << threads;
      obj->set_hessian_point();
      obj->hess_vec(v, h);
      for (int64_t j = 0; j <= n; ++j) {
        EXPECT_NEAR(g[j], g0[j], 1e-12 * (std::abs(g0[j]) + 1e-3)) << threads << " " << j;
        EXPECT_NEAR(h[j], h0[j], 1e-12 * (std::abs(h0[j]) + 1e-3)) << threads << " " << j;
      }
    }
  }
  set_num_threads(0);
}

}  // namespace
}  // namespace lograd
