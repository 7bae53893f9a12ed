// The softmax (multinomial) objective: value against its definition, gradient and
// Hessian-vector products against central differences, the Hessian diagonal against H e_j,
// the line-segment shortcut against fun_grad, for dense and CSR data, with and without a bias
// and standardisation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "lograd/objective.h"

namespace lograd {
namespace {

constexpr int64_t kM = 40, kN = 5, kK = 4;

struct Problem {
  Tensor<double> x{Shape{kM, kN}};
  std::vector<double> y, s;
};

Problem make_problem(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5), coin(0, 1);
  Problem p;
  for (int64_t i = 0; i < kM; ++i) {
    for (int64_t j = 0; j < kN; ++j) p.x.at(i, j) = coin(rng) < 0.6 ? u(rng) + 0.3 * double(j) : 0.0;
    p.y.push_back(static_cast<double>(i % kK));
    p.s.push_back(0.5 + coin(rng));
  }
  return p;
}

struct Config {
  bool sparse, bias, standardize;
};

class SoftmaxObjectiveTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    const Config c = GetParam();
    p_ = make_problem(7);
    spec_ = {0.03, 0, c.bias, {}, {}};
    if (c.standardize) {
      spec_.scale = {1.5, 0.5, 2.0, 1.0, 0.8};
      if (c.bias) spec_.mean = {0.1, -0.2, 0.3, 0.05, 0.4};
    }
    auto x = c.sparse ? std::make_shared<const DataMatrix>(CsrMatrix<double>::from_dense(p_.x))
                      : std::make_shared<const DataMatrix>(p_.x);
    obj_ = make_softmax_objective(x, kK, p_.y, p_.s, spec_);
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    w_.resize(static_cast<size_t>(obj_->dim()));
    for (double& v : w_) v = u(rng);
  }
  double f(const std::vector<double>& w) {
    std::vector<double> g(w.size());
    return obj_->fun_grad(w, g);
  }
  Problem p_;
  LogisticSpec spec_;
  std::unique_ptr<Objective> obj_;
  std::vector<double> w_;
};

TEST_P(SoftmaxObjectiveTest, ValueIsTheMeanWeightedCrossEntropyPlusRidge) {
  const Config c = GetParam();
  EXPECT_EQ(obj_->dim(), kN * kK + (c.bias ? kK : 0));
  double want = 0, ridge = 0;
  for (int64_t i = 0; i < kM; ++i) {
    double z[kK], top = -INFINITY, sum = 0;
    for (int64_t q = 0; q < kK; ++q) {
      z[q] = c.bias ? w_[kN * kK + q] : 0.0;
      for (int64_t j = 0; j < kN; ++j) {
        const double sc = c.standardize ? spec_.scale[j] : 1.0;
        const double mu = c.standardize && c.bias ? spec_.mean[j] : 0.0;
        z[q] += w_[j * kK + q] * (p_.x.at(i, j) - mu) / sc;
      }
      top = std::max(top, z[q]);
    }
    for (double v : z) sum += std::exp(v - top);
    want += p_.s[i] * (std::log(sum) + top - z[static_cast<int64_t>(p_.y[i])]);
  }
  for (int64_t j = 0; j < kN * kK; ++j) ridge += w_[j] * w_[j];
  EXPECT_NEAR(f(w_), want / kM + 0.03 / 2 * ridge, 1e-13);
}

TEST_P(SoftmaxObjectiveTest, GradientAndHessianMatchCentralDifferences) {
  const size_t d = w_.size();
  std::vector<double> g(d), gp(d), gm(d), v(d), hv(d);
  obj_->fun_grad(w_, g);
  obj_->set_hessian_point();
  for (size_t i = 0; i < d; ++i) v[i] = std::sin(1.3 * double(i) + 0.2);
  // hess_vec adds curvature along the biases' common shift, where f is constant: test it on
  // a v without that component (the biases summing to zero), and the shift apart below.
  if (GetParam().bias) {
    double mean_b = 0;
    for (int64_t q = 0; q < kK; ++q) mean_b += v[kN * kK + q] / kK;
    for (int64_t q = 0; q < kK; ++q) v[kN * kK + q] -= mean_b;
    std::vector<double> shift(d, 0.0), hs(d), g0(d), g1(d), w1 = w_;
    for (int64_t q = 0; q < kK; ++q) shift[kN * kK + q] = 1, w1[kN * kK + q] += 0.7;
    obj_->hess_vec(shift, hs);
    EXPECT_NEAR(obj_->fun_grad(w_, g0), obj_->fun_grad(w1, g1), 1e-14) << "f is shift-invariant";
    for (size_t i = 0; i + kK < d; ++i) EXPECT_NEAR(hs[i], 0.0, 1e-14);
    for (int64_t q = 0; q < kK; ++q) EXPECT_GT(hs[kN * kK + q], 0.0);
    obj_->fun_grad(w_, g);
    obj_->set_hessian_point();
  }
  obj_->hess_vec(v, hv);
  const double h = 1e-6;
  for (size_t i = 0; i < d; ++i) {
    std::vector<double> a = w_, b = w_;
    a[i] += h;
    b[i] -= h;
    EXPECT_NEAR(g[i], (f(a) - f(b)) / (2 * h), 1e-8) << "gradient entry " << i;
  }
  std::vector<double> a = w_, b = w_;
  for (size_t i = 0; i < d; ++i) {
    a[i] += h * v[i];
    b[i] -= h * v[i];
  }
  obj_->fun_grad(a, gp);
  obj_->fun_grad(b, gm);
  for (size_t i = 0; i < d; ++i)
    EXPECT_NEAR(hv[i], (gp[i] - gm[i]) / (2 * h), 1e-7) << "Hv entry " << i;
}

TEST_P(SoftmaxObjectiveTest, DiagonalIsHessianTimesUnitVectors) {
  const size_t d = w_.size();
  std::vector<double> g(d), diag(d), e(d), he(d);
  obj_->fun_grad(w_, g);
  obj_->set_hessian_point();
  obj_->hess_diag(diag);
  for (size_t i = 0; i < d; ++i) {
    std::fill(e.begin(), e.end(), 0.0);
    e[i] = 1;
    obj_->hess_vec(e, he);
    EXPECT_NEAR(diag[i], he[i], 1e-12 * (1 + std::abs(he[i]))) << "entry " << i;
  }
}

TEST_P(SoftmaxObjectiveTest, LineSegmentMatchesFunGrad) {
  std::vector<double> w1 = w_, g(w_.size());
  for (size_t i = 0; i < w1.size(); ++i) w1[i] += 0.3 * std::cos(double(i));
  obj_->fun_grad(w_, g);
  obj_->fun_grad(w1, g);
  for (const double t : {0.0, 0.25, 1.0, 1.5}) {
    std::vector<double> wt(w_.size());
    for (size_t i = 0; i < wt.size(); ++i) wt[i] = w_[i] + t * (w1[i] - w_[i]);
    const double seg = obj_->fun_on_last_segment(t);
    EXPECT_NEAR(seg, f(wt), 1e-12) << "t = " << t;
    obj_->fun_grad(w_, g);  // restore the segment (w_, w1)
    obj_->fun_grad(w1, g);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, SoftmaxObjectiveTest,
    ::testing::Values(Config{false, true, false}, Config{true, true, false},
                      Config{false, false, false}, Config{true, true, true},
                      Config{false, true, true}, Config{true, false, true}),
    [](const auto& info) {
      const Config c = info.param;
      return std::string(c.sparse ? "Csr" : "Dense") + (c.bias ? "Bias" : "NoBias") +
             (c.standardize ? "Standardized" : "");
    });

}  // namespace
}  // namespace lograd
