// Linear-algebra ops: matmul and the bias broadcast, each forward beside its backward.
#include <string>

#include "graph/op_table.h"

namespace lograd::detail {
namespace {

// ---- matmul ----
// A: (m, k), B: (k, n) -> C: (m, n)      or      A: (m, k), v: (k) -> c: (m)
template <class T>
void matmul_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& a = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  if (a.rank() != 2 || (b.rank() != 1 && b.rank() != 2) || a.dim(1) != b.dim(0))
    throw ShapeError("matmul: cannot multiply " + shape_str(a.shape()) + " by " +
                     shape_str(b.shape()) +
                     "; expected A (m, k) times B (k, n) or v (k), with equal k");
  const int64_t m = a.dim(0), k = a.dim(1), n = b.rank() == 2 ? b.dim(1) : 1;
  out.reshape_storage(b.rank() == 2 ? Shape{m, n} : Shape{m});
  out.fill(T(0));
  for (int64_t i = 0; i < m; ++i) {
    T* c = out.data() + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const T aip = a[i * k + p];
      const T* brow = b.data() + p * n;
      for (int64_t j = 0; j < n; ++j) c[j] += aip * brow[j];
    }
  }
}

// G: (m, n) -> dA += G B^T: (m, k),  dB += A^T G: (k, n)   (n = 1 for the vector form)
template <class T>
void matmul_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                     GradOut<T> gin) {
  const Tensor<T>& a = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  const int64_t m = a.dim(0), k = a.dim(1), n = b.rank() == 2 ? b.dim(1) : 1;
  for (int64_t i = 0; i < m; ++i) {
    const T* g = gout.data() + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const T* brow = b.data() + p * n;
      if (gin[0]) {
        T s = 0;
        for (int64_t j = 0; j < n; ++j) s += g[j] * brow[j];
        (*gin[0])[i * k + p] += s;
      }
      if (gin[1]) {
        const T aip = a[i * k + p];
        T* db = gin[1]->data() + p * n;
        for (int64_t j = 0; j < n; ++j) db[j] += aip * g[j];
      }
    }
  }
}

// ---- add_bias ----
// A: (d0, ..., dr), b: (d_s, ..., dr) a suffix of A's shape (or a scalar) -> out: A's shape
template <class T>
void add_bias_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& a = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  const bool suffix = b.rank() <= a.rank() &&
                      std::equal(b.shape().begin(), b.shape().end(),
                                 a.shape().end() - b.rank());
  if (!suffix)
    throw ShapeError("add_bias: bias of shape " + shape_str(b.shape()) +
                     " does not match the trailing dimensions of " + shape_str(a.shape()) +
                     "; for A (m, n) the bias must be (n), or a scalar ()");
  out.reshape_storage(a.shape());
  const int64_t nb = b.numel();
  for (int64_t i = 0; i < a.numel(); ++i) out[i] = a[i] + b[i % nb];
}

// G: A's shape -> dA += G,  db += G summed over the leading dimensions
template <class T>
void add_bias_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                       GradOut<T> gin) {
  const int64_t nb = args.in[1]->numel();
  for (int64_t i = 0; i < gout.numel(); ++i) {
    if (gin[0]) (*gin[0])[i] += gout[i];
    if (gin[1]) (*gin[1])[i % nb] += gout[i];
  }
}

}  // namespace

template <class T>
void define_linalg_ops(OpTable<T>& t) {
  t.def(OpKind::kMatMul, matmul_forward<T>, matmul_backward<T>);
  t.def(OpKind::kAddBias, add_bias_forward<T>, add_bias_backward<T>);
}

template void define_linalg_ops(OpTable<float>&);
template void define_linalg_ops(OpTable<double>&);

}  // namespace lograd::detail
