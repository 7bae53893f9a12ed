// The k >= 2 kernels (softmax regression) against plain double loops written from their
// definitions in lograd/kernels.h: dense and CSR, float32 and float64, all rows and an
// out-of-order subset with repeats, one and two threads, k = 2, 3 and 10 (past one and two
// vector widths). The reference sums in another order, so values agree to rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "lograd/kernels.h"
#include "lograd/loss.h"
#include "lograd/parallel.h"

namespace lograd::kernels {
namespace {

struct Problem {
  int64_t m, n, k;
  std::vector<double> x;  // dense (m, n), about 40% zeros
  std::vector<int64_t> ptr{0};
  std::vector<int32_t> col;
  std::vector<double> val;
  std::vector<float> x32, val32;
  std::vector<double> w, b, y, s;
  Problem(int64_t rows, int64_t cols, int64_t outputs) : m(rows), n(cols), k(outputs) {
    uint64_t st = 88172645463325252ull;
    auto next = [&] {
      st ^= st << 13, st ^= st >> 7, st ^= st << 17;
      return static_cast<double>(st >> 11) / 9007199254740992.0;
    };
    x.assign(static_cast<size_t>(m * n), 0.0);
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t j = 0; j < n; ++j) {
        if (next() < 0.4) continue;
        const auto v = static_cast<double>(static_cast<float>(4 * next() - 2));
        x[static_cast<size_t>(r * n + j)] = v;
        col.push_back(static_cast<int32_t>(j));
        val.push_back(v);
      }
      ptr.push_back(static_cast<int64_t>(col.size()));
      y.push_back(static_cast<double>(r % k));
      s.push_back(r % 7 == 3 ? 0.0 : 0.5 + next());  // some zero weights
    }
    x32.assign(x.begin(), x.end());
    val32.assign(val.begin(), val.end());
    for (int64_t i = 0; i < n * k; ++i) w.push_back(std::sin(0.37 * double(i)));
    for (int64_t q = 0; q < k; ++q) b.push_back(0.1 * double(q) - 0.2);
  }
  std::vector<MatrixView> views() const {
    return {MatrixView::dense(x.data(), m, n), MatrixView::dense(x32.data(), m, n),
            MatrixView::csr(val.data(), ptr.data(), col.data(), m, n),
            MatrixView::csr(val32.data(), ptr.data(), col.data(), m, n)};
  }
  // z_r = W^T x_r + b.
  std::vector<double> z(int64_t r, const std::vector<double>& wv, const double* bv) const {
    std::vector<double> out(static_cast<size_t>(k));
    for (int64_t q = 0; q < k; ++q) {
      double a = bv ? bv[q] : 0.0;
      for (int64_t j = 0; j < n; ++j) a += x[static_cast<size_t>(r * n + j)] * wv[static_cast<size_t>(j * k + q)];
      out[static_cast<size_t>(q)] = a;
    }
    return out;
  }
};

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tol,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " entry " << i;
}

TEST(MultiKernels, MatchPlainLoops) {
  for (const int64_t k : {2, 3, 10}) {
    const Problem pr(57, 19, k);
    std::vector<int64_t> subset;
    for (int64_t i = 0; i < 40; ++i) subset.push_back((i * 23 + 5) % pr.m);  // repeats
    for (const bool use_subset : {false, true}) {
      const int64_t count = use_subset ? static_cast<int64_t>(subset.size()) : pr.m;
      auto row = [&](int64_t i) { return use_subset ? subset[static_cast<size_t>(i)] : i; };
      // The references.
      double loss = 0;
      std::vector<double> gw(static_cast<size_t>(pr.n * k)), gb(static_cast<size_t>(k)), zs,
          xtu(gw.size()), hv(gw.size()), hc(static_cast<size_t>(k)), u, p, d;
      for (int64_t i = 0; i < count; ++i) {
        const int64_t r = row(i);
        const std::vector<double> z = pr.z(r, pr.w, pr.b.data());
        zs.insert(zs.end(), z.begin(), z.end());
        double top = z[0], sum = 0;
        for (double v : z) top = std::max(top, v);
        for (double v : z) sum += std::exp(v - top);
        const auto cls = static_cast<int64_t>(pr.y[static_cast<size_t>(r)]);
        const double sr = pr.s[static_cast<size_t>(r)];
        loss += sr * (std::log(sum) + top - z[static_cast<size_t>(cls)]);
        std::vector<double> pi(static_cast<size_t>(k));
        for (int64_t q = 0; q < k; ++q) {
          pi[static_cast<size_t>(q)] = std::exp(z[static_cast<size_t>(q)] - top) / sum;
          const double dz = sr * (pi[static_cast<size_t>(q)] - (q == cls ? 1.0 : 0.0));
          gb[static_cast<size_t>(q)] += dz;
          for (int64_t j = 0; j < pr.n; ++j)
            gw[static_cast<size_t>(j * k + q)] += pr.x[static_cast<size_t>(r * pr.n + j)] * dz;
        }
        p.insert(p.end(), pi.begin(), pi.end());
        d.push_back(sr / 3);
        for (int64_t q = 0; q < k; ++q) {
          const double uq = std::cos(double(i * k + q));
          u.push_back(uq);
          for (int64_t j = 0; j < pr.n; ++j)
            xtu[static_cast<size_t>(j * k + q)] += pr.x[static_cast<size_t>(r * pr.n + j)] * uq;
        }
        // Hessian-vector product along (V, c) = (W, b): r_i = z_i, t = d (p o r - p (p . r)).
        double pz = 0;
        for (int64_t q = 0; q < k; ++q) pz += pi[static_cast<size_t>(q)] * z[static_cast<size_t>(q)];
        for (int64_t q = 0; q < k; ++q) {
          const double t = d.back() * pi[static_cast<size_t>(q)] * (z[static_cast<size_t>(q)] - pz);
          hc[static_cast<size_t>(q)] += t;
          for (int64_t j = 0; j < pr.n; ++j)
            hv[static_cast<size_t>(j * k + q)] += pr.x[static_cast<size_t>(r * pr.n + j)] * t;
        }
      }
      const Rows rows = use_subset ? Rows{subset.data(), count} : Rows{nullptr, count};
      for (const MatrixView& x : pr.views()) {
        for (const int threads : {1, 2}) {
          set_num_threads(threads);
          const std::string what = "k " + std::to_string(k) + (x.sparse ? " csr" : " dense") +
                                   (x.dtype == Dtype::kFloat32 ? " f32" : " f64") +
                                   (use_subset ? " subset" : " all") + " threads " +
                                   std::to_string(threads);
          std::vector<double> g(gw.size()), g0(static_cast<size_t>(k)), z(zs.size());
          LossGradArgs a;
          a.k = k;
          a.w = pr.w.data();
          a.b = pr.b.data();
          a.y = pr.y.data();
          a.s = pr.s.data();
          a.grad_w = g.data();
          a.grad_b = g0.data();
          a.z = z.data();
          ASSERT_NEAR(loss_grad(x, rows, Loss::kSoftmax, a), loss, 1e-12 * loss) << what;
          expect_near(g, gw, 1e-12, what + " grad W");
          expect_near(g0, gb, 1e-12, what + " grad b");
          expect_near(z, zs, 1e-13, what + " z");
          std::vector<double> xw(zs.size());
          matmul(x, rows, k, pr.w.data(), pr.b.data(), xw.data());
          EXPECT_EQ(xw, z) << what << ": matmul and the fused pass compute z alike";
          std::vector<double> t(gw.size(), 1.0);  // += onto ones
          matmul_t(x, rows, k, u.data(), t.data());
          for (double& v : t) v -= 1.0;
          expect_near(t, xtu, 1e-12, what + " X^T U");
          std::vector<double> h(gw.size()), h0(static_cast<size_t>(k));
          HessVecArgs ha;
          ha.k = k;
          ha.u = pr.w.data();
          ha.c = pr.b.data();
          ha.d = d.data();
          ha.p = p.data();
          ha.out = h.data();
          ha.out_c = h0.data();
          hess_vec(x, rows, ha);
          expect_near(h, hv, 1e-12, what + " Hv");
          expect_near(h0, hc, 1e-12, what + " Hv bias");
        }
      }
    }
  }
  set_num_threads(0);
}

// softmax_term against its definition, at large scores (where e^z overflows) and at a NaN.
// matmul with k >= 2 (prediction) takes a W whose padded copy would pass 4 MB in groups of
// columns, one pass over X each; every score depends on its own column alone, so the result
// is the same bits as computing each class by itself (k = 2 calls, the pair padded).
TEST(MultiKernels, MatmulInColumnGroupsGivesTheSameBits) {
  const int64_t m = 37, n = 30000, k = 20;  // W padded: 30,000 x 20 or 24 doubles > 4 MB
  Problem p(m, n, k);
  for (const MatrixView& xv : p.views()) {
    std::vector<double> z(static_cast<size_t>(m * k));
    matmul(xv, Rows::all(xv), k, p.w.data(), p.b.data(), z.data());
    for (int64_t q = 0; q < k; q += 2) {
      std::vector<double> wq(static_cast<size_t>(n * 2)), zq(static_cast<size_t>(m * 2));
      for (int64_t j = 0; j < n; ++j)
        for (int64_t c = 0; c < 2; ++c) wq[j * 2 + c] = p.w[static_cast<size_t>(j * k + q + c)];
      matmul(xv, Rows::all(xv), 2, wq.data(), p.b.data() + q, zq.data());
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < 2; ++c)
          ASSERT_EQ(z[static_cast<size_t>(r * k + q + c)], zq[static_cast<size_t>(r * 2 + c)])
              << "row " << r << " class " << q + c;
    }
    for (int64_t r = 0; r < m; r += 9) {  // and the scores are right
      const std::vector<double> want = p.z(r, p.w, p.b.data());
      for (int64_t q = 0; q < k; ++q)
        EXPECT_NEAR(z[static_cast<size_t>(r * k + q)], want[static_cast<size_t>(q)],
                    1e-9 * (1 + std::abs(want[static_cast<size_t>(q)])));
    }
  }
}

TEST(MultiKernels, SoftmaxTermIsStable) {
  const double z[3] = {1000, 999, -1000};
  double p[3];
  const double l = softmax_term(z, 3, 1, p);
  EXPECT_NEAR(l, std::log1p(std::exp(-1.0)) + 1.0, 1e-14);
  EXPECT_NEAR(p[0], 1 / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(p[1], std::exp(-1.0) / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_EQ(p[2], 0.0);
  const double zn[2] = {1, NAN};
  EXPECT_TRUE(std::isnan(softmax_term(zn, 2, 0, p)));
  EXPECT_TRUE(std::isnan(p[0]));
}

}  // namespace
}  // namespace lograd::kernels
