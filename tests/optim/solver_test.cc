// The solvers on small problems: each reaches the optimum that Newton finds; the L1 solvers
// satisfy the optimality conditions with exact zeros; limits and divergence are reported.
#include "lograd/solver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace lograd {
namespace {

std::unique_ptr<Objective> problem(double l2, double l1, uint64_t seed = 1) {
  const int64_t m = 200, n = 6;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  Tensor<double> x(Shape{m, n});
  std::vector<double> y;
  for (int64_t i = 0; i < m; ++i) {
    double z = 0.3;
    for (int64_t j = 0; j < n; ++j) {
      x.at(i, j) = nd(rng);
      z += (j % 2 ? 0.8 : -0.5) * x.at(i, j) * (j < 4 ? 1 : 0);
    }
    y.push_back(std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0);
  }
  return make_logistic_objective(std::make_shared<const DataMatrix>(x), y, {},
                                 LogisticSpec{l2, l1, true, {}, {}});
}

SolveResult run(Objective& obj, std::vector<double>& w, SolverKind kind, double tol,
                int64_t max_iter, double lr = 0) {
  SolverOptions o;
  o.kind = kind;
  o.tol = tol;
  o.max_iter = max_iter;
  o.lr = lr;
  o.batch_size = 20;
  w.assign(static_cast<size_t>(obj.dim()), 0.0);
  return minimize(obj, w, o);
}

TEST(Solvers, NewtonConvergesByTheStoppingRule) {
  auto obj = problem(0.01, 0);
  std::vector<double> w;
  const SolveResult r = run(*obj, w, SolverKind::kNewton, 1e-10, 100);
  EXPECT_TRUE(r.converged) << r.stop_reason;
  EXPECT_LE(r.grad_norm, 1e-10 * r.grad_norm0);
  std::vector<double> g(w.size());
  obj->fun_grad(w, g);
  double gn = 0;
  for (double v : g) gn += v * v;
  EXPECT_LE(std::sqrt(gn), 1e-10 * r.grad_norm0);  // checked independently of the solver
  EXPECT_LT(r.iterations, 20);
}

// Forwards to an objective but keeps no segment cache: every line-search trial is a full pass.
class WithoutSegmentCache final : public Objective {
 public:
  explicit WithoutSegmentCache(Objective& o) : o_(o) {}
  int64_t dim() const override { return o_.dim(); }
  int64_t examples() const override { return o_.examples(); }
  double fun_grad(std::span<const double> w, std::span<double> g) override { return o_.fun_grad(w, g); }
  double fun_grad_rows(std::span<const double> w, std::span<double> g,
                       std::span<const int64_t> rows) override {
    return o_.fun_grad_rows(w, g, rows);
  }
  void set_hessian_point() override { o_.set_hessian_point(); }
  void hess_vec(std::span<const double> v, std::span<double> hv) override { o_.hess_vec(v, hv); }
  void hess_diag(std::span<double> d) override { o_.hess_diag(d); }
  double l2() const override { return o_.l2(); }
  double l1() const override { return o_.l1(); }
  int64_t penalized() const override { return o_.penalized(); }
  double passes() const override { return o_.passes(); }

 private:
  Objective& o_;
};

// Badly scaled features make L-BFGS backtrack: with the cached Xw its trials after the first
// cost no pass, and it reaches the same optimum as with every trial evaluated in full.
TEST(Solvers, LbfgsBacktracksOnCachedXwToTheSameOptimum) {
  const int64_t m = 300, n = 5;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> nd;
  Tensor<double> x(Shape{m, n});
  std::vector<double> y;
  for (int64_t i = 0; i < m; ++i) {
    double z = 0;
    for (int64_t j = 0; j < n; ++j) {
      x.at(i, j) = nd(rng) * std::pow(6.0, static_cast<double>(j));
      z += x.at(i, j) / std::pow(6.0, static_cast<double>(j)) * (j % 2 ? 1 : -1);
    }
    y.push_back(std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0);
  }
  auto make = [&] {
    return make_logistic_objective(std::make_shared<const DataMatrix>(x), y, {},
                                   LogisticSpec{1e-3, 0, true, {}, {}});
  };
  auto cached = make(), plain_inner = make();
  WithoutSegmentCache plain(*plain_inner);
  std::vector<double> w_cached, w_plain, w_star;
  auto reference = make();
  const double f_star = run(*reference, w_star, SolverKind::kNewton, 1e-12, 200).objective;
  const SolveResult a = run(*cached, w_cached, SolverKind::kLbfgs, 1e-8, 5000);
  const SolveResult b = run(plain, w_plain, SolverKind::kLbfgs, 1e-8, 5000);
  EXPECT_TRUE(a.converged) << a.stop_reason;
  EXPECT_TRUE(b.converged) << b.stop_reason;
  EXPECT_NEAR(a.objective, f_star, 1e-9 * f_star);
  EXPECT_NEAR(b.objective, f_star, 1e-9 * f_star);
  // With the cache an iteration costs one pass, or two when it backtracks (the first trial
  // and the accepted point); without it, one per trial.
  EXPECT_LE(cached->passes(), 2.0 * static_cast<double>(a.iterations) + 1);
  EXPECT_GT(plain.passes(), static_cast<double>(b.iterations) + 1)
      << "the problem should make L-BFGS backtrack";
  EXPECT_LT(cached->passes(), plain.passes())
      << a.iterations << " iterations with the cache, " << b.iterations << " without";
}

class EverySolver : public ::testing::TestWithParam<SolverKind> {};

TEST_P(EverySolver, ReachesTheNewtonOptimum) {
  auto obj = problem(0.01, 0);
  std::vector<double> w_star, w;
  const double f_star = run(*obj, w_star, SolverKind::kNewton, 1e-12, 100).objective;
  const SolverKind kind = GetParam();
  // Stochastic solvers hover around the optimum: they get a looser target.
  const bool stochastic = kind == SolverKind::kSgd || kind == SolverKind::kMomentum ||
                          kind == SolverKind::kAdam;
  const double lr = kind == SolverKind::kSgd ? 0.05 : kind == SolverKind::kMomentum ? 0.01 : 0;
  const SolveResult r = run(*obj, w, kind, 1e-8, stochastic ? 300 : 5000, lr);
  EXPECT_NEAR(r.objective, f_star, stochastic ? 1e-3 * f_star : 1e-9 * f_star)
      << solver_name(kind) << " stopped by " << r.stop_reason;
  if (!stochastic) {
    EXPECT_TRUE(r.converged) << solver_name(kind) << ": " << r.stop_reason;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, EverySolver,
                         ::testing::Values(SolverKind::kGd, SolverKind::kSgd, SolverKind::kMomentum,
                                           SolverKind::kAdam, SolverKind::kLbfgs, SolverKind::kNewton),
                         [](const auto& info) { return std::string(solver_name(info.param)); });

// For F = f + l1 |w|: at the optimum, w_j != 0 implies g_j = -l1 sign(w_j), and w_j = 0
// implies |g_j| <= l1.
void expect_l1_optimal(Objective& obj, const std::vector<double>& w, double tol) {
  std::vector<double> g(w.size());
  obj.fun_grad(w, g);
  for (int64_t j = 0; j < obj.penalized(); ++j) {
    if (w[j] != 0) EXPECT_NEAR(g[j], -obj.l1() * (w[j] > 0 ? 1 : -1), tol) << j;
    else EXPECT_LE(std::abs(g[j]), obj.l1() + tol) << j;
  }
  EXPECT_NEAR(g.back(), 0, tol);  // the bias is not penalised
}

TEST(Solvers, L1GivesExactZerosAndOwlqnAgreesWithProximalGd) {
  auto obj = problem(0.0, 0.05);
  std::vector<double> w1, w2;
  const SolveResult r1 = run(*obj, w1, SolverKind::kLbfgs, 1e-9, 2000);
  const SolveResult r2 = run(*obj, w2, SolverKind::kGd, 1e-7, 200000);
  EXPECT_TRUE(r1.converged) << r1.stop_reason;
  EXPECT_TRUE(r2.converged) << r2.stop_reason;
  int zeros = 0;
  for (int j = 0; j < 6; ++j) zeros += w1[j] == 0.0;
  EXPECT_GE(zeros, 2);  // features 4 and 5 carry no signal
  expect_l1_optimal(*obj, w1, 1e-7);
  expect_l1_optimal(*obj, w2, 1e-6);
  for (size_t j = 0; j < w1.size(); ++j) EXPECT_NEAR(w1[j], w2[j], 1e-5) << j;
  EXPECT_NEAR(r1.objective, r2.objective, 1e-9);
}

TEST(Solvers, NewtonRefusesAnL1Term) {
  auto obj = problem(0.0, 0.05);
  std::vector<double> w;
  EXPECT_THROW(run(*obj, w, SolverKind::kNewton, 1e-6, 10), ValueError);
}

TEST(Solvers, MaxIterIsReported) {
  auto obj = problem(0.001, 0);
  std::vector<double> w;
  const SolveResult r = run(*obj, w, SolverKind::kGd, 1e-12, 3);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.stop_reason, "max_iter");
  EXPECT_EQ(r.iterations, 3);
  EXPECT_EQ(r.history.size(), 4u);  // iteration 0 and three steps
}

TEST(Solvers, DivergenceStopsWithTheLastFinitePoint) {
  // With a ridge term, a step of 1e6 multiplies w by about -1e4 each epoch: inf within 80.
  auto obj = problem(0.01, 0);
  std::vector<double> w;
  const SolveResult r = run(*obj, w, SolverKind::kGd, 1e-12, 1000, 1e6);
  EXPECT_EQ(r.stop_reason, "diverged");
  for (double v : w) EXPECT_TRUE(std::isfinite(v));
}

TEST(Solvers, WarmStartFromTheOptimumStopsAtOnce) {
  auto obj = problem(0.01, 0);
  std::vector<double> w;
  run(*obj, w, SolverKind::kNewton, 1e-10, 100);
  SolverOptions o;
  o.tol = 1e-8;
  const SolveResult r = minimize(*obj, w, o);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.iterations, 0);
}

TEST(Solvers, ProgressCanInterrupt) {
  auto obj = problem(0.01, 0);
  std::vector<double> w(7, 0.0);
  SolverOptions o;
  o.kind = SolverKind::kLbfgs;
  o.tol = 1e-12;
  int calls = 0;
  const SolveResult r = minimize(*obj, w, o, [&](const IterationInfo&) { return ++calls < 3; });
  EXPECT_EQ(r.stop_reason, "interrupted");
  EXPECT_EQ(calls, 3);
}

TEST(Solvers, NamesRoundTrip) {
  for (auto k : {SolverKind::kGd, SolverKind::kSgd, SolverKind::kMomentum, SolverKind::kAdam,
                 SolverKind::kLbfgs, SolverKind::kNewton})
    EXPECT_EQ(parse_solver(solver_name(k)), k);
  EXPECT_THROW(parse_solver("bfgs"), ValueError);
}

}  // namespace
}  // namespace lograd
