// Internal, per SIMD target: the inner loops of the dense kernels, vectorised with Highway
// (Debian's libhwy-dev). Like every -inl.h here, this file is included once per target by
// kernels.cc (hwy/foreach_target.h) and compiled into namespace lograd::kernels::N_<TARGET>;
// the best target the CPU supports is chosen at run time (lograd/kernels.h).
//
// Why by hand rather than `omp simd`: on float32 data every element is widened to double
// before it is multiplied (the sums are kept in double), and GCC 12 vectorises that widening
// as two half-width conversions and a shuffle per vector; one `vcvtps2pd zmm, m256` per eight
// elements halves the work, and the fused passes are compute-bound on it. Measured on the
// 60,000 x 784 float32 gradient pass, one thread: 1.1 elements/ns with `omp simd`, 1.9 here.
//
// Every sum runs in a fixed order (vector lanes, then lanes added in a fixed tree, then the
// tail), so a result does not change from run to run on one target. Targets differ in their
// lane counts, so their sums associate differently (tests/kernels/targets_test.cc bounds it).

// Per-target include guard (Highway's idiom): toggled by foreach_target.h for each target.
#if defined(LOGRAD_KERNELS_DENSE_SIMD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOGRAD_KERNELS_DENSE_SIMD_INL_H_
#undef LOGRAD_KERNELS_DENSE_SIMD_INL_H_
#else
#define LOGRAD_KERNELS_DENSE_SIMD_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>
// after highway.h, which it extends
#include <hwy/contrib/math/math-inl.h>

#include <algorithm>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace lograd::kernels::HWY_NAMESPACE::simd {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<double>;

// The lanes at p as doubles.   p: (Lanes(D)) of float or double
inline hn::Vec<D> load_double(D d, const double* p) { return hn::LoadU(d, p); }
inline hn::Vec<D> load_double(D d, const float* p) {
  return hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, D>(), p));
}

inline double sum_lanes(D d, hn::Vec<D> v) { return hn::GetLane(hn::SumOfLanes(d, v)); }

// x . w for one dense row.   x: (n), w: (n)
template <class S, class P>
double dot(const S* x, const P* w, int64_t n) {
  const D d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;  // four chains keep the FMA units busy
  int64_t j = 0;
  for (; j + 4 * N <= n; j += 4 * N) {
    a0 = hn::MulAdd(load_double(d, x + j), load_double(d, w + j), a0);
    a1 = hn::MulAdd(load_double(d, x + j + N), load_double(d, w + j + N), a1);
    a2 = hn::MulAdd(load_double(d, x + j + 2 * N), load_double(d, w + j + 2 * N), a2);
    a3 = hn::MulAdd(load_double(d, x + j + 3 * N), load_double(d, w + j + 3 * N), a3);
  }
  for (; j + N <= n; j += N) a0 = hn::MulAdd(load_double(d, x + j), load_double(d, w + j), a0);
  double s = sum_lanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)));
  for (; j < n; ++j) s += double(x[j]) * double(w[j]);
  return s;
}

// g += a x for one dense row.   x: (n), g: (n)
template <class S>
void axpy(const S* x, double a, int64_t n, double* g) {
  const D d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const auto av = hn::Set(d, a);
  int64_t j = 0;
  for (; j + N <= n; j += N) hn::StoreU(hn::MulAdd(av, load_double(d, x + j), hn::LoadU(d, g + j)), d, g + j);
  for (; j < n; ++j) g[j] += a * double(x[j]);
}

// One step of four dot-product chains, one per row: a_q += x_q[j, j + N) * wv, N = Lanes(d).
template <class S, class V>
HWY_INLINE void mul_add4(D d, const S* x0, const S* x1, const S* x2, const S* x3, int64_t j,
                         V wv, V& a0, V& a1, V& a2, V& a3) {
  a0 = hn::MulAdd(load_double(d, x0 + j), wv, a0);
  a1 = hn::MulAdd(load_double(d, x1 + j), wv, a1);
  a2 = hn::MulAdd(load_double(d, x2 + j), wv, a2);
  a3 = hn::MulAdd(load_double(d, x3 + j), wv, a3);
}

// The four dot products of two chains each: z_q = the lanes of a_q + b_q, plus the columns
// [j, n) of row q that no whole vector covered.   x_q: (n), w: (n) -> z: (4)
template <class S, class P, class V>
HWY_INLINE void finish_dot4(D d, const S* x0, const S* x1, const S* x2, const S* x3,
                            const P* w, int64_t j, int64_t n, V a0, V a1, V a2, V a3, V b0,
                            V b1, V b2, V b3, double* z) {
  z[0] = sum_lanes(d, hn::Add(a0, b0));
  z[1] = sum_lanes(d, hn::Add(a1, b1));
  z[2] = sum_lanes(d, hn::Add(a2, b2));
  z[3] = sum_lanes(d, hn::Add(a3, b3));
  for (; j < n; ++j) {
    const double wj = double(w[j]);
    z[0] += double(x0[j]) * wj;
    z[1] += double(x1[j]) * wj;
    z[2] += double(x2[j]) * wj;
    z[3] += double(x3[j]) * wj;
  }
}

// z[q] = x[q] . w for four rows at once: each vector of w is loaded once for the four, and
// eight independent chains (two per row) hide the multiply-add latency.
// x[q]: (n) for q < 4, w: (n) -> z: (4)
template <class S, class P>
void dot4(const S* const* x, const P* w, int64_t n, double* z) {
  const D d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const S *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t j = 0;
  for (; j + 2 * N <= n; j += 2 * N) {
    mul_add4(d, x0, x1, x2, x3, j, load_double(d, w + j), a0, a1, a2, a3);
    mul_add4(d, x0, x1, x2, x3, j + N, load_double(d, w + j + N), b0, b1, b2, b3);
  }
  for (; j + N <= n; j += N) mul_add4(d, x0, x1, x2, x3, j, load_double(d, w + j), a0, a1, a2, a3);
  finish_dot4(d, x0, x1, x2, x3, w, j, n, a0, a1, a2, a3, b0, b1, b2, b3, z);
}

// One step of the four-row update: g[j, j + N) += c0 x0 + c1 x1 + c2 x2 + c3 x3, summed as
// (g + c0 x0 + c1 x1) + (c2 x2 + c3 x3), two chains of two.
template <class S, class V>
HWY_INLINE void axpy4_step(D d, const S* x0, const S* x1, const S* x2, const S* x3, int64_t j,
                           V c0, V c1, V c2, V c3, double* g) {
  auto t = hn::MulAdd(c0, load_double(d, x0 + j), hn::LoadU(d, g + j));
  t = hn::MulAdd(c1, load_double(d, x1 + j), t);
  auto u = hn::Mul(c2, load_double(d, x2 + j));
  u = hn::MulAdd(c3, load_double(d, x3 + j), u);
  hn::StoreU(hn::Add(t, u), d, g + j);
}

// The same update, one column at a time, for the columns [j, n) that no whole vector covered.
template <class S>
void axpy4_tail(const S* x0, const S* x1, const S* x2, const S* x3, const double* c, int64_t j,
                int64_t n, double* g) {
  for (; j < n; ++j)
    g[j] += (c[0] * double(x0[j]) + c[1] * double(x1[j])) + (c[2] * double(x2[j]) + c[3] * double(x3[j]));
}

// g += sum_q c[q] x[q] for four rows at once: g is read and written once for the four.
// x[q]: (n) for q < 4, c: (4), g: (n)
template <class S>
void axpy4(const S* const* x, const double* c, int64_t n, double* g) {
  const D d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const S *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  const auto c0 = hn::Set(d, c[0]), c1 = hn::Set(d, c[1]), c2 = hn::Set(d, c[2]),
             c3 = hn::Set(d, c[3]);
  int64_t j = 0;
  for (; j + N <= n; j += N) axpy4_step(d, x0, x1, x2, x3, j, c0, c1, c2, c3, g);
  axpy4_tail(x0, x1, x2, x3, c, j, n, g);
}

// One loop over the columns for two groups of four rows: z[q] = next[q] . w for the group
// about to be done (its rows come from memory) and g += sum_q c[q] cur[q] for the group whose
// coefficients are known (its rows are in cache since their own dot products). Loads from
// memory and arithmetic on cached rows interleave in every iteration, so neither the bus nor
// the arithmetic units wait for the other. Each dot product runs in two chains (even and odd
// vectors of the row, added at the end), so a chain's multiply-add latency is not the pace of
// the loop. When `ahead` is given (the group after `next`), each of its cache lines is
// prefetched on the way, a little ahead of the same columns of `next`.
// next[q], cur[q]: (n) for q < 4, w: (n), c: (4), g: (n), ahead[q]: (n) or null -> z: (4)
template <class S, class P>
void dot4_axpy4(const S* const* next, const P* w, double* z, const S* const* cur,
                const double* c, int64_t n, double* g, const S* const* ahead = nullptr) {
  const D d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const S *y0 = next[0], *y1 = next[1], *y2 = next[2], *y3 = next[3];
  const S *x0 = cur[0], *x1 = cur[1], *x2 = cur[2], *x3 = cur[3];
  const auto c0 = hn::Set(d, c[0]), c1 = hn::Set(d, c[1]), c2 = hn::Set(d, c[2]),
             c3 = hn::Set(d, c[3]);
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  // Every cache line of the four `ahead` rows is prefetched once: j steps by 2N, so where 2N
  // is at most a line this is one line every kLine / 2N steps, else every line of the step.
  constexpr int64_t kLine = 64 / sizeof(S);  // elements of x per cache line
  const int64_t lines_per_step = std::max<int64_t>(1, 2 * N / kLine);  // known when N is
  int64_t j = 0;
  for (; j + 2 * N <= n; j += 2 * N) {
    if (ahead && j % kLine < 2 * N)
      for (int64_t l = 0; l < lines_per_step; ++l)
        for (int q = 0; q < 4; ++q) hwy::Prefetch(ahead[q] + j + l * kLine);
    mul_add4(d, y0, y1, y2, y3, j, load_double(d, w + j), a0, a1, a2, a3);
    axpy4_step(d, x0, x1, x2, x3, j, c0, c1, c2, c3, g);
    mul_add4(d, y0, y1, y2, y3, j + N, load_double(d, w + j + N), b0, b1, b2, b3);
    axpy4_step(d, x0, x1, x2, x3, j + N, c0, c1, c2, c3, g);
  }
  if (ahead)  // the lines the loop above did not reach
    for (int64_t p = (j + kLine - 1) / kLine * kLine; p < n; p += kLine)
      for (int q = 0; q < 4; ++q) hwy::Prefetch(ahead[q] + p);
  for (; j + N <= n; j += N) {
    mul_add4(d, y0, y1, y2, y3, j, load_double(d, w + j), a0, a1, a2, a3);
    axpy4_step(d, x0, x1, x2, x3, j, c0, c1, c2, c3, g);
  }
  finish_dot4(d, y0, y1, y2, y3, w, j, n, a0, a1, a2, a3, b0, b1, b2, b3, z);
  axpy4_tail(x0, x1, x2, x3, c, j, n, g);
}

// The logistic loss and its derivative for four rows at once, from one exponential each:
//   l_q = log(1 + e^z_q) - y_q z_q,   dz_q = sigma(z_q) - y_q   (lograd/loss.h's
// logistic_term, vectorised: without overflow, with full relative accuracy where dz is tiny). Highway's Exp
// and Log1p are within 1 and 2 ulp of std::exp and std::log1p; four rows cost about what one
// does in scalar code, which is a tenth of a 784-column pass.
// z, y: (4) -> loss, dz: (4)
inline void logistic_loss_dz4(const double* z, const double* y, double* loss, double* dz) {
  const hn::CappedTag<double, 4> d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const auto zero = hn::Zero(d), one = hn::Set(d, 1.0);
  for (int64_t k = 0; k < 4; k += N) {
    const auto zv = hn::LoadU(d, z + k), yv = hn::LoadU(d, y + k);
    const auto e = hn::Exp(d, hn::Neg(hn::Abs(zv)));  // in [0, 1]; 0 where |z| > ~745
    const auto l = hn::Add(hn::NegMulAdd(yv, zv, hn::Max(zv, zero)), hn::Log1p(d, e));
    const auto small = hn::Div(e, hn::Add(one, e));  // sigma(-|z|)
    const auto up = hn::Sub(hn::Sub(one, yv), small), down = hn::Sub(small, yv);
    hn::StoreU(l, d, loss + k);
    // Highway's Exp(NaN) is 0, where std::exp gives NaN: a NaN z keeps its NaN, as in the
    // scalar version, so a diverged point is never turned into a finite gradient.
    hn::StoreU(hn::IfThenElse(hn::IsNaN(zv), zv, hn::IfThenElse(zv >= zero, up, down)), d, dz + k);
  }
}

}  // namespace lograd::kernels::HWY_NAMESPACE::simd
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
