// Internal: the kernels of linear models over a data matrix X, CSR or dense, float or double
// storage, with double accumulation. Each loops over a row subset R of X: rows[0..count) when
// rows is non-null, else rows 0..count-1. P is the parameter type (float or double).
//
// Threads: the rows are cut into one contiguous block per thread (lograd::num_threads()); each
// block accumulates into its own buffer and the buffers are added in block order, so a result
// is the same from run to run for a given thread count. Dense rows are vectorised with
// `omp simd` reductions (a fixed association order, so also deterministic).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lograd/parallel.h"

#include "lograd/csr.h"
#include "lograd/tensor.h"

namespace lograd::kernels {

inline int64_t row_at(const int64_t* rows, int64_t i) { return rows ? rows[i] : i; }

// x_r . w for one row r of X.
template <class S, class P>
inline double row_dot(const CsrMatrix<S>& x, int64_t r, const P* w) {
  double s = 0;
  for (int64_t k = x.row_ptr[r]; k < x.row_ptr[r + 1]; ++k) s += double(x.val[k]) * double(w[x.col[k]]);
  return s;
}
template <class S, class P>
inline double row_dot(const Tensor<S>& x, int64_t r, const P* w) {
  const int64_t n = x.dim(1);
  const S* xr = x.data() + r * n;
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; ++j) s += double(xr[j]) * double(w[j]);
  return s;
}

// g += a * x_r for one row r of X.
template <class S>
inline void row_axpy(const CsrMatrix<S>& x, int64_t r, double a, double* g) {
  for (int64_t k = x.row_ptr[r]; k < x.row_ptr[r + 1]; ++k) g[x.col[k]] += a * double(x.val[k]);
}
template <class S>
inline void row_axpy(const Tensor<S>& x, int64_t r, double a, double* g) {
  const int64_t n = x.dim(1);
  const S* xr = x.data() + r * n;
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) g[j] += a * double(xr[j]);
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

// Number of blocks for `count` rows: one per thread, but no block under 2048 rows.
inline int blocks_for(int64_t count) {
  return static_cast<int>(std::clamp<int64_t>(count / 2048, 1, num_threads()));
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
  const int blocks = blocks_for(count);
  BlockSums acc(blocks, n + 2);  // [gw (n), gb, loss] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double loss = 0, db = 0;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = row_at(rows, i);
      const double z = row_dot(x, r, w) + b;
      const double si = s ? double(s[r]) : 1.0, yi = double(y[r]);
      loss += si * logistic_loss(z, yi);
      const double g = si * logistic_dz(z, yi);
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
  for_blocks(count, blocks_for(count), [&](int, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = row_dot(x, row_at(rows, i), v) + c;
  });
}

// out (n) += X_R^T u.   X: (m, n), u: (count)
template <class M>
void matvec_t(const M& x, const int64_t* rows, int64_t count, const double* u, double* out,
              int64_t n) {
  const int blocks = blocks_for(count);
  BlockSums acc(blocks, n);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    for (int64_t i = begin; i < end; ++i)
      if (u[i] != 0) row_axpy(x, row_at(rows, i), u[i], a);
  });
  acc.add_to(out);
}

// out (n) += diag(X_R^T D X_R).   X: (m, n), d: (count)
template <class M>
void diag_xtdx(const M& x, const int64_t* rows, int64_t count, const double* d, double* out,
               int64_t n) {
  const int blocks = blocks_for(count);
  BlockSums acc(blocks, n);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    for (int64_t i = begin; i < end; ++i) row_sq_axpy(x, row_at(rows, i), d[i], a);
  });
  acc.add_to(out);
}

}  // namespace lograd::kernels
