#include <array>

#include "lograd/op.h"

namespace lograd {
namespace {

constexpr std::array kOps = {
#define LOGRAD_OP_INFO(e, name, arity, data, doc) OpInfo{OpKind::e, name, arity, data, doc},
    LOGRAD_OPS(LOGRAD_OP_INFO)
#undef LOGRAD_OP_INFO
};
static_assert(kOps.size() + 2 == static_cast<size_t>(OpKind::kCount));
constexpr bool arity_fits() {
  for (const OpInfo& op : kOps)
    if (op.arity > kMaxOpInputs) return false;
  return true;
}
static_assert(arity_fits(), "raise kMaxOpInputs");

}  // namespace

std::span<const OpInfo> all_ops() { return kOps; }

std::string_view op_name(OpKind kind) {
  if (kind == OpKind::kParameter) return "parameter";
  if (kind == OpKind::kConstant) return "constant";
  return kOps[static_cast<size_t>(kind) - 2].name;
}

int op_arity(OpKind kind) {
  if (is_leaf(kind)) return 0;
  return kOps[static_cast<size_t>(kind) - 2].arity;
}

bool op_takes_data(OpKind kind) {
  return !is_leaf(kind) && kOps[static_cast<size_t>(kind) - 2].takes_data;
}

}  // namespace lograd
