#include "lograd/graph.h"

#include <string>

#include "graph/op_table.h"

namespace lograd {

template <class T>
const Tensor<T>& Var<T>::grad() const {
  const Node<T>& n = graph->node(id);
  if (!n.requires_grad)
    throw ValueError("node " + std::to_string(id) + " (" + std::string(op_name(n.op)) +
                     ") has no gradient: it is a constant or computed from constants only; "
                     "create weights with Graph::parameter()");
  return n.grad;
}

template <class T>
Var<T> Graph<T>::push(Node<T> node) {
  if (node.requires_grad) node.grad = Tensor<T>(node.value.shape());
  nodes_.push_back(std::move(node));
  return Var<T>{this, static_cast<int32_t>(nodes_.size() - 1)};
}

template <class T>
Var<T> Graph<T>::parameter(Tensor<T> value, std::string name) {
  Node<T> n;
  n.op = OpKind::kParameter;
  n.value = std::move(value);
  n.requires_grad = true;
  n.name = std::move(name);
  return push(std::move(n));
}

template <class T>
Var<T> Graph<T>::constant(Tensor<T> value, std::string name) {
  Node<T> n;
  n.op = OpKind::kConstant;
  n.value = std::move(value);
  n.name = std::move(name);
  return push(std::move(n));
}

template <class T>
void Graph<T>::check_own(Var<T> v, const char* what) const {
  if (v.graph != this || v.id < 0 || v.id >= size())
    throw ValueError(std::string(what) +
                     ": the variable belongs to another graph (or is unset); build every "
                     "node of one computation on the same Graph");
}

template <class T>
void Graph<T>::run_forward(Node<T>& node) {
  detail::OpArgs<T> args;
  for (int i = 0; i < kMaxOpInputs; ++i)
    if (node.in[i] >= 0) args.in[i] = &nodes_[static_cast<size_t>(node.in[i])].value;
  args.data = node.data.get();
  args.rows = node.rows.get();
  args.state = &node.state;
  detail::op_table<T>().get(node.op).forward(args, node.value);
}

template <class T>
Var<T> Graph<T>::apply(OpKind op, std::span<const Var<T>> inputs,
                       std::shared_ptr<const DataMatrix> data,
                       std::shared_ptr<const std::vector<int64_t>> rows) {
  const std::string name(op_name(op));
  if (is_leaf(op)) throw ValueError(name + " is a leaf: use parameter() or constant()");
  if (static_cast<int>(inputs.size()) != op_arity(op))
    throw ValueError(name + " takes " + std::to_string(op_arity(op)) + " input(s), got " +
                     std::to_string(inputs.size()));
  if (op_takes_data(op) != (data != nullptr) || (rows && !data))
    throw ValueError(name + (op_takes_data(op) ? " needs a data matrix"
                                               : " takes no data matrix or row subset"));
  Node<T> n;
  n.op = op;
  n.data = std::move(data);
  n.rows = std::move(rows);
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_own(inputs[i], name.c_str());
    n.in[i] = inputs[i].id;
    n.requires_grad = n.requires_grad || node(inputs[i].id).requires_grad;
  }
  run_forward(n);  // throws before anything is recorded
  return push(std::move(n));
}

template <class T>
void Graph<T>::backward(Var<T> root) {
  check_own(root, "backward");
  const Tensor<T>& v = node(root.id).value;
  if (v.numel() != 1)
    throw ShapeError("backward: the root has shape " + shape_str(v.shape()) +
                     "; start from a scalar loss (e.g. mean or sum) or pass a seed gradient");
  backward(root, Tensor<T>(v.shape(), T(1)));
}

template <class T>
void Graph<T>::backward(Var<T> root, const Tensor<T>& seed) {
  check_own(root, "backward");
  if (!seed.same_shape(node(root.id).value))
    throw ShapeError("backward: seed shape " + shape_str(seed.shape()) +
                     " differs from the root's " + shape_str(node(root.id).value.shape()));
  if (!node(root.id).requires_grad)
    throw ValueError(
        "backward: the root does not depend on any parameter; did you create the "
        "weights with Graph::parameter() rather than constant()?");
  auto ensure_grad = [](Node<T>& n) {  // a forward() replay may have changed the shape
    if (!n.grad.same_shape(n.value)) n.grad = Tensor<T>(n.value.shape());
  };
  // Non-leaf gradients restart from zero; parameter gradients accumulate.
  for (Node<T>& n : nodes_) {
    n.grad_reached = false;
    if (!is_leaf(n.op)) n.grad.fill(T(0));
  }
  Node<T>& r = at(root.id);
  ensure_grad(r);
  for (int64_t i = 0; i < seed.numel(); ++i) r.grad[i] += seed[i];
  r.grad_reached = true;

  // Reverse creation order is a topological order: each node's gradient is complete
  // before it is propagated to its inputs.
  for (int32_t id = root.id; id >= 0; --id) {
    Node<T>& n = at(id);
    if (is_leaf(n.op) || !n.grad_reached || !n.requires_grad) continue;
    detail::OpArgs<T> args;
    detail::GradOut<T> gin{};
    for (int i = 0; i < kMaxOpInputs; ++i) {
      if (n.in[i] < 0) continue;
      Node<T>& src = at(n.in[i]);
      args.in[i] = &src.value;
      if (src.requires_grad) {
        ensure_grad(src);
        src.grad_reached = true;
        gin[i] = &src.grad;
      }
    }
    args.data = n.data.get();
    args.rows = n.rows.get();
    args.state = &n.state;
    detail::op_table<T>().get(n.op).backward(args, n.value, n.grad, gin);
  }
}

template <class T>
void Graph<T>::zero_grad() {
  for (Node<T>& n : nodes_) {
    n.grad.fill(T(0));
    n.grad_reached = false;
  }
}

template <class T>
void Graph<T>::forward() {
  for (Node<T>& n : nodes_)
    if (!is_leaf(n.op)) run_forward(n);
}

template <class T>
void Graph<T>::forward(Var<T> root) {
  check_own(root, "forward");
  std::vector<char> needed(static_cast<size_t>(root.id) + 1, 0);
  needed[static_cast<size_t>(root.id)] = 1;
  for (int32_t id = root.id; id >= 0; --id) {
    if (!needed[static_cast<size_t>(id)]) continue;
    for (int32_t src : at(id).in)
      if (src >= 0) needed[static_cast<size_t>(src)] = 1;
  }
  for (int32_t id = 0; id <= root.id; ++id)
    if (needed[static_cast<size_t>(id)] && !is_leaf(at(id).op)) run_forward(at(id));
}

template <class T>
Node<T>& Graph<T>::settable_leaf(Var<T> leaf) {
  check_own(leaf, "set_value");
  Node<T>& n = at(leaf.id);
  if (!is_leaf(n.op))
    throw ValueError("set_value: node " + std::to_string(leaf.id) + " (" +
                     std::string(op_name(n.op)) + ") is computed; only leaves can be set");
  return n;
}

template <class T>
void Graph<T>::set_value(Var<T> leaf, Tensor<T> value) {
  Node<T>& n = settable_leaf(leaf);
  if (!value.same_shape(n.value))
    throw ShapeError("set_value: new shape " + shape_str(value.shape()) + " differs from " +
                     shape_str(n.value.shape()));
  n.value = std::move(value);
}

template <class T>
void Graph<T>::set_value(Var<T> leaf, std::span<const T> values) {
  Node<T>& n = settable_leaf(leaf);
  if (static_cast<int64_t>(values.size()) != n.value.numel())
    throw ShapeError("set_value: " + std::to_string(values.size()) + " values for a leaf of " +
                     std::to_string(n.value.numel()) + " elements " + shape_str(n.value.shape()));
  std::copy(values.begin(), values.end(), n.value.data());
}

template <class T>
void Graph<T>::set_name(Var<T> v, std::string name) {
  check_own(v, "set_name");
  at(v.id).name = std::move(name);
}

template <class T>
std::vector<Var<T>> Graph<T>::parameters() const {
  std::vector<Var<T>> out;
  for (int32_t id = 0; id < size(); ++id)
    if (nodes_[static_cast<size_t>(id)].op == OpKind::kParameter) out.push_back(var(id));
  return out;
}

template struct Var<float>;
template struct Var<double>;
template class Graph<float>;
template class Graph<double>;

}  // namespace lograd
