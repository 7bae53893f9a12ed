// Internal: the op table. Each ops_<family>.cc defines forward and backward of its ops side
// by side and registers them here; op_table.cc checks that every op of LOGRAD_OPS has both.
#pragma once

#include <array>
#include <cmath>

#include <vector>

#include "lograd/data_matrix.h"
#include "lograd/loss.h"
#include "lograd/op.h"
#include "lograd/tensor.h"

namespace lograd::detail {

// What an op sees: the values of its graph inputs, the constant data matrix and row subset
// attached to its node (ops with takes_data), and `state`, the node's typed OpState that
// forward may create or refill for backward (or for a solver) to read.
template <class T>
struct OpArgs {
  std::array<const Tensor<T>*, kMaxOpInputs> in{};
  const DataMatrix* data = nullptr;
  const std::vector<int64_t>* rows = nullptr;  // null: every row of data
  std::shared_ptr<OpState>* state = nullptr;
};

// Where backward adds the input gradients; null for inputs that need none.
template <class T>
using GradOut = std::array<Tensor<T>*, kMaxOpInputs>;

// forward: computes out (resizing it) from args; throws ShapeError on bad shapes.
template <class T>
using ForwardFn = void (*)(const OpArgs<T>& args, Tensor<T>& out);

// backward: given d(loss)/d(out) in gout, ADDS d(loss)/d(in[i]) into *gin[i];
// gin[i] is null when input i needs no gradient.
template <class T>
using BackwardFn = void (*)(const OpArgs<T>& args, const Tensor<T>& out, const Tensor<T>& gout,
                            GradOut<T> gin);

template <class T>
struct OpDef {
  ForwardFn<T> forward = nullptr;
  BackwardFn<T> backward = nullptr;
};

template <class T>
class OpTable {
 public:
  // Registers op's pair; throws if op was already defined (one definition per op).
  void def(OpKind op, ForwardFn<T> forward, BackwardFn<T> backward);
  const OpDef<T>& get(OpKind op) const { return defs_[static_cast<size_t>(op)]; }

 private:
  std::array<OpDef<T>, static_cast<size_t>(OpKind::kCount)> defs_{};
};

// The table for T, built once on first use; throws if any op lacks a definition.
template <class T>
const OpTable<T>& op_table();

// One per family file.
template <class T> void define_elementwise_ops(OpTable<T>& t);
template <class T> void define_linalg_ops(OpTable<T>& t);
template <class T> void define_reduce_ops(OpTable<T>& t);
template <class T> void define_loss_ops(OpTable<T>& t);
template <class T> void define_data_ops(OpTable<T>& t);

}  // namespace lograd::detail
