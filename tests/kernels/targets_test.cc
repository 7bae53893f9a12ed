// Every SIMD target compiled in that this CPU supports gives the scalar target's results:
// each kernel of lograd/kernels.h, on dense and CSR data in float32 and float64, with row
// subsets, example weights and soft labels, at one and two threads. Targets sum in different
// lane orders, so values agree to a bound on rounding (kTol times the sum of the absolute
// terms); X^T u and diag(X^T D X) on CSR data run the same scalar loop in the same order on
// every target (kernels.cc is compiled without floating-point contraction) and agree bit for
// bit.
//
// tests/CMakeLists.txt also builds this test against a copy of the kernels deliberately
// broken on every target but the scalar one (LOGRAD_BREAK_SIMD_FOR_TEST), and expects it to
// fail: the test can catch a wrong target.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lograd/kernels.h"
#include "lograd/parallel.h"

namespace lograd::kernels {
namespace {

constexpr double kTol = 1e-13;

// A reproducible matrix with about `fill` of its entries set, values in [-1, 1].
struct Data {
  int64_t m, n;
  std::vector<double> dense64;
  std::vector<float> dense32;
  std::vector<int64_t> ptr{0};
  std::vector<int32_t> col;
  std::vector<double> val64;
  std::vector<float> val32;
  std::vector<double> y, s;

  Data(int64_t rows, int64_t cols, double fill) : m(rows), n(cols) {
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&] {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      return static_cast<double>(state >> 11) / 9007199254740992.0;  // [0, 1)
    };
    dense64.assign(static_cast<size_t>(m * n), 0.0);
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t j = 0; j < n; ++j) {
        if (next() >= fill) continue;
        const auto v = static_cast<double>(static_cast<float>(2 * next() - 1));  // float-exact
        dense64[static_cast<size_t>(r * n + j)] = v;
        col.push_back(static_cast<int32_t>(j));
        val64.push_back(v);
      }
      ptr.push_back(static_cast<int64_t>(col.size()));
      y.push_back(r % 3 == 0 ? 1.0 : r % 3 == 1 ? 0.0 : 0.3);  // soft labels too
      s.push_back(0.5 + next());
    }
    dense32.assign(dense64.begin(), dense64.end());
    val32.assign(val64.begin(), val64.end());
  }

  std::vector<std::pair<std::string, MatrixView>> views() const {
    return {{"dense f64", MatrixView::dense(dense64.data(), m, n)},
            {"dense f32", MatrixView::dense(dense32.data(), m, n)},
            {"csr f64", MatrixView::csr(val64.data(), ptr.data(), col.data(), m, n)},
            {"csr f32", MatrixView::csr(val32.data(), ptr.data(), col.data(), m, n)}};
  }
};

// Every output of every kernel on one view, and the sums of absolute terms that bound their
// rounding.
struct Results {
  std::vector<double> values, bounds;
  std::vector<bool> same_order;  // computed in the same order on every target
  void add(double v, double bound, bool same = false) {
    values.push_back(v);
    bounds.push_back(bound);
    same_order.push_back(same);
  }
};

Results run_all(const MatrixView& x, const Data& d, const std::vector<int64_t>& subset) {
  Results out;
  const int64_t n = x.cols;
  std::vector<double> w(static_cast<size_t>(n)), u(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    w[static_cast<size_t>(j)] = 0.3 * std::sin(1.7 * double(j)) - 0.05;
    u[static_cast<size_t>(j)] = std::cos(0.9 * double(j));
  }
  const double xw_bound = double(n);  // |x_ij| <= 1, |w_j| <= 1
  for (const bool use_subset : {false, true}) {
    const Rows rows = use_subset ? Rows{subset.data(), static_cast<int64_t>(subset.size())}
                                 : Rows::all(x);
    const double count = double(rows.count);
    // loss_grad
    std::vector<double> gw(static_cast<size_t>(n)), z(static_cast<size_t>(rows.count));
    double gb = 0;
    const double b = 0.25;
    LossGradArgs a;
    a.w = w.data();
    a.b = &b;
    a.y = d.y.data();
    a.s = d.s.data();
    a.grad_w = gw.data();
    a.grad_b = &gb;
    a.z = z.data();
    const double loss = loss_grad(x, rows, Loss::kLogistic, a);
    out.add(loss, 2 * count * (xw_bound + 1));
    for (double v : gw) out.add(v, 2 * count);
    out.add(gb, 2 * count);
    for (double v : z) out.add(v, xw_bound + 1);
    // matmul, matmul_t
    std::vector<double> xv(static_cast<size_t>(rows.count));
    const double c = -0.5;
    matmul(x, rows, 1, w.data(), &c, xv.data());
    for (double v : xv) out.add(v, xw_bound + 1);
    std::vector<double> xtu(static_cast<size_t>(n));
    matmul_t(x, rows, 1, d.s.data(), xtu.data());
    for (double v : xtu) out.add(v, 2 * count, x.sparse);
    // hess_vec (some zero weights, which the pass skips)
    std::vector<double> dw(static_cast<size_t>(rows.count)), hv(static_cast<size_t>(n));
    for (size_t i = 0; i < dw.size(); ++i) dw[i] = i % 5 == 0 ? 0.0 : 0.1 + 0.01 * double(i % 7);
    const double hc = 0.75;
    double sum_t = 0;
    HessVecArgs ha;
    ha.u = u.data();
    ha.c = &hc;
    ha.d = dw.data();
    ha.out = hv.data();
    ha.out_c = &sum_t;
    hess_vec(x, rows, ha);
    out.add(sum_t, count * (xw_bound + 1));
    for (double v : hv) out.add(v, count * (xw_bound + 1));
    // diag_xtdx
    std::vector<double> dg(static_cast<size_t>(n));
    diag_xtdx(x, rows, dw.data(), dg.data());
    for (double v : dg) out.add(v, count, x.sparse);
    // k = 3 outputs (softmax): loss_grad, matmul, matmul_t, hess_vec
    constexpr int64_t k = 3;
    std::vector<double> w3(static_cast<size_t>(n * k)), b3{0.1, -0.2, 0.05}, cls(d.y.size());
    for (size_t j = 0; j < w3.size(); ++j) w3[j] = 0.4 * std::sin(0.7 * double(j)) - 0.02;
    for (size_t r = 0; r < cls.size(); ++r) cls[r] = double(r % 3);
    std::vector<double> g3(w3.size()), gb3(k), z3(static_cast<size_t>(rows.count * k));
    LossGradArgs a3;
    a3.k = k;
    a3.w = w3.data();
    a3.b = b3.data();
    a3.y = cls.data();
    a3.s = d.s.data();
    a3.grad_w = g3.data();
    a3.grad_b = gb3.data();
    a3.z = z3.data();
    out.add(loss_grad(x, rows, Loss::kSoftmax, a3), 2 * count * (xw_bound + 2));
    for (double v : g3) out.add(v, 2 * count);
    for (double v : gb3) out.add(v, 2 * count);
    for (double v : z3) out.add(v, xw_bound + 1);
    std::vector<double> xv3(z3.size());
    matmul(x, rows, k, w3.data(), b3.data(), xv3.data());
    for (double v : xv3) out.add(v, xw_bound + 1);
    std::vector<double> u3(z3.size()), xtu3(w3.size());
    for (size_t i = 0; i < u3.size(); ++i) u3[i] = i % 4 == 0 ? 0.0 : std::cos(double(i));
    matmul_t(x, rows, k, u3.data(), xtu3.data());
    for (double v : xtu3) out.add(v, count);
    std::vector<double> p3(z3.size()), hv3(w3.size()), hc3(k);
    for (int64_t i = 0; i < rows.count; ++i) {
      double sum = 0;
      for (int64_t q = 0; q < k; ++q) sum += (p3[i * k + q] = 1 + 0.5 * std::sin(double(i + q)));
      for (int64_t q = 0; q < k; ++q) p3[i * k + q] /= sum;
    }
    HessVecArgs h3;
    h3.k = k;
    h3.u = w3.data();
    h3.c = b3.data();
    h3.d = dw.data();
    h3.p = p3.data();
    h3.out = hv3.data();
    h3.out_c = hc3.data();
    hess_vec(x, rows, h3);
    for (double v : hv3) out.add(v, 2 * count * (xw_bound + 1));
    for (double v : hc3) out.add(v, 2 * count * (xw_bound + 1));
  }
  return out;
}

TEST(KernelTargets, EveryTargetAgreesWithScalar) {
  const std::vector<std::string> targets = simd_targets();
  ASSERT_FALSE(targets.empty());
  ASSERT_EQ(targets.back(), "SCALAR") << "the scalar target is always compiled in";
  std::cout << "targets on this CPU:";
  for (const auto& t : targets) std::cout << " " << t;
  std::cout << "\n";
  // Widths that leave tails after every vector width; a dense and a sparse fill.
  for (const auto& [m, n, fill] : std::vector<std::tuple<int64_t, int64_t, double>>{
           {37, 1, 0.9}, {50, 13, 0.6}, {203, 33, 0.5}, {130, 100, 0.1}, {41, 784, 0.5}}) {
    const Data d(m, n, fill);
    std::vector<int64_t> subset;
    for (int64_t i = m - 1; i >= 0; i -= 3) subset.push_back(i);  // out of order, a third
    for (const auto& [name, x] : d.views()) {
      for (const int threads : {1, 2}) {
        set_num_threads(threads);
        set_simd_target("scalar");
        ASSERT_EQ(simd_target(), "SCALAR");
        const Results want = run_all(x, d, subset);
        for (const std::string& t : targets) {
          set_simd_target(t);
          ASSERT_EQ(simd_target(), t);
          const Results got = run_all(x, d, subset);
          ASSERT_EQ(got.values.size(), want.values.size());
          int reported = 0;
          for (size_t k = 0; k < got.values.size(); ++k) {
            const double diff = std::abs(got.values[k] - want.values[k]);
            const bool ok = want.same_order[k] ? got.values[k] == want.values[k]
                                               : diff <= kTol * want.bounds[k];
            if (!ok && reported++ < 5)
              ADD_FAILURE() << "target " << t << " differs from the scalar target: " << name
                            << ", " << m << " x " << n << ", " << threads << " thread(s), output "
                            << k << ": " << got.values[k] << " vs " << want.values[k]
                            << (want.same_order[k] ? " (same summation order: must be equal)"
                                                   : " (beyond the rounding bound)");
          }
        }
      }
    }
  }
  set_simd_target("");
  set_num_threads(0);
}

// The fused pass computes each row's dot product while it updates the gradient with the row
// before (software pipelining, dense and CSR); z must still be exactly X w, as matmul computes
// it alone, on every target and for rows in any order, with and without the update.
TEST(KernelTargets, FusedPassKeepsTheDotProducts) {
  const Data d(97, 29, 0.4);
  std::vector<int64_t> subset;
  for (int64_t i = 0; i < d.m; i += 2) subset.push_back((i * 37) % d.m);
  std::vector<double> w(static_cast<size_t>(d.n));
  for (int64_t j = 0; j < d.n; ++j) w[static_cast<size_t>(j)] = std::sin(0.3 * double(j) + 1);
  for (const std::string& t : simd_targets()) {
    set_simd_target(t);
    for (const auto& [name, x] : d.views()) {
      for (const bool use_subset : {false, true}) {
        const Rows rows = use_subset ? Rows{subset.data(), static_cast<int64_t>(subset.size())}
                                     : Rows::all(x);
        std::vector<double> alone(static_cast<size_t>(rows.count));
        matmul(x, rows, 1, w.data(), nullptr, alone.data());
        for (const bool with_gradient : {false, true}) {
          std::vector<double> z(static_cast<size_t>(rows.count)), g(static_cast<size_t>(d.n));
          LossGradArgs a;
          a.w = w.data();
          a.y = d.y.data();
          a.grad_w = with_gradient ? g.data() : nullptr;
          a.z = z.data();
          loss_grad(x, rows, Loss::kLogistic, a);
          for (size_t i = 0; i < z.size(); ++i)
            ASSERT_EQ(z[i], alone[i]) << t << " " << name << " position " << i
                                      << (with_gradient ? " (with the update)" : "");
        }
      }
    }
  }
  set_simd_target("");
}

// The names and the restore: an unknown target is refused with the choices, "" goes back to
// the best one, which is the first of simd_targets().
TEST(KernelTargets, SetSimdTarget) {
  set_simd_target("");
  EXPECT_EQ(simd_target(), simd_targets().front());
  set_simd_target("Scalar");
  EXPECT_EQ(simd_target(), "SCALAR");
  try {
    set_simd_target("AVX9000");
    FAIL() << "an unknown target was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("SCALAR"), std::string::npos) << e.what();
  }
  set_simd_target("");
  EXPECT_EQ(simd_target(), simd_targets().front());
}

// The losses need their output counts: the logistic k = 1, the softmax k >= 2.
TEST(KernelTargets, LossAndOutputCountMustFit) {
  const Data d(4, 3, 1.0);
  const MatrixView x = MatrixView::dense(d.dense64.data(), 4, 3);
  std::vector<double> w(9), y(4, 0.0);
  LossGradArgs a;
  a.w = w.data();
  a.y = y.data();
  a.k = 3;
  EXPECT_THROW(loss_grad(x, Rows::all(x), Loss::kLogistic, a), std::exception);
  a.k = 1;
  EXPECT_THROW(loss_grad(x, Rows::all(x), Loss::kSoftmax, a), std::exception);
  a.k = 0;
  EXPECT_THROW(loss_grad(x, Rows::all(x), Loss::kSoftmax, a), std::exception);
}

}  // namespace
}  // namespace lograd::kernels
