// Reductions to a scalar, each forward beside its backward. Sums accumulate in double.
#include "graph/op_table.h"

namespace lograd::detail {
namespace {

// x: (any) -> out: ()
template <class T>
void sum_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& x = *args.in[0];
  double s = 0;
  for (int64_t i = 0; i < x.numel(); ++i) s += x[i];
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(s);
}

// g: () -> dx += g everywhere
template <class T>
void sum_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout, GradOut<T> gin) {
  if (!gin[0]) return;
  for (int64_t i = 0; i < args.in[0]->numel(); ++i) (*gin[0])[i] += gout[0];
}

// x: (any), size N >= 1 -> out: ()
template <class T>
void mean_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& x = *args.in[0];
  if (x.numel() == 0) throw ShapeError("mean: the input is empty");
  double s = 0;
  for (int64_t i = 0; i < x.numel(); ++i) s += x[i];
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(s / static_cast<double>(x.numel()));
}

// g: () -> dx += g / N everywhere
template <class T>
void mean_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout, GradOut<T> gin) {
  if (!gin[0]) return;
  const T g = gout[0] / static_cast<T>(args.in[0]->numel());
  for (int64_t i = 0; i < args.in[0]->numel(); ++i) (*gin[0])[i] += g;
}

// x: (any) -> out: ()   sum of x^2, each square rounded to T first (as square then sum)
template <class T>
void sum_squares_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& x = *args.in[0];
  double s = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const T sq = x[i] * x[i];
    s += sq;
  }
  out.reshape_storage(Shape{});
  out[0] = static_cast<T>(s);
}

// g: () -> dx += g (2 x)
template <class T>
void sum_squares_backward(const OpArgs<T>& args, const Tensor<T>&, const Tensor<T>& gout,
                          GradOut<T> gin) {
  if (!gin[0]) return;
  const Tensor<T>& x = *args.in[0];
  for (int64_t i = 0; i < x.numel(); ++i) (*gin[0])[i] += gout[0] * (T(2) * x[i]);
}

}  // namespace

template <class T>
void define_reduce_ops(OpTable<T>& t) {
  t.def(OpKind::kSum, sum_forward<T>, sum_backward<T>);
  t.def(OpKind::kMean, mean_forward<T>, mean_backward<T>);
  t.def(OpKind::kSumSquares, sum_squares_forward<T>, sum_squares_backward<T>);
}

template void define_reduce_ops(OpTable<float>&);
template void define_reduce_ops(OpTable<double>&);

}  // namespace lograd::detail
