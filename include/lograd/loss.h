// lograd/loss.h: the per-example logistic loss, written once. The fused kernels (their scalar
// rows; the SIMD rows vectorise this same formula and are tested against it), the graph's ops,
// the objective's Hessian weights and line searches, and prediction all call these, and a CUDA
// file can too (LOGRAD_HOST_DEVICE marks them __host__ __device__ under nvcc).
#pragma once

#include <cmath>

#if defined(__CUDACC__)
#define LOGRAD_HOST_DEVICE __host__ __device__
#else
#define LOGRAD_HOST_DEVICE
#endif

namespace lograd {

// sigma(z) = 1 / (1 + e^-z), without overflow for either sign of z.
template <class T>
LOGRAD_HOST_DEVICE inline T sigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// One example's logistic loss at z = w.x + b with target y in [0, 1], and its derivatives.
struct LogisticTerm {
  double loss;  // l(z, y) = log(1 + e^z) - y z                   (cross-entropy of sigma(z))
  double dz;    // dl/dz = sigma(z) - y                             (the lecture's a - y)
  double d2;    // d2l/dz2 = sigma(z) sigma(-z)                     (LIBLINEAR's D_ii, unweighted)
};

// l, dl/dz and d2l/dz2 from one exponential, without overflow, each with full relative
// accuracy where it is tiny (sigma(z) - y is (1 - y) - sigma(-z) for z >= 0). A NaN z gives
// NaN in all three.
LOGRAD_HOST_DEVICE inline LogisticTerm logistic_term(double z, double y) {
  const double e = std::exp(-std::fabs(z));  // in (0, 1]
  const double small = e / (1 + e);           // sigma(-|z|)
  const double big = 1 / (1 + e);             // sigma(|z|)
  LogisticTerm t;
  t.loss = (z > 0 ? z : 0.0) - y * z + std::log1p(e);
  t.dz = z >= 0 ? (1 - y) - small : small - y;
  t.d2 = small * big;
  if (z != z) t.dz = t.d2 = z;  // NaN stays NaN: a diverged point never looks finite
  return t;
}

// l(z, y) alone.
LOGRAD_HOST_DEVICE inline double logistic_loss(double z, double y) {
  return (z > 0 ? z : 0.0) - y * z + std::log1p(std::exp(-std::fabs(z)));
}

}  // namespace lograd

namespace lograd {

// One example's softmax cross-entropy over k scores z (k >= 1) with target class y in
// [0, k): returns l(z, y) = log sum_j e^z_j - z_y, and writes p = softmax(z) into p (k), both
// from one exponential per score, shifted by max z so nothing overflows. The gradient in z is
// p - onehot(y) (the lecture's a - y with K outputs); the Hessian is diag(p) - p p^T.
// A NaN score gives NaN loss and probabilities.
LOGRAD_HOST_DEVICE inline double softmax_term(const double* z, long long k, long long y,
                                              double* p) {
  double top = z[0];
  for (long long j = 1; j < k; ++j) top = z[j] > top ? z[j] : top;
  double sum = 0;
  for (long long j = 0; j < k; ++j) sum += (p[j] = std::exp(z[j] - top));
  const double inv = 1 / sum;
  for (long long j = 0; j < k; ++j) p[j] *= inv;
  double loss = std::log(sum) + (top - z[y]);  // top - z_y first: exact when they are close
  if (top != top) {
    for (long long j = 0; j < k; ++j) p[j] = top;
    loss = top;
  }
  return loss;
}

}  // namespace lograd
