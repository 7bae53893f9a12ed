// The exact-sum objectives (make_exact_objective, models/exact_sums.h): the same values as
// the fused-kernel objectives up to rounding, for k = 1 (logistic) and k = 3 (softmax), dense
// and CSR, with and without a bias and standardisation; and the same bits whatever the order
// of the rows and however they are split among ranks, which the fused kernels' sums do not
// promise. The sums themselves against closed forms that double summation gets wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "lograd/collective.h"
#include "lograd/objective.h"
#include "lograd/parallel.h"
#include "models/exact_sums.h"
#include "thread_ranks.h"

namespace lograd {
namespace {

constexpr int64_t kM = 60, kN = 5;

struct Problem {
  Tensor<double> x{Shape{kM, kN}};
  std::vector<double> y, s;
};

// Columns of very different sizes (1e-6 to 1e3), 40% zeros, weighted examples.
Problem make_problem(int64_t k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5), coin(0, 1);
  const double size[kN] = {1.0, 1e-6, 1e3, 0.5, 3.0};
  Problem p;
  for (int64_t i = 0; i < kM; ++i) {
    for (int64_t j = 0; j < kN; ++j) p.x.at(i, j) = coin(rng) < 0.6 ? size[j] * (u(rng) + 0.2) : 0.0;
    p.y.push_back(k == 1 ? double(coin(rng) < 0.4) : double(i % k));
    p.s.push_back(0.5 + coin(rng));
  }
  return p;
}

// The rows `rows` of p, in that order.
Problem take(const Problem& p, const std::vector<int64_t>& rows) {
  Problem q;
  q.x = Tensor<double>(Shape{static_cast<int64_t>(rows.size()), kN});
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int64_t j = 0; j < kN; ++j) q.x.at(static_cast<int64_t>(r), j) = p.x.at(rows[r], j);
    q.y.push_back(p.y[static_cast<size_t>(rows[r])]);
    q.s.push_back(p.s[static_cast<size_t>(rows[r])]);
  }
  return q;
}

std::shared_ptr<const DataMatrix> matrix(const Problem& p, bool sparse) {
  return sparse ? std::make_shared<const DataMatrix>(CsrMatrix<double>::from_dense(p.x))
                : std::make_shared<const DataMatrix>(p.x);
}

struct Config {
  int64_t k;
  bool sparse, bias, standardize;
};

LogisticSpec spec_for(const Config& c) {
  LogisticSpec spec{0.03, 0, c.bias, {}, {}};
  if (c.standardize) {
    spec.scale = {1.5, 1e-6, 800.0, 1.0, 0.8};
    if (c.bias) spec.mean = {0.1, -2e-7, 30.0, 0.05, 0.4};
  }
  return spec;
}

// f, ∇f, Hv at the last point, the Hessian diagonal and a line-search value: what a solver reads.
struct Reading {
  double f = 0, segment = 0;
  std::vector<double> g, hv, diag;
};

Reading read(Objective& obj, const std::vector<double>& w0, const std::vector<double>& w) {
  Reading r;
  std::vector<double> g0(w.size());
  obj.fun_grad(w0, g0);
  r.g.resize(w.size());
  r.f = obj.fun_grad(w, r.g);
  r.segment = obj.fun_on_last_segment(0.3);
  obj.set_hessian_point();
  r.hv.resize(w.size());
  std::vector<double> v(w.size());
  for (size_t j = 0; j < v.size(); ++j) v[j] = std::sin(double(j) + 0.5);
  obj.hess_vec(v, r.hv);
  r.diag.resize(w.size());
  obj.hess_diag(r.diag);
  return r;
}

std::vector<double> point(int64_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  std::vector<double> w(static_cast<size_t>(dim));
  for (double& v : w) v = u(rng);
  return w;
}

class ExactObjectiveTest : public ::testing::TestWithParam<Config> {};

TEST_P(ExactObjectiveTest, AgreesWithTheFusedObjective) {
  const Config c = GetParam();
  const Problem p = make_problem(c.k, 11);
  const LogisticSpec spec = spec_for(c);
  auto fused = c.k == 1 ? make_logistic_objective(matrix(p, c.sparse), p.y, p.s, spec)
                        : make_softmax_objective(matrix(p, c.sparse), c.k, p.y, p.s, spec);
  auto exact = make_exact_objective(matrix(p, c.sparse), c.k, p.y, p.s, spec, kM, nullptr);
  ASSERT_EQ(exact->dim(), fused->dim());
  EXPECT_TRUE(exact->global_sums());
  const std::vector<double> w0 = point(fused->dim(), 3), w = point(fused->dim(), 4);
  const Reading a = read(*fused, w0, w), b = read(*exact, w0, w);
  EXPECT_NEAR(b.f, a.f, 1e-13 * std::abs(a.f));
  EXPECT_NEAR(b.segment, a.segment, 1e-13 * std::abs(a.segment));
  for (size_t j = 0; j < a.g.size(); ++j) {
    EXPECT_NEAR(b.g[j], a.g[j], 1e-12 * (1 + std::abs(a.g[j]))) << "gradient " << j;
    EXPECT_NEAR(b.hv[j], a.hv[j], 1e-12 * (1 + std::abs(a.hv[j]))) << "Hv " << j;
    EXPECT_NEAR(b.diag[j], a.diag[j], 1e-12 * (1 + std::abs(a.diag[j]))) << "diagonal " << j;
  }
}

// Rows reversed, and split over 1, 2 and 3 ranks (contiguous parts, through the shard
// objective as training makes them): every reading to the bit.
TEST_P(ExactObjectiveTest, SameBitsWhateverTheOrderOrTheSplit) {
  const Config c = GetParam();
  const Problem p = make_problem(c.k, 12);
  const LogisticSpec spec = spec_for(c);
  auto one = make_exact_objective(matrix(p, c.sparse), c.k, p.y, p.s, spec, kM, nullptr);
  const std::vector<double> w0 = point(one->dim(), 5), w = point(one->dim(), 6);
  const Reading ref = read(*one, w0, w);
  std::vector<int64_t> reversed;
  for (int64_t i = kM - 1; i >= 0; --i) reversed.push_back(i);
  const Problem back = take(p, reversed);
  auto rev = make_exact_objective(matrix(back, c.sparse), c.k, back.y, back.s, spec, kM, nullptr);
  const Reading r = read(*rev, w0, w);
  EXPECT_EQ(r.f, ref.f);
  EXPECT_EQ(r.segment, ref.segment);
  EXPECT_EQ(r.g, ref.g);
  EXPECT_EQ(r.hv, ref.hv);
  EXPECT_EQ(r.diag, ref.diag);
  for (int k : {2, 3}) {
    const std::vector<Reading> got = testing::run_ranks<Reading>(k, [&](Collective& col) {
      std::vector<int64_t> rows;
      for (int64_t i = kM * col.rank() / k; i < kM * (col.rank() + 1) / k; ++i) rows.push_back(i);
      const Problem part = take(p, rows);
      // A non-owning handle: the collective lives on this thread's stack for the whole call.
      std::shared_ptr<Collective> handle(std::shared_ptr<Collective>(), &col);
      auto local = make_exact_objective(matrix(part, c.sparse), c.k, part.y, part.s, spec, kM, handle);
      auto shard = make_shard_objective(std::move(local), kM, handle,
                                        ShardRows{kM * col.rank() / k, 0});
      return read(*shard, w0, w);
    });
    for (int r = 0; r < k; ++r) {
      EXPECT_EQ(got[r].f, ref.f) << k << " ranks, rank " << r;
      EXPECT_EQ(got[r].segment, ref.segment) << k << " ranks, rank " << r;
      EXPECT_EQ(got[r].g, ref.g) << k << " ranks, rank " << r;
      EXPECT_EQ(got[r].hv, ref.hv) << k << " ranks, rank " << r;
      EXPECT_EQ(got[r].diag, ref.diag) << k << " ranks, rank " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, ExactObjectiveTest,
    ::testing::Values(Config{1, false, true, false}, Config{1, true, true, false},
                      Config{1, false, false, true}, Config{1, true, true, true},
                      Config{3, false, true, false}, Config{3, true, false, false},
                      Config{3, true, true, true}, Config{3, false, true, true}));

// 1e16 + 1 - 1e16 is 1; added in double, left to right, it is 0.
TEST(ExactSums, CancellationLeavesTheExactResult) {
  Tensor<double> x(Shape{3, 2});
  const double xs[3][2] = {{1, 2}, {1, 2}, {1, 2}};
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j) x.at(i, j) = xs[i][j];
  const double u[3] = {1e16, 1, -1e16};
  ASSERT_EQ((u[0] + u[1]) + u[2], 0.0);  // what double summation gives
  const DataMatrix m(x);
  detail::ExactSums sums(m.view(), 1, local_collective());
  double out[2], out_c;
  sums.xt(u, false, out, &out_c);
  EXPECT_EQ(out[0], 1.0);
  EXPECT_EQ(out[1], 2.0);
  EXPECT_EQ(out_c, 1.0);
  sums.xt(u, true, out, nullptr);
  EXPECT_EQ(out[1], 4.0);
  EXPECT_EQ(sums.sum(u, 3), 1.0);
  // A non-finite term makes the sums NaN (so a diverged point never looks finite).
  const double bad[3] = {1, NAN, 2};
  sums.xt(bad, false, out, &out_c);
  EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out_c));
  EXPECT_TRUE(std::isnan(sums.sum(bad, 3)));
}

// A pass big enough to be cut into several threads' blocks (3,000 x 800 = 2.4 M entries, k = 3)
// gives the same bits on 1, 2 and 4 threads, within 1e-13 of a long-double reference.
TEST(ExactSums, EveryThreadCountGivesTheSameBits) {
  constexpr int64_t m = 3000, n = 800, k = 3;
  std::mt19937_64 rng(21);
  std::normal_distribution<double> z(0, 1);
  Tensor<double> x(Shape{m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) x.at(i, j) = z(rng) * (1 + double(j % 7));
  std::vector<double> u(static_cast<size_t>(m * k));
  for (double& v : u) v = z(rng);
  const DataMatrix data(x);
  detail::ExactSums sums(data.view(), k, local_collective());
  const int saved = num_threads();
  std::vector<std::vector<double>> got;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    std::vector<double> out(static_cast<size_t>(n * k)), out_c(k);
    sums.xt(u.data(), false, out.data(), out_c.data());
    out.insert(out.end(), out_c.begin(), out_c.end());
    got.push_back(out);
  }
  set_num_threads(saved);
  EXPECT_EQ(got[1], got[0]);
  EXPECT_EQ(got[2], got[0]);
  for (int64_t j = 0; j < n; j += 97)
    for (int64_t q = 0; q < k; ++q) {
      long double want = 0, size = 0;
      for (int64_t i = 0; i < m; ++i) {
        want += static_cast<long double>(x.at(i, j)) * u[static_cast<size_t>(i * k + q)];
        size += std::fabs(static_cast<long double>(x.at(i, j)) * u[static_cast<size_t>(i * k + q)]);
      }
      EXPECT_NEAR(got[0][static_cast<size_t>(j * k + q)], static_cast<double>(want),
                  1e-15 * static_cast<double>(size)) << j << ", " << q;
    }
}

}  // namespace
}  // namespace lograd
