// The vectorised pieces of the dense kernels against their scalar definitions, on every SIMD
// target compiled in that this CPU supports (each TEST_P runs once per target).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dense_simd_test.cc"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>
#include <hwy/tests/hwy_gtest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/dense_simd-inl.h"
#include "lograd/loss.h"

HWY_BEFORE_NAMESPACE();
namespace lograd::kernels::HWY_NAMESPACE {
namespace {

// logistic_loss_dz4 (Highway's Exp and Log1p, four rows at once) gives the loss and
// sigma(z) - y of the scalar logistic_term (std::exp, std::log1p) to a few ulp, across the
// range where both are finite and normal: saturated rows on either side, z near 0, soft labels.
void LogisticLossDz4MatchesTheScalarDefinition() {
  const std::vector<double> zs{-700, -300, -40, -36.7, -20, -3, -1, -1e-8, 0,
                               1e-8, 0.5, 1, 3, 20, 36.7, 40, 300, 700};
  const double labels[3] = {0.0, 1.0, 0.25};
  for (int shift = 0; shift < 3; ++shift) {  // each lane sees every label
    for (size_t k = 0; k < zs.size(); k += 4) {
      double z[4], yq[4], l[4], dz[4];
      for (int q = 0; q < 4; ++q) {
        z[q] = zs[std::min(k + static_cast<size_t>(q), zs.size() - 1)];
        yq[q] = labels[(q + shift) % 3];
      }
      simd::logistic_loss_dz4(z, yq, l, dz);
      for (int q = 0; q < 4; ++q) {
        const LogisticTerm t = logistic_term(z[q], yq[q]);
        EXPECT_NEAR(l[q], t.loss, 1e-15 * std::abs(t.loss) + 1e-300) << "z " << z[q] << " y " << yq[q];
        EXPECT_NEAR(dz[q], t.dz, 1e-14 * std::abs(t.dz) + 1e-300) << "z " << z[q] << " y " << yq[q];
      }
    }
  }
}

// A NaN z (a diverged point) stays NaN in dz and the loss, as in the scalar version, in
// whichever lane it is.
void LogisticLossDz4KeepsNaN() {
  for (int lane = 0; lane < 4; ++lane) {
    double z[4] = {0.5, -2, 3, 0}, y[4] = {1, 0, 1, 0}, l[4], dz[4];
    z[lane] = std::nan("");
    simd::logistic_loss_dz4(z, y, l, dz);
    for (int q = 0; q < 4; ++q) {
      EXPECT_EQ(std::isnan(dz[q]), q == lane) << lane << " " << q;
      EXPECT_EQ(std::isnan(l[q]), q == lane) << lane << " " << q;
    }
  }
}

// The closed forms at points where they are known exactly: l(0, y) = log 2, dz(0, y) = 1/2 - y,
// and for a saturated row the loss is the margin and dz the label's complement.
void LogisticLossDz4ClosedForms() {
  const double z[4] = {0, 0, 800, -800}, y[4] = {0, 1, 0, 1};
  double l[4], dz[4];
  simd::logistic_loss_dz4(z, y, l, dz);
  EXPECT_DOUBLE_EQ(l[0], std::log(2.0));
  EXPECT_DOUBLE_EQ(l[1], std::log(2.0));
  EXPECT_DOUBLE_EQ(dz[0], 0.5);
  EXPECT_DOUBLE_EQ(dz[1], -0.5);
  EXPECT_DOUBLE_EQ(l[2], 800);  // log(1 + e^800) - 0
  EXPECT_DOUBLE_EQ(l[3], 800);  // log(1 + e^-800) + 800
  EXPECT_DOUBLE_EQ(dz[2], 1);
  EXPECT_DOUBLE_EQ(dz[3], -1);
}

// dot4_axpy4 is dot4 on `next` and axpy4 on `cur` in one loop: the same sums in the same
// order, with and without prefetching, for float and double rows and widths that leave tails
// after the two-vector and one-vector loops; z also equals the plain sum to rounding.
template <class S>
void check_dot4_axpy4() {
  for (const int64_t n : {1, 3, 4, 7, 8, 13, 16, 17, 33, 784}) {
    std::vector<S> rows(static_cast<size_t>(12 * n));
    for (size_t k = 0; k < rows.size(); ++k) rows[k] = static_cast<S>(std::sin(0.37 * double(k)));
    std::vector<double> w(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) w[static_cast<size_t>(j)] = std::cos(0.11 * double(j)) - 0.2;
    const S* next[4];
    const S* cur[4];
    const S* ahead[4];
    for (int q = 0; q < 4; ++q) {
      next[q] = rows.data() + q * n;
      cur[q] = rows.data() + (4 + q) * n;
      ahead[q] = rows.data() + (8 + q) * n;
    }
    const double c[4] = {0.3, -1.25, 2.0, 1e-3};
    double z_ref[4];
    std::vector<double> g_ref(static_cast<size_t>(n), 0.5);
    simd::dot4(next, w.data(), n, z_ref);
    simd::axpy4(cur, c, n, g_ref.data());
    for (const bool prefetch : {false, true}) {
      double z[4];
      std::vector<double> g(static_cast<size_t>(n), 0.5);
      simd::dot4_axpy4(next, w.data(), z, cur, c, n, g.data(), prefetch ? ahead : nullptr);
      for (int q = 0; q < 4; ++q) {
        double plain = 0, mag = 0;
        for (int64_t j = 0; j < n; ++j) {
          plain += double(next[q][j]) * w[static_cast<size_t>(j)];
          mag += std::abs(double(next[q][j]) * w[static_cast<size_t>(j)]);
        }
        EXPECT_NEAR(z[q], z_ref[q], 1e-15 * mag) << n;  // the scalar tails may contract differently
        EXPECT_NEAR(z[q], plain, 2.3e-16 * double(n) * mag) << n;
      }
      for (int64_t j = 0; j < n; ++j)
        EXPECT_EQ(g[static_cast<size_t>(j)], g_ref[static_cast<size_t>(j)]) << n << " " << j;
    }
  }
}

void Dot4Axpy4IsDot4ThenAxpy4() {
  check_dot4_axpy4<float>();
  check_dot4_axpy4<double>();
}

}  // namespace
}  // namespace lograd::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lograd::kernels {
namespace {
HWY_BEFORE_TEST(DenseSimd);
HWY_EXPORT_AND_TEST_P(DenseSimd, LogisticLossDz4MatchesTheScalarDefinition);
HWY_EXPORT_AND_TEST_P(DenseSimd, LogisticLossDz4KeepsNaN);
HWY_EXPORT_AND_TEST_P(DenseSimd, LogisticLossDz4ClosedForms);
HWY_EXPORT_AND_TEST_P(DenseSimd, Dot4Axpy4IsDot4ThenAxpy4);
}  // namespace
}  // namespace lograd::kernels
#endif
