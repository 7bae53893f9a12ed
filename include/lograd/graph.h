// lograd/graph.h: the reverse-mode computation graph (a tape).
//
// Nodes are recorded in creation order, which is a topological order, so backward is
// one loop from the root down to node 0: no recursion, any graph depth. Ops run their
// forward eagerly when a node is created; forward() replays the tape after parameter
// values change, so a training loop can build its graph once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lograd/data_matrix.h"
#include "lograd/op.h"
#include "lograd/tensor.h"

namespace lograd {

template <class T>
class Graph;

// A handle to one node of a Graph. Cheap to copy; valid while its graph lives.
template <class T>
struct Var {
  Graph<T>* graph = nullptr;
  int32_t id = -1;

  // The node's forward value.
  const Tensor<T>& value() const;
  // d(root)/d(node) from backward, zeros until then; throws ValueError for a node that
  // depends on no parameter (it has no gradient).
  const Tensor<T>& grad() const;
  const Shape& shape() const { return value().shape(); }
  // The single value of a one-element node.
  T item() const { return value().item(); }
};

// One recorded operation (or leaf) and its results.
template <class T>
struct Node {
  OpKind op = OpKind::kConstant;
  std::array<int32_t, kMaxOpInputs> in{-1, -1, -1, -1};  // input node ids; -1 where unused
  Tensor<T> value;
  Tensor<T> grad;               // d(root)/d(node), shape of value; unused unless requires_grad
  bool requires_grad = false;   // true for parameters and anything computed from one
  bool grad_reached = false;    // set when the last backward reached this node
  std::string name;             // optional label ("w", "z", ...) for explain and DOT
  std::shared_ptr<const DataMatrix> data;              // constant operand of takes_data ops
  std::shared_ptr<const std::vector<int64_t>> rows;    // row subset of data; null for all
  std::shared_ptr<OpState> state;  // what forward keeps for backward (e.g. LinearLossState)
};

// A tape of nodes. Not copyable or movable: Vars point into it.
template <class T>
class Graph {
 public:
  using value_type = T;

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Adds a leaf whose gradient backward computes (a model weight).
  Var<T> parameter(Tensor<T> value, std::string name = {});
  // Adds a leaf without gradient (data, labels, literal numbers).
  Var<T> constant(Tensor<T> value, std::string name = {});
  // Records op applied to inputs and runs its forward; throws ShapeError on bad shapes.
  // Ops with takes_data need `data` (and may take a row subset, which the caller may change
  // between forward() replays); every other op must get neither.
  Var<T> apply(OpKind op, std::span<const Var<T>> inputs,
               std::shared_ptr<const DataMatrix> data = nullptr,
               std::shared_ptr<const std::vector<int64_t>> rows = nullptr);

  // Reverse pass from a one-element root with seed 1; see the seeded overload.
  void backward(Var<T> root);
  // Reverse pass with d(root) = seed (same shape as root). Gradients of non-leaf nodes are
  // recomputed from zero; parameter gradients accumulate (+=) across calls until zero_grad().
  void backward(Var<T> root, const Tensor<T>& seed);
  // Sets every allocated gradient to zero.
  void zero_grad();
  // Recomputes every non-leaf value in creation order (after set_value on leaves).
  void forward();
  // Recomputes only the non-leaf nodes that `root` depends on.
  void forward(Var<T> root);

  // Replaces the value of a leaf; the shape must not change. Call forward() afterwards.
  void set_value(Var<T> leaf, Tensor<T> value);
  // Copies `values` into a leaf's own storage (as many as it has elements), allocating
  // nothing: a solver's next point without a second tensor of its size.
  void set_value(Var<T> leaf, std::span<const T> values);
  // Gives a node a display name.
  void set_name(Var<T> v, std::string name);

  int32_t size() const { return static_cast<int32_t>(nodes_.size()); }
  const Node<T>& node(int32_t id) const { return nodes_.at(static_cast<size_t>(id)); }
  Var<T> var(int32_t id) const { return Var<T>{const_cast<Graph*>(this), id}; }
  // The parameter leaves, in creation order.
  std::vector<Var<T>> parameters() const;

 private:
  Var<T> push(Node<T> node);
  Node<T>& at(int32_t id) { return nodes_[static_cast<size_t>(id)]; }
  void check_own(Var<T> v, const char* what) const;
  // check_own, and the node must be a leaf (set_value's precondition).
  Node<T>& settable_leaf(Var<T> leaf);
  void run_forward(Node<T>& node);

  std::vector<Node<T>> nodes_;
};

template <class T>
const Tensor<T>& Var<T>::value() const {
  return graph->node(id).value;
}

}  // namespace lograd
