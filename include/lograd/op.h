// lograd/op.h: the list of graph ops. This list is the single source of truth: each entry
// has exactly one forward/backward definition in src/graph/ops_*.cc (checked at start-up)
// and one gradcheck case in tests/graph/gradcheck_test.cc (checked by the suite).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace lograd {

// X(enumerator, name, arity, takes_data, contract); takes_data: the op reads a constant
// DataMatrix attached to its node (Graph::apply's `data`), not a graph input.
#define LOGRAD_OPS(X)                                                                          \
  X(kAdd, "add", 2, false, "a + b, elementwise; equal shapes, or either side a one-element tensor")    \
  X(kSub, "sub", 2, false, "a - b, elementwise; equal shapes, or either side a one-element tensor")    \
  X(kMul, "mul", 2, false, "a * b, elementwise; equal shapes, or either side a one-element tensor")    \
  X(kDiv, "div", 2, false, "a / b, elementwise; equal shapes, or either side a one-element tensor")    \
  X(kNeg, "neg", 1, false, "-a, elementwise")                                                          \
  X(kMatMul, "matmul", 2, false, "A(m,k) . B(k,n) -> (m,n), or A(m,k) . v(k) -> (m)")                  \
  X(kAddBias, "add_bias", 2, false, "a + b with b broadcast over a's leading dims; b.shape a suffix")  \
  X(kSum, "sum", 1, false, "sum of all elements -> scalar")                                            \
  X(kMean, "mean", 1, false, "mean of all elements -> scalar")                                         \
  X(kSumSquares, "sum_squares", 1, false, "sum of a^2 over all elements -> scalar (no a^2 tensor)")    \
  X(kExp, "exp", 1, false, "e^a, elementwise")                                                         \
  X(kLog, "log", 1, false, "natural log, elementwise; a > 0")                                          \
  X(kLog1p, "log1p", 1, false, "log(1 + a), elementwise, accurate near 0; a > -1")                     \
  X(kSigmoid, "sigmoid", 1, false, "1 / (1 + e^-a), elementwise, overflow-free")                       \
  X(kTanh, "tanh", 1, false, "tanh(a), elementwise")                                                   \
  X(kRelu, "relu", 1, false, "max(a, 0), elementwise")                                                 \
  X(kSquare, "square", 1, false, "a^2, elementwise")                                                   \
  X(kBceWithLogits, "bce_with_logits", 2, false,                                                       \
    "mean of log(1+e^z) - y*z over z and y of equal shape; d/dz = (sigmoid(z) - y) / size")     \
  X(kSoftmaxCrossEntropy, "softmax_cross_entropy", 2, false,                                           \
    "mean over rows of -sum_j Y_ij log softmax(Z_i)_j; Z, Y (m,k); d/dZ = (softmax(Z) - Y)/m")  \
  X(kSpMV, "spmv", 1, true, "X . v for a constant sparse CSR X(m,n) and v(n) -> (m)")         \
  X(kLogisticLoss, "logistic_loss", 4, true,                                                    \
    "fused: mean_r s_r (log(1+e^z_r) - y_r z_r), z = X w + b over the data X(m,n) (or its row "  \
    "subset); inputs w(n), b(), y(m), s(m); one pass computes the loss and its gradient")  \
  X(kSoftmaxLoss, "softmax_loss", 4, true,                                                      \
    "fused: mean_r s_r (log sum_j e^Z_rj - Z_r,y_r), Z = X W + b over the data X(m,n) (or its "  \
    "row subset); inputs W(n,k), b(k) or (1,k), y(m) class indices in [0,k), s(m); one pass")

// What a graph node is: a leaf (parameter or constant) or the result of an op.
enum class OpKind : uint8_t {
  kParameter,  // leaf whose gradient is wanted
  kConstant,   // leaf without gradient (data, labels, literals)
#define LOGRAD_OP_ENUM(e, name, arity, data, doc) e,
  LOGRAD_OPS(LOGRAD_OP_ENUM)
#undef LOGRAD_OP_ENUM
      kCount
};

// Static facts about one op.
struct OpInfo {
  OpKind kind;
  std::string_view name;
  int arity;
  bool takes_data;
  std::string_view doc;
};

// What an op's forward keeps on its node for backward (and for solvers): each op that keeps
// something derives its own typed state from this (e.g. LinearLossState in lograd/ops.h).
struct OpState {
  virtual ~OpState() = default;
};

// The most graph inputs any op takes.
inline constexpr int kMaxOpInputs = 4;

// Every op of LOGRAD_OPS, in list order (leaf kinds excluded).
std::span<const OpInfo> all_ops();

// Name of an op or leaf kind ("parameter", "constant", "add", ...).
std::string_view op_name(OpKind kind);

// Number of graph inputs an op takes (0 for leaves).
int op_arity(OpKind kind);

// True for ops that read a constant DataMatrix attached to their node.
bool op_takes_data(OpKind kind);

// True for kParameter and kConstant.
constexpr bool is_leaf(OpKind kind) {
  return kind == OpKind::kParameter || kind == OpKind::kConstant;
}

}  // namespace lograd
