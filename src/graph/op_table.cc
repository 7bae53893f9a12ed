#include "graph/op_table.h"

#include <string>

namespace lograd::detail {

template <class T>
void OpTable<T>::def(OpKind op, ForwardFn<T> forward, BackwardFn<T> backward) {
  auto& d = defs_[static_cast<size_t>(op)];
  if (d.forward) throw Error("op '" + std::string(op_name(op)) + "' is defined twice");
  d = OpDef<T>{forward, backward};
}

template <class T>
static OpTable<T> build_table() {
  OpTable<T> t;
  define_elementwise_ops(t);
  define_linalg_ops(t);
  define_reduce_ops(t);
  define_loss_ops(t);
  define_data_ops(t);
  for (const OpInfo& info : all_ops()) {
    const auto& d = t.get(info.kind);
    if (!d.forward || !d.backward)
      throw Error("op '" + std::string(info.name) +
                  "' is listed in LOGRAD_OPS but has no forward/backward in src/graph/ops_*.cc");
  }
  return t;
}

template <class T>
const OpTable<T>& op_table() {
  static const OpTable<T> table = build_table<T>();
  return table;
}

template class OpTable<float>;
template class OpTable<double>;
template const OpTable<float>& op_table<float>();
template const OpTable<double>& op_table<double>();

}  // namespace lograd::detail
