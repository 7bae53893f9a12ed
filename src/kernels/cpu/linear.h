// Internal: the kernels of linear models over a data matrix X, CSR or dense, float or double
// storage, with double accumulation. Each loops over a row subset R of X: rows[0..count) when
// rows is non-null, else rows 0..count-1. P is the parameter type (float or double).
//
// Threads: the rows are cut into one contiguous block per thread (lograd::num_threads()); each
// block accumulates into its own buffer and the buffers are added in block order, so a result
// is the same from run to run for a given thread count. Dense rows are vectorised by hand
// (dense_simd.h, Highway), CSR rows run in several scalar accumulators; every sum has a fixed
// association order, so results are deterministic.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/cpu/dense_simd.h"
#include "lograd/parallel.h"

#include "lograd/csr.h"
#include "lograd/tensor.h"

namespace lograd::kernels {

inline int64_t row_at(const int64_t* rows, int64_t i) { return rows ? rows[i] : i; }

// x_r . w for one row r of X. The sums run in several independent accumulators (combined in a
// fixed order, so the result is the same every run): one accumulator would chain every
// multiply-add on the previous one's latency, and the pass would be compute-bound.
template <class S, class P>
inline double row_dot(const CsrMatrix<S>& x, int64_t r, const P* w) {
  const int64_t begin = x.row_ptr[r], end = x.row_ptr[r + 1];
  const S* v = x.val.data();
  const int32_t* c = x.col.data();
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = begin;
  for (; k + 4 <= end; k += 4) {
    s0 += double(v[k]) * double(w[c[k]]);
    s1 += double(v[k + 1]) * double(w[c[k + 1]]);
    s2 += double(v[k + 2]) * double(w[c[k + 2]]);
    s3 += double(v[k + 3]) * double(w[c[k + 3]]);
  }
  for (; k < end; ++k) s0 += double(v[k]) * double(w[c[k]]);
  return (s0 + s1) + (s2 + s3);
}
template <class S, class P>
inline double row_dot(const Tensor<S>& x, int64_t r, const P* w) {
  const int64_t n = x.dim(1);
  return simd::dot(x.data() + r * n, w, n);
}

// g += a * x_r for one row r of X.
template <class S>
inline void row_axpy(const CsrMatrix<S>& x, int64_t r, double a, double* g) {
  for (int64_t k = x.row_ptr[r]; k < x.row_ptr[r + 1]; ++k) g[x.col[k]] += a * double(x.val[k]);
}
template <class S>
inline void row_axpy(const Tensor<S>& x, int64_t r, double a, double* g) {
  const int64_t n = x.dim(1);
  simd::axpy(x.data() + r * n, a, n, g);
}

// out += sum_j x_rj^2 * d for one row r (the diagonal of X^T D X).
template <class S>
inline void row_sq_axpy(const CsrMatrix<S>& x, int64_t r, double d, double* out) {
  for (int64_t k = x.row_ptr[r]; k < x.row_ptr[r + 1]; ++k)
    out[x.col[k]] += d * double(x.val[k]) * double(x.val[k]);
}
template <class S>
inline void row_sq_axpy(const Tensor<S>& x, int64_t r, double d, double* out) {
  const int64_t n = x.dim(1);
  const S* xr = x.data() + r * n;
  for (int64_t j = 0; j < n; ++j) out[j] += d * double(xr[j]) * double(xr[j]);
}

// Dense rows four at a time (simd::dot4, simd::axpy4): w and g are read once for the four rows.
template <class T>
struct IsDense : std::false_type {};
template <class S>
struct IsDense<Tensor<S>> : std::true_type {};
using simd::axpy4;
using simd::dot4;
using simd::dot4_axpy4;

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
template <class S, class P, class F>
int64_t dense_groups(const Tensor<S>& x, const int64_t* rows, int64_t begin, int64_t end,
                     const P* w, double* g, int64_t n, F&& coef) {
  const int64_t quarter = (end - begin) / 4;
  if (quarter == 0) return begin;
  const auto row = [&](int64_t i) { return x.data() + row_at(rows, i) * n; };
  int64_t idx[4];
  const S *cur[4], *next[4], *ahead[4];
  for (int q = 0; q < 4; ++q) {
    idx[q] = begin + q * quarter;
    cur[q] = row(idx[q]);
  }
  double z[4], c[4];
  dot4(cur, w, n, z);
  for (int64_t k = 0;; ++k) {
    coef(idx, z, c);
    if (k + 1 == quarter) {  // the last group: its update alone
      if (g) axpy4(cur, c, n, g);
      return begin + 4 * quarter;
    }
    for (int q = 0; q < 4; ++q) next[q] = row(idx[q] + 1);
    if (g) {
      const bool prefetch = k + 2 < quarter;
      if (prefetch)
        for (int q = 0; q < 4; ++q) ahead[q] = row(idx[q] + 2);
      dot4_axpy4(next, w, z, cur, c, n, g, prefetch ? ahead : nullptr);
    } else {
      dot4(next, w, n, z);
    }
    for (int q = 0; q < 4; ++q) {
      ++idx[q];
      cur[q] = next[q];
    }
  }
}

// The stable logistic function and loss pieces, shared by every kernel.
inline double sigmoid(double z) {
  if (z >= 0) return 1 / (1 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1 + e);
}
// log(1 + e^z) - y z, without overflow.
inline double logistic_loss(double z, double y) {
  return std::max(z, 0.0) - y * z + std::log1p(std::exp(-std::abs(z)));
}
// sigmoid(z) - y, with full relative accuracy when it is tiny.
inline double logistic_dz(double z, double y) {
  return z >= 0 ? (1 - y) - sigmoid(-z) : sigmoid(z) - y;
}

// Both of the above from one exponential: loss l(z, y) and dz = sigma(z) - y.
inline void logistic_loss_dz(double z, double y, double* loss, double* dz) {
  const double e = std::exp(-std::abs(z));  // in (0, 1]
  *loss = std::max(z, 0.0) - y * z + std::log1p(e);
  // sigma(-|z|) = e / (1 + e); for z >= 0, sigma(z) - y = (1 - y) - sigma(-z).
  const double small = e / (1 + e);
  *dz = z >= 0 ? (1 - y) - small : small - y;
}

// Number of blocks for `count` rows of x: one per thread, but none with less than about a
// million stored entries (half a millisecond of work or so). Smaller passes run on one
// thread: waking and joining threads costs more than it saves there, and much more when
// another process holds a core and a thread waits for its turn at every pass.
inline int blocks_for_work(int64_t count, double entries_per_row) {
  constexpr double kMinEntriesPerBlock = 1 << 20;
  const double blocks = static_cast<double>(count) * entries_per_row / kMinEntriesPerBlock;
  return static_cast<int>(std::clamp<double>(blocks, 1, num_threads()));
}
template <class S>
int blocks_for(const CsrMatrix<S>& x, int64_t count) {
  return blocks_for_work(count, x.rows > 0 ? static_cast<double>(x.val.size()) /
                                                 static_cast<double>(x.rows)
                                           : 0.0);
}
template <class S>
int blocks_for(const Tensor<S>& x, int64_t count) {
  return blocks_for_work(count, static_cast<double>(x.dim(1)));
}

// Runs body(block, begin, end) over `blocks` contiguous row ranges, one thread each.
template <class F>
void for_blocks(int64_t count, int blocks, F&& body) {
  if (blocks == 1) {
    body(0, int64_t{0}, count);
    return;
  }
#pragma omp parallel for num_threads(blocks) schedule(static, 1)
  for (int b = 0; b < blocks; ++b) body(b, count * b / blocks, count * (b + 1) / blocks);
}

// Per-block accumulators of width `width`, summed into out (+=) in block order.
class BlockSums {
 public:
  BlockSums(int blocks, int64_t width)
      : width_(width), data_(static_cast<size_t>(blocks) * static_cast<size_t>(width)) {}
  double* block(int b) { return data_.data() + static_cast<size_t>(b) * static_cast<size_t>(width_); }
  void add_to(double* out) const {
    const auto blocks = static_cast<int64_t>(data_.size() / static_cast<size_t>(std::max<int64_t>(width_, 1)));
    for (int64_t b = 0; b < blocks; ++b)
      for (int64_t j = 0; j < width_; ++j) out[j] += data_[static_cast<size_t>(b * width_ + j)];
  }

 private:
  int64_t width_;
  std::vector<double> data_;
};

// Fused loss and gradient, one pass over the rows of R (M = |R| = count):
//   z_i = x_i . w + b,  loss = sum_i s_i l(z_i, y_i),  gw += sum_i s_i (sigma(z_i) - y_i) x_i,
//   gb += sum_i s_i (sigma(z_i) - y_i);  z_out (count) receives z_i if non-null.
// X: (m, n), w: (n), y, s: (m) indexed by row (s null: all 1) -> returns the unscaled loss sum.
// Each row is read once: its dot product brings it into cache for the gradient update.
template <class M, class P>
double logistic_pass(const M& x, const int64_t* rows, int64_t count, const P* w, double b,
                     const P* y, const P* s, double* gw, double* gb, double* z_out, int64_t n) {
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, n + 2);  // [gw (n), gb, loss] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double loss = 0, db = 0;
    int64_t i = begin;
    if constexpr (IsDense<M>::value) {
      i = dense_groups(x, rows, begin, end, w, gw ? a : nullptr, n,
                       [&](const int64_t* idx, double* z, double* c) {
                         int64_t r[4];
                         double yq[4], l[4], dz[4];
                         for (int q = 0; q < 4; ++q) {
                           r[q] = row_at(rows, idx[q]);
                           z[q] += b;
                           yq[q] = double(y[r[q]]);
                         }
                         simd::logistic_loss_dz4(z, yq, l, dz);
                         for (int q = 0; q < 4; ++q) {
                           const double si = s ? double(s[r[q]]) : 1.0;
                           loss += si * l[q];
                           c[q] = si * dz[q];
                           db += c[q];
                           if (z_out) z_out[idx[q]] = z[q];
                         }
                       });
    }
    for (; i < end; ++i) {
      const int64_t r = row_at(rows, i);
      const double z = row_dot(x, r, w) + b;
      const double si = s ? double(s[r]) : 1.0, yi = double(y[r]);
      double l, dz;
      logistic_loss_dz(z, yi, &l, &dz);
      loss += si * l;
      const double g = si * dz;
      if (gw && g != 0) row_axpy(x, r, g, a);
      db += g;
      if (z_out) z_out[i] = z;
    }
    a[n] = db;
    a[n + 1] = loss;
  });
  std::vector<double> total(static_cast<size_t>(n + 2));
  acc.add_to(total.data());
  if (gw)
    for (int64_t j = 0; j < n; ++j) gw[j] += total[static_cast<size_t>(j)];
  if (gb) *gb += total[static_cast<size_t>(n)];
  return total[static_cast<size_t>(n + 1)];
}

// out (count) = X_R v + c.   X: (m, n), v: (n)
template <class M>
void matvec(const M& x, const int64_t* rows, int64_t count, const double* v, double c, double* out) {
  for_blocks(count, blocks_for(x, count), [&](int, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = row_dot(x, row_at(rows, i), v) + c;
  });
}

// out (n) += X_R^T u.   X: (m, n), u: (count)
template <class M>
void matvec_t(const M& x, const int64_t* rows, int64_t count, const double* u, double* out,
              int64_t n) {
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, n);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    for (int64_t i = begin; i < end; ++i)
      if (u[i] != 0) row_axpy(x, row_at(rows, i), u[i], a);
  });
  acc.add_to(out);
}

// Hessian-vector product, one read of each row (the row is still in cache for the update):
//   t_i = d_i (x_i . u + c),  out += sum_i t_i x_i,  returns sum_i t_i.
// X: (m, n), u: (n), d: (count) indexed like R -> out: (n)
template <class M>
double hess_pass(const M& x, const int64_t* rows, int64_t count, const double* u, double c,
                 const double* d, double* out, int64_t n) {
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, n + 1);  // [out (n), sum t] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double sum_t = 0;
    int64_t i = begin;
    if constexpr (IsDense<M>::value) {
      i = dense_groups(x, rows, begin, end, u, a, n, [&](const int64_t* idx, double* z, double* t) {
        for (int q = 0; q < 4; ++q) {
          t[q] = d[idx[q]] * (z[q] + c);
          sum_t += t[q];
        }
      });
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
  std::vector<double> total(static_cast<size_t>(n + 1));
  acc.add_to(total.data());
  for (int64_t j = 0; j < n; ++j) out[j] += total[static_cast<size_t>(j)];
  return total[static_cast<size_t>(n)];
}

// out (n) += diag(X_R^T D X_R).   X: (m, n), d: (count)
template <class M>
void diag_xtdx(const M& x, const int64_t* rows, int64_t count, const double* d, double* out,
               int64_t n) {
  const int blocks = blocks_for(x, count);
  BlockSums acc(blocks, n);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    for (int64_t i = begin; i < end; ++i) row_sq_axpy(x, row_at(rows, i), d[i], a);
  });
  acc.add_to(out);
}

}  // namespace lograd::kernels
