// Internal: the kernels of linear models over a data matrix X, CSR or dense, float or double
// storage, with double accumulation. Each loops over a row subset R of X: rows[0..count) when
// rows is non-null, else rows 0..count-1. P is the parameter type (float or double).
#pragma once

#include <cmath>
#include <cstdint>

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

// Fused loss and gradient, one pass over the rows of R (M = |R| = count):
//   z_i = x_i . w + b,  loss = sum_i s_i l(z_i, y_i),  gw += sum_i s_i (sigma(z_i) - y_i) x_i,
//   gb += sum_i s_i (sigma(z_i) - y_i);  z_out (count) receives z_i if non-null.
// X: (m, n), w: (n), y, s: (m) indexed by row (s null: all 1) -> returns the unscaled loss sum.
template <class M, class P>
double logistic_pass(const M& x, const int64_t* rows, int64_t count, const P* w, double b,
                     const P* y, const P* s, double* gw, double* gb, double* z_out) {
  double loss = 0, db = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t r = row_at(rows, i);
    const double z = row_dot(x, r, w) + b;
    const double si = s ? double(s[r]) : 1.0, yi = double(y[r]);
    loss += si * logistic_loss(z, yi);
    const double g = si * logistic_dz(z, yi);
    if (gw && g != 0) row_axpy(x, r, g, gw);
    db += g;
    if (z_out) z_out[i] = z;
  }
  if (gb) *gb += db;
  return loss;
}

// out (count) = X_R v + c.   X: (m, n), v: (n)
template <class M>
void matvec(const M& x, const int64_t* rows, int64_t count, const double* v, double c, double* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = row_dot(x, row_at(rows, i), v) + c;
}

// out (n) += X_R^T u.   X: (m, n), u: (count)
template <class M>
void matvec_t(const M& x, const int64_t* rows, int64_t count, const double* u, double* out) {
  for (int64_t i = 0; i < count; ++i)
    if (u[i] != 0) row_axpy(x, row_at(rows, i), u[i], out);
}

// out (n) += diag(X_R^T D X_R).   X: (m, n), d: (count)
template <class M>
void diag_xtdx(const M& x, const int64_t* rows, int64_t count, const double* d, double* out) {
  for (int64_t i = 0; i < count; ++i) row_sq_axpy(x, row_at(rows, i), d[i], out);
}

}  // namespace lograd::kernels
