// Elementwise ops: each struct holds an op's function beside its local derivative, and the
// two generic kernels below run them over tensors, forward and backward.
#include <cmath>
#include <string>

#include "graph/op_table.h"

namespace lograd::detail {
namespace {

// ---- binary ops: f(a, b), df/da, df/db (out = f(a, b) is passed for reuse) ----
struct AddOp {
  template <class T> static T f(T a, T b) { return a + b; }
  template <class T> static T da(T, T, T) { return T(1); }
  template <class T> static T db(T, T, T) { return T(1); }
};
struct SubOp {
  template <class T> static T f(T a, T b) { return a - b; }
  template <class T> static T da(T, T, T) { return T(1); }
  template <class T> static T db(T, T, T) { return T(-1); }
};
struct MulOp {
  template <class T> static T f(T a, T b) { return a * b; }
  template <class T> static T da(T, T b, T) { return b; }
  template <class T> static T db(T a, T, T) { return a; }
};
struct DivOp {
  template <class T> static T f(T a, T b) { return a / b; }
  template <class T> static T da(T, T b, T) { return T(1) / b; }
  template <class T> static T db(T, T b, T out) { return -out / b; }
};

// ---- unary ops: f(x), df/dx given x and y = f(x) ----
struct NegOp {
  template <class T> static T f(T x) { return -x; }
  template <class T> static T df(T, T) { return T(-1); }
};
struct ExpOp {
  template <class T> static T f(T x) { return std::exp(x); }
  template <class T> static T df(T, T y) { return y; }
};
struct LogOp {
  template <class T> static T f(T x) { return std::log(x); }
  template <class T> static T df(T x, T) { return T(1) / x; }
};
struct Log1pOp {
  template <class T> static T f(T x) { return std::log1p(x); }
  template <class T> static T df(T x, T) { return T(1) / (T(1) + x); }
};
struct SigmoidOp {
  template <class T> static T f(T x) { return lograd::sigmoid(x); }
  // sigmoid(x) * sigmoid(-x) rather than y (1 - y): keeps full relative accuracy in both
  // tails, where 1 - y would round to 0.
  template <class T> static T df(T x, T) { return lograd::sigmoid(x) * lograd::sigmoid(-x); }
};
struct TanhOp {
  template <class T> static T f(T x) { return std::tanh(x); }
  template <class T> static T df(T, T y) { return T(1) - y * y; }
};
struct ReluOp {
  template <class T> static T f(T x) { return x > T(0) ? x : T(0); }
  template <class T> static T df(T x, T) { return x > T(0) ? T(1) : T(0); }
};
struct SquareOp {
  template <class T> static T f(T x) { return x * x; }
  template <class T> static T df(T x, T) { return T(2) * x; }
};

// Output shape of a binary elementwise op: equal shapes, or one side with one element.
template <class T>
Shape binary_shape(OpKind op, const Tensor<T>& a, const Tensor<T>& b) {
  if (a.shape() == b.shape()) return a.shape();
  if (a.numel() == 1 && b.numel() == 1) return a.rank() >= b.rank() ? a.shape() : b.shape();
  if (b.numel() == 1) return a.shape();
  if (a.numel() == 1) return b.shape();
  throw ShapeError(std::string(op_name(op)) + ": shapes " + shape_str(a.shape()) + " and " +
                   shape_str(b.shape()) +
                   " differ; elementwise ops take equal shapes or a one-element operand "
                   "(use add_bias to broadcast a bias over rows)");
}

// a: (any), b: same shape or one element -> out: the larger shape
template <class T, class Op, OpKind K>
void binary_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& a = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  out.reshape_storage(binary_shape(K, a, b));
  const int64_t n = out.numel(), sa = a.numel() == 1 ? 0 : 1, sb = b.numel() == 1 ? 0 : 1;
  for (int64_t i = 0; i < n; ++i) out[i] = Op::f(a[i * sa], b[i * sb]);
}

// gout: shape of out -> ga, gb: shapes of a, b (a one-element side sums over out)
template <class T, class Op>
void binary_backward(const OpArgs<T>& args, const Tensor<T>& out, const Tensor<T>& gout,
                     GradOut<T> gin) {
  const Tensor<T>& a = *args.in[0];
  const Tensor<T>& b = *args.in[1];
  const int64_t n = out.numel(), sa = a.numel() == 1 ? 0 : 1, sb = b.numel() == 1 ? 0 : 1;
  for (int64_t i = 0; i < n; ++i) {
    const T x = a[i * sa], y = b[i * sb], g = gout[i];
    if (gin[0]) (*gin[0])[i * sa] += g * Op::da(x, y, out[i]);
    if (gin[1]) (*gin[1])[i * sb] += g * Op::db(x, y, out[i]);
  }
}

// x: (any) -> out: same shape
template <class T, class Op>
void unary_forward(const OpArgs<T>& args, Tensor<T>& out) {
  const Tensor<T>& x = *args.in[0];
  out.reshape_storage(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) out[i] = Op::f(x[i]);
}

// gout: shape of x -> gx += gout * f'(x)
template <class T, class Op>
void unary_backward(const OpArgs<T>& args, const Tensor<T>& out, const Tensor<T>& gout,
                    GradOut<T> gin) {
  const Tensor<T>& x = *args.in[0];
  if (!gin[0]) return;
  for (int64_t i = 0; i < x.numel(); ++i) (*gin[0])[i] += gout[i] * Op::df(x[i], out[i]);
}

}  // namespace

template <class T>
void define_elementwise_ops(OpTable<T>& t) {
  t.def(OpKind::kAdd, binary_forward<T, AddOp, OpKind::kAdd>, binary_backward<T, AddOp>);
  t.def(OpKind::kSub, binary_forward<T, SubOp, OpKind::kSub>, binary_backward<T, SubOp>);
  t.def(OpKind::kMul, binary_forward<T, MulOp, OpKind::kMul>, binary_backward<T, MulOp>);
  t.def(OpKind::kDiv, binary_forward<T, DivOp, OpKind::kDiv>, binary_backward<T, DivOp>);
  t.def(OpKind::kNeg, unary_forward<T, NegOp>, unary_backward<T, NegOp>);
  t.def(OpKind::kExp, unary_forward<T, ExpOp>, unary_backward<T, ExpOp>);
  t.def(OpKind::kLog, unary_forward<T, LogOp>, unary_backward<T, LogOp>);
  t.def(OpKind::kLog1p, unary_forward<T, Log1pOp>, unary_backward<T, Log1pOp>);
  t.def(OpKind::kSigmoid, unary_forward<T, SigmoidOp>, unary_backward<T, SigmoidOp>);
  t.def(OpKind::kTanh, unary_forward<T, TanhOp>, unary_backward<T, TanhOp>);
  t.def(OpKind::kRelu, unary_forward<T, ReluOp>, unary_backward<T, ReluOp>);
  t.def(OpKind::kSquare, unary_forward<T, SquareOp>, unary_backward<T, SquareOp>);
}

template void define_elementwise_ops(OpTable<float>&);
template void define_elementwise_ops(OpTable<double>&);

}  // namespace lograd::detail
