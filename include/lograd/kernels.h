// lograd/kernels.h: the kernel seam. Every pass over the data matrix X that training,
// prediction and the graph's data ops make goes through these concrete functions, over a
// non-owning MatrixView (dense or CSR, float32 or float64). They return unscaled sums: the
// caller divides by the example count it knows (under MPI, the global one).
//
// Shapes: X (m, n); a pass covers the rows R of X given by a Rows subset (M = |R|); k is the
// number of outputs per example (the columns of W). k = 1 is binary logistic regression,
// k = K >= 2 multinomial (softmax) regression over K classes.
//
// CPU (src/kernels/cpu/): the SIMD code is compiled for every target Highway offers on the
// architecture (x86: scalar, SSSE3, SSE4, AVX2, AVX-512) and the best one the CPU supports is
// chosen at run time. Threads: each of lograd::num_threads() blocks of rows sums into its
// own buffer and the buffers are added in block order, so a result is identical from run to
// run for a given thread count (and SIMD target).
//
// A CUDA backend implements this same header in src/kernels/cuda/kernels.cu, selected where
// MatrixView's pointers are device memory: one thread block per tile of rows computes z by a
// warp-level dot product, applies lograd/loss.h (LOGRAD_HOST_DEVICE) per row, and writes its
// partial gradient to a per-block buffer that a second kernel adds in block order (no atomics,
// so the sums stay reproducible, as here).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lograd/matrix_view.h"

namespace lograd::kernels {

// Rows index[0 .. count) of X in that order, or rows 0 .. count - 1 when index is null. The
// indices must lie in [0, X.rows) (not checked per call: the callers check them once).
struct Rows {
  const int64_t* index = nullptr;
  int64_t count = 0;
  // Every row of x.
  static Rows all(const MatrixView& x) { return Rows{nullptr, x.rows}; }
};

// The per-example loss of the fused pass (lograd/loss.h).
enum class Loss : uint8_t {
  kLogistic,  // k = 1: l(z, y) = log(1 + e^z) - y z, y in [0, 1]
  kSoftmax,   // k >= 2: l(z, y) = log sum_j e^z_j - z_y, y a class index in [0, k)
};

// Operands of loss_grad. Vectors indexed "by row" are indexed by X's row number r (so a
// minibatch reads y[r]); vectors indexed "by position" by i in [0, M).
struct LossGradArgs {
  int64_t k = 1;               // outputs per example
  const double* w = nullptr;   // (n, k) row-major
  const double* b = nullptr;   // (k), or null: no bias
  const double* y = nullptr;   // (m) targets, by row (kSoftmax: class indices 0 .. k - 1)
  const double* s = nullptr;   // (m) example weights, by row; null: all 1
  double* grad_w = nullptr;    // (n, k) += sum_i s_i x_i dz_i^T; null: not wanted
  double* grad_b = nullptr;    // (k) += sum_i s_i dz_i; null: not wanted
  double* z = nullptr;         // (M, k) receives z_i = W^T x_i + b, by position; null: not kept
};

// The fused pass: reads each row of X_R once for z_i, the loss and the gradient update.
// Returns sum_i s_i l(z_i, y_i) over R (unscaled). kLogistic needs k = 1, kSoftmax k >= 2
// (ValueError otherwise). The gradient in z_i is s_i (sigma(z_i) - y_i), resp.
// s_i (softmax(z_i) - onehot(y_i)).
double loss_grad(const MatrixView& x, Rows rows, Loss loss, const LossGradArgs& a);

// out (M, k) = X_R V + c.   V: (n, k) row-major, c: (k) or null.
void matmul(const MatrixView& x, Rows rows, int64_t k, const double* v, const double* c,
            double* out);

// out (n, k) += X_R^T U.   U: (M, k) by position.
void matmul_t(const MatrixView& x, Rows rows, int64_t k, const double* u, double* out);

// Operands of hess_vec, by position i in [0, M).
struct HessVecArgs {
  int64_t k = 1;               // outputs per example
  const double* u = nullptr;   // (n, k) row-major: the direction's weights
  const double* c = nullptr;   // (k) the direction's bias part, or null (0)
  const double* d = nullptr;   // (M) k = 1: curvature weights d_i; k > 1: example weights
                               // (s_i over the count); rows with d_i = 0 are skipped
  const double* p = nullptr;   // (M, k) k > 1 only: the probabilities p_i = softmax(z_i)
  double* out = nullptr;       // (n, k) += sum_i x_i t_i^T
  double* out_c = nullptr;     // (k) += sum_i t_i; null: not wanted
};

// The Hessian-vector pass of a linear model, one read of each row: r_i = U^T x_i + c and
//   k = 1: t_i = d_i r_i;   k > 1: t_i = d_i (diag(p_i) - p_i p_i^T) r_i,
// accumulated into out and out_c as above.
void hess_vec(const MatrixView& x, Rows rows, const HessVecArgs& a);

// out (n) += diag(X_R^T D X_R) = sum_i d_i x_i^2 (elementwise).   d: (M) by position.
void diag_xtdx(const MatrixView& x, Rows rows, const double* d, double* out);
// out (n, k) += sum_i (x_i o x_i) d_i^T: the diagonal of X_R^T diag(d_.q) X_R for each
// column q.   d: (M, k) by position.
void diag_xtdx(const MatrixView& x, Rows rows, int64_t k, const double* d, double* out);

// The SIMD targets compiled in that this CPU supports, best first ("AVX3", "AVX2", "SSE4",
// "SSSE3", "SCALAR" on x86).
std::vector<std::string> simd_targets();
// The target the kernels run on now.
std::string simd_target();
// Makes the kernels run on the named target (one of simd_targets(), case-insensitive); ""
// restores the best. Throws ValueError naming the choices for any other name. For tests and
// for comparing targets; not thread-safe with running kernels.
void set_simd_target(const std::string& name);

}  // namespace lograd::kernels
