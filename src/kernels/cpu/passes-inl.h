// Internal, per SIMD target: the passes over a data matrix X behind lograd/kernels.h, as
// templates over the storage (DenseRows<S>, CsrRows<S>; S float or double), with double
// accumulation. Each loops over a row subset R of X: rows[0..count) when rows is non-null,
// else rows 0..count-1. Included once per target by kernels.cc (see dense_simd-inl.h).
//
// Threads: blocks.h cuts the rows into one contiguous block per thread; each block sums into
// its own buffer and the buffers are added in block order. Every sum has a fixed association
// order, so a result is the same from run to run for a given thread count and target.

#if defined(LOGRAD_KERNELS_PASSES_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOGRAD_KERNELS_PASSES_INL_H_
#undef LOGRAD_KERNELS_PASSES_INL_H_
#else
#define LOGRAD_KERNELS_PASSES_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/cpu/blocks.h"
#include "kernels/cpu/dense_simd-inl.h"
#include "lograd/loss.h"

HWY_BEFORE_NAMESPACE();
namespace lograd::kernels::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using simd::D;
using simd::load_double;
using simd::sum_lanes;

// Dense row-major storage: row r at x + r * stride, n columns.
template <class S>
struct DenseRows {
  const S* x;
  int64_t n, stride;
  const S* row(int64_t r) const { return x + r * stride; }
  double entries_per_row() const { return static_cast<double>(n); }
};

// CSR storage: row r holds val/col[ptr[r] .. ptr[r + 1]).
template <class S>
struct CsrRows {
  const S* val;
  const int64_t* ptr;
  const int32_t* col;
  int64_t m, n;
  double entries_per_row() const {
    return m > 0 ? static_cast<double>(ptr[m] - ptr[0]) / static_cast<double>(m) : 0.0;
  }
};

inline int64_t row_at(const int64_t* rows, int64_t i) { return rows ? rows[i] : i; }

template <class M>
int blocks_for(const M& x, int64_t count) {
  return blocks_for_work(count, x.entries_per_row());
}

// ---- CSR rows ----

// The column indices of four consecutive entries of a CSR row, widened for addressing: two
// 64-bit loads instead of four 32-bit ones. The CSR loops are bound by their loads and stores
// (per four entries: the indices, the four w[c] and the four read-modify-writes of g[c], beside
// two vector loads of values), not by their arithmetic, so a load saved is time saved: the CSR
// gradient pass's kernel bench (`BM_GradientPass_CsrF32`, Fashion-MNIST, AMD EPYC Zen 4) 16%
// faster at 2 threads (medians over 8 processes each, alternating; DEVELOPERS.md, issue 14).
// Columns are validated nonnegative, so zero-extension keeps them.   c: (4) -> 4 indices
struct Cols4 {
  uint64_t j[4];
};
HWY_INLINE Cols4 cols4(const int32_t* HWY_RESTRICT c) {
  uint64_t lo, hi;
  std::memcpy(&lo, c, sizeof lo);
  std::memcpy(&hi, c + 2, sizeof hi);
  constexpr uint64_t kLow = 0xffffffffu;
  if constexpr (std::endian::native == std::endian::little)
    return {{lo & kLow, lo >> 32, hi & kLow, hi >> 32}};
  else
    return {{lo >> 32, lo & kLow, hi >> 32, hi & kLow}};
}

// A CSR dot product, four entries a step. Where the target has 256-bit vectors (AVX2,
// AVX-512) the four values are widened in one instruction, the four w[c] loaded into one
// vector and multiplied-added into one accumulator (one FMA for four entries, where four
// scalar multiply-adds took eight instructions); elsewhere four scalar chains. The lanes are
// added (l0 + l1) + (l2 + l3) at the end, then the tail entries one by one.
struct CsrDotAcc {
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
  __m256d a{};  // zero (no intrinsic: the implicit constructor has no target attribute)
  template <class S>
  HWY_INLINE void step4(const S* HWY_RESTRICT v, const Cols4& c, const double* HWY_RESTRICT w) {
    const __m128d lo = _mm_loadh_pd(_mm_load_sd(w + c.j[0]), w + c.j[1]);
    const __m128d hi = _mm_loadh_pd(_mm_load_sd(w + c.j[2]), w + c.j[3]);
    const __m256d wv = _mm256_insertf128_pd(_mm256_castpd128_pd256(lo), hi, 1);
    __m256d xv;
    if constexpr (std::is_same_v<S, float>) xv = _mm256_cvtps_pd(_mm_loadu_ps(v));
    else xv = _mm256_loadu_pd(v);
    a = _mm256_fmadd_pd(xv, wv, a);
  }
  HWY_INLINE double lanes() const {
    alignas(32) double t[4];
    _mm256_store_pd(t, a);
    return (t[0] + t[1]) + (t[2] + t[3]);
  }
#else
  double s[4] = {0, 0, 0, 0};
  template <class S>
  HWY_INLINE void step4(const S* HWY_RESTRICT v, const Cols4& c, const double* HWY_RESTRICT w) {
    for (int q = 0; q < 4; ++q) s[q] += double(v[q]) * w[c.j[q]];
  }
  HWY_INLINE double lanes() const { return (s[0] + s[1]) + (s[2] + s[3]); }
#endif
};

// The dot product of one CSR row with w, continuing `acc` from entry k to len (four at a
// step, then the tail).   v, c: (len), w: (n) -> scalar
template <class S>
HWY_INLINE double csr_dot_from(const S* HWY_RESTRICT v, const int32_t* HWY_RESTRICT c,
                               int64_t k, int64_t len, const double* HWY_RESTRICT w,
                               CsrDotAcc& acc) {
  for (; k + 4 <= len; k += 4) acc.step4(v + k, cols4(c + k), w);
  double s = acc.lanes();
  for (; k < len; ++k) s += double(v[k]) * w[c[k]];
  return s;
}

// sum_k v[k] w[c[k]] over one CSR row of `len` entries.   v, c: (len), w: (n) -> scalar
template <class S>
HWY_INLINE double csr_dot(const S* HWY_RESTRICT v, const int32_t* HWY_RESTRICT c, int64_t len,
                          const double* HWY_RESTRICT w) {
  CsrDotAcc acc;
  return csr_dot_from(v, c, 0, len, w, acc);
}

// p[q] = a v[q] for four entries: one widening and one multiply of four lanes where the
// target has 256-bit vectors, else four scalar ones (the same products, exactly).
// v: (4) -> p: (4)
template <class S>
HWY_INLINE void scale4(const S* HWY_RESTRICT v, double a, double* HWY_RESTRICT p) {
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
  const hn::FixedTag<double, 4> d4;
  const hn::Rebind<S, decltype(d4)> ds;
  hn::Vec<decltype(d4)> x;
  if constexpr (std::is_same_v<S, float>) x = hn::PromoteTo(d4, hn::LoadU(ds, v));
  else x = hn::LoadU(d4, v);
  hn::StoreU(hn::Mul(hn::Set(d4, a), x), d4, p);
#else
  for (int q = 0; q < 4; ++q) p[q] = a * double(v[q]);
#endif
}

// g[c[k]] += a v[k] over one CSR row (the columns of a row are distinct, so the four updates
// of a step are independent).
// v, c: (len) -> g: (n) +=
template <class S>
HWY_INLINE void csr_axpy(const S* HWY_RESTRICT v, const int32_t* HWY_RESTRICT c, int64_t len,
                         double a, double* HWY_RESTRICT g) {
  int64_t k = 0;
  for (; k + 4 <= len; k += 4) {
    double p[4];
    scale4(v + k, a, p);
    const Cols4 j = cols4(c + k);
    for (int q = 0; q < 4; ++q) g[j.j[q]] += p[q];
  }
  for (; k < len; ++k) g[c[k]] += a * double(v[k]);
}

// How far ahead of the next row's entries the pipelined loop asks for the entries to come
// (software prefetch; the rows lie one after another in the value and index arrays, when
// they are taken in order: for a subset the prefetch is wasted, not wrong): 256
// entries, 1 KB of float32 values and 1 KB of indices, a few hundred nanoseconds of work.
// Measured on an AMD EPYC (Zen 4), `lograd train fmnist_sparse_f32.lgb --solver gd --epochs
// 60`, 8 interleaved pairs: 16% less time at 2 threads and 10% at 1 thread (medians),
// faster in every pair; 128, 512 and 1024 entries measured alike within the noise.
constexpr int64_t kAhead = 256;

// Asks for the cache line holding p + ahead elements: the address is made as an integer, since
// it may lie past the array's end (a prefetch never faults).
template <class T>
HWY_INLINE void prefetch_ahead(const T* p, int64_t ahead) {
  hwy::Prefetch(reinterpret_cast<const T*>(reinterpret_cast<uintptr_t>(p) +
                                           static_cast<uintptr_t>(ahead) * sizeof(T)));
}

// CSR rows [begin, end) of X_R, software-pipelined as the dense groups are: one loop over the
// entries computes the dot product of the next row (gathers from w) and the update of the
// current one (g += c_i x_i), whose row is in L1 since its own dot product, so the two
// streams of loads, the gathers and the updates overlap instead of waiting on each other.
// Each dot runs as csr_dot runs it (CsrDotAcc, same order), so z does not depend on the
// pipelining. coef(i, z_i) turns the dot product of position i into its update coefficient;
// rows whose coefficient is 0 get no update. g null: dot products only.
// X: (m, n), w: (n) -> g: (n) +=
template <class S, class F>
void csr_rows(const CsrRows<S>& x, const int64_t* rows, int64_t begin, int64_t end,
              const double* HWY_RESTRICT w, double* HWY_RESTRICT g, F&& coef) {
  if (begin >= end) return;
  const auto row = [&](int64_t i, const S*& v, const int32_t*& c) {
    const int64_t r = row_at(rows, i), b = x.ptr[r];
    v = x.val + b;
    c = x.col + b;
    return x.ptr[r + 1] - b;
  };
  const S* v;
  const int32_t* c;
  int64_t len = row(begin, v, c);
  double a = coef(begin, csr_dot(v, c, len, w));
  for (int64_t i = begin; i + 1 < end; ++i) {
    const S* vn;
    const int32_t* cn;
    const int64_t len_n = row(i + 1, vn, cn);
    if (!g || a == 0) {
      a = coef(i + 1, csr_dot(vn, cn, len_n, w));
    } else {
      CsrDotAcc acc;
      const int64_t both = std::min(len, len_n) & ~int64_t{3};
      int64_t k = 0;
      for (; k < both; k += 4) {
        double p[4];
        prefetch_ahead(vn + k, kAhead);  // the rows after the next, on their way from memory
        prefetch_ahead(cn + k, kAhead);
        scale4(v + k, a, p);
        acc.step4(vn + k, cols4(cn + k), w);
        const Cols4 j = cols4(c + k);
        for (int q = 0; q < 4; ++q) g[j.j[q]] += p[q];
      }
      // The rest of each row as csr_dot and csr_axpy would finish it.
      const double z = csr_dot_from(vn, cn, k, len_n, w, acc);
      csr_axpy(v + k, c + k, len - k, a, g);
      a = coef(i + 1, z);
    }
    v = vn;
    c = cn;
    len = len_n;
  }
  if (g && a != 0) csr_axpy(v, c, len, a, g);
}

template <class S>
double row_dot(const CsrRows<S>& x, int64_t r, const double* w) {
  const int64_t b = x.ptr[r];
  return csr_dot(x.val + b, x.col + b, x.ptr[r + 1] - b, w);
}
template <class S>
void row_axpy(const CsrRows<S>& x, int64_t r, double a, double* g) {
  const int64_t b = x.ptr[r];
  csr_axpy(x.val + b, x.col + b, x.ptr[r + 1] - b, a, g);
}
template <class S>
void row_sq_axpy(const CsrRows<S>& x, int64_t r, double a, double* g) {
  for (int64_t k = x.ptr[r]; k < x.ptr[r + 1]; ++k)
    g[x.col[k]] += a * double(x.val[k]) * double(x.val[k]);
}

// ---- dense rows ----

template <class S>
double row_dot(const DenseRows<S>& x, int64_t r, const double* w) {
  return simd::dot(x.row(r), w, x.n);
}
template <class S>
void row_axpy(const DenseRows<S>& x, int64_t r, double a, double* g) {
  simd::axpy(x.row(r), a, x.n, g);
}
template <class S>
void row_sq_axpy(const DenseRows<S>& x, int64_t r, double a, double* g) {
  const S* xr = x.row(r);
  for (int64_t j = 0; j < x.n; ++j) g[j] += a * double(xr[j]) * double(xr[j]);
}

template <class T>
struct IsDense : std::false_type {};
template <class S>
struct IsDense<DenseRows<S>> : std::true_type {};

// Dense rows [begin, end) of X_R in groups of four, taken from four quarters of the range
// side by side: with Q = (end - begin) / 4, group k is positions begin + k + qQ (q < 4) of R.
// Where R is X's rows in order, the pass reads four long sequential streams (four rows in a
// row would be four streams one row long, restarted every group). Software-pipelined: the dot
// products of group k + 1 are computed in the same loop over the columns as the update of
// group k (simd::dot4_axpy4), and group k + 2 is prefetched meanwhile.
// Measured by `lograd train fmnist_dense_f32.lgb --solver gd --epochs 30 --threads K --json`
// (60,000 x 784 float32, AMD EPYC, six interleaved runs, medians) against four rows in a row:
// 10.5 -> 12.7 GB/s at one thread, 17.3 -> 21.9 at two.
// coef(idx, z, c) turns the dot products z (4) of positions idx (4) of R into their update
// coefficients c (4); g null: dot products only. Positions begin + 4Q .. end are left to the
// caller; returns begin + 4Q.
// X: (m, n), w: (n) -> g: (n) +=
template <class S, class F>
int64_t dense_groups(const DenseRows<S>& x, const int64_t* rows, int64_t begin, int64_t end,
                     const double* w, double* g, F&& coef) {
  const int64_t n = x.n;
  const int64_t quarter = (end - begin) / 4;
  if (quarter == 0) return begin;
  const auto row = [&](int64_t i) { return x.row(row_at(rows, i)); };
  int64_t idx[4];
  const S *cur[4], *next[4], *ahead[4];
  for (int q = 0; q < 4; ++q) {
    idx[q] = begin + q * quarter;
    cur[q] = row(idx[q]);
  }
  double z[4], c[4];
  simd::dot4(cur, w, n, z);
  for (int64_t k = 0;; ++k) {
    coef(idx, z, c);
    if (k + 1 == quarter) {  // the last group: its update alone
      if (g) simd::axpy4(cur, c, n, g);
      return begin + 4 * quarter;
    }
    for (int q = 0; q < 4; ++q) next[q] = row(idx[q] + 1);
    if (g) {
      const bool prefetch = k + 2 < quarter;
      if (prefetch)
        for (int q = 0; q < 4; ++q) ahead[q] = row(idx[q] + 2);
      simd::dot4_axpy4(next, w, z, cur, c, n, g, prefetch ? ahead : nullptr);
    } else {
      simd::dot4(next, w, n, z);
    }
    for (int q = 0; q < 4; ++q) {
      ++idx[q];
      cur[q] = next[q];
    }
  }
}

// ---- the passes ----

// Fused loss and gradient, one pass over the rows of R (M = |R| = count):
//   z_i = x_i . w + b,  loss = sum_i s_i l(z_i, y_i),  gw += sum_i s_i (sigma(z_i) - y_i) x_i,
//   gb += sum_i s_i (sigma(z_i) - y_i);  z_out (count) receives z_i if non-null.
// X: (m, n), w: (n), y, s: (m) by row (s null: all 1) -> returns the unscaled loss sum.
// Each row is read once: its dot product brings it into cache for the gradient update.
template <class M>
double loss_grad_pass(const M& x, const int64_t* rows, int64_t count, const double* w, double b,
                      const double* y, const double* s, double* gw, double* gb, double* z_out) {
  const int64_t n = x.n;
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, n + 2);  // [gw (n), gb, loss] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double loss = 0, db = 0;
    int64_t i = begin;
    if constexpr (IsDense<M>::value) {
      i = dense_groups(x, rows, begin, end, w, gw ? a : nullptr,
                       [&](const int64_t* idx, double* z, double* c) {
                         int64_t r[4];
                         double yq[4], l[4], dz[4];
                         for (int q = 0; q < 4; ++q) {
                           r[q] = row_at(rows, idx[q]);
                           z[q] += b;
                           yq[q] = y[r[q]];
                         }
                         simd::logistic_loss_dz4(z, yq, l, dz);
                         for (int q = 0; q < 4; ++q) {
                           const double si = s ? s[r[q]] : 1.0;
                           loss += si * l[q];
                           c[q] = si * dz[q];
                           db += c[q];
                           if (z_out) z_out[idx[q]] = z[q];
                         }
                       });
    } else {
      csr_rows(x, rows, begin, end, w, gw ? a : nullptr, [&](int64_t pos, double z) {
        z += b;
        const int64_t r = row_at(rows, pos);
        const double si = s ? s[r] : 1.0;
        const LogisticTerm t = logistic_term(z, y[r]);
        loss += si * t.loss;
        db += si * t.dz;
        if (z_out) z_out[pos] = z;
        return si * t.dz;
      });
      i = end;
    }
    for (; i < end; ++i) {
      const int64_t r = row_at(rows, i);
      const double z = row_dot(x, r, w) + b;
      const double si = s ? s[r] : 1.0;
      const LogisticTerm t = logistic_term(z, y[r]);
      loss += si * t.loss;
      const double g = si * t.dz;
      if (gw && g != 0) row_axpy(x, r, g, a);
      db += g;
      if (z_out) z_out[i] = z;
    }
    a[n] = db;
    a[n + 1] = loss;
  });
  if (gw)
    for (int64_t j = 0; j < n; ++j) gw[j] += acc.sum(j);
  if (gb) *gb += acc.sum(n);
  return acc.sum(n + 1);
}

// out (count) = X_R v + c.   X: (m, n), v: (n)
// Dense rows go four at a time as in the fused passes (dense_groups, same blocks), so X w here
// is bit for bit the z that loss_grad computes.
template <class M>
void matvec_pass(const M& x, const int64_t* rows, int64_t count, const double* v, double c,
                 double* out) {
  for_blocks(count, blocks_for(x, count), [&](int, int64_t begin, int64_t end) {
    int64_t i = begin;
    if constexpr (IsDense<M>::value)
      i = dense_groups(x, rows, begin, end, v, nullptr, [&](const int64_t* idx, double* z, double*) {
        for (int q = 0; q < 4; ++q) out[idx[q]] = z[q] + c;
      });
    for (; i < end; ++i) out[i] = row_dot(x, row_at(rows, i), v) + c;
  });
}

// out (n) += X_R^T u.   X: (m, n), u: (count)
template <class M>
void matvec_t_pass(const M& x, const int64_t* rows, int64_t count, const double* u, double* out) {
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, x.n);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    for (int64_t i = begin; i < end; ++i)
      if (u[i] != 0) row_axpy(x, row_at(rows, i), u[i], a);
  });
  acc.add_to(out);
}

// Hessian-vector product, one read of each row (the row is still in cache for the update):
//   t_i = d_i (x_i . u + c),  out += sum_i t_i x_i,  returns sum_i t_i.
// X: (m, n), u: (n), d: (count) by position -> out: (n)
template <class M>
double hess_vec_pass(const M& x, const int64_t* rows, int64_t count, const double* u, double c,
                     const double* d, double* out) {
  const int64_t n = x.n;
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, n + 1);  // [out (n), sum t] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double sum_t = 0;
    int64_t i = begin;
    if constexpr (IsDense<M>::value) {
      i = dense_groups(x, rows, begin, end, u, a, [&](const int64_t* idx, double* z, double* t) {
        for (int q = 0; q < 4; ++q) {
          t[q] = d[idx[q]] * (z[q] + c);
          sum_t += t[q];
        }
      });
    } else {
      csr_rows(x, rows, begin, end, u, a, [&](int64_t pos, double z) {
        const double t = d[pos] == 0 ? 0.0 : d[pos] * (z + c);
        sum_t += t;
        return t;
      });
      i = end;
    }
    for (; i < end; ++i) {
      if (d[i] == 0) continue;
      const int64_t r = row_at(rows, i);
      const double t = d[i] * (row_dot(x, r, u) + c);
      row_axpy(x, r, t, a);
      sum_t += t;
    }
    a[n] = sum_t;
  });
  for (int64_t j = 0; j < n; ++j) out[j] += acc.sum(j);
  return acc.sum(n);
}

// out (n) += diag(X_R^T D X_R).   X: (m, n), d: (count)
template <class M>
void diag_xtdx_pass(const M& x, const int64_t* rows, int64_t count, const double* d, double* out) {
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, x.n);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    for (int64_t i = begin; i < end; ++i) row_sq_axpy(x, row_at(rows, i), d[i], a);
  });
  acc.add_to(out);
}

}  // namespace lograd::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
