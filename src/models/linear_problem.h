// Internal: the operand checks shared by the linear-model objectives (logistic_objective.cc,
// softmax_objective.cc).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "lograd/error.h"
#include "lograd/objective.h"

namespace lograd::detail {

// Checks m targets, m weights (an empty s becomes all ones), m > 0, finite penalties >= 0 and
// standardisation statistics of n features; returns 1 / scale per feature (empty without
// standardisation). `what` names the objective in messages.
inline std::vector<double> check_linear_problem(const std::string& what, int64_t m, int64_t n,
                                                size_t targets, std::vector<double>& s,
                                                const LogisticSpec& spec) {
  if (static_cast<int64_t>(targets) != m)
    throw ShapeError(what + ": " + std::to_string(targets) + " targets for " + std::to_string(m) +
                     " examples");
  if (s.empty()) s.assign(static_cast<size_t>(m), 1.0);
  if (static_cast<int64_t>(s.size()) != m)
    throw ShapeError(what + ": " + std::to_string(s.size()) + " weights for " + std::to_string(m) +
                     " examples");
  if (m == 0) throw ValueError("the training data has no examples");
  if (!(spec.l2 >= 0) || !(spec.l1 >= 0) || !std::isfinite(spec.l2) || !std::isfinite(spec.l1))
    throw ValueError("regularisation strengths must be finite and >= 0");
  std::vector<double> inv_scale;
  if (!spec.scale.empty()) {
    if (static_cast<int64_t>(spec.scale.size()) != n ||
        (!spec.mean.empty() && static_cast<int64_t>(spec.mean.size()) != n))
      throw ShapeError("standardisation statistics do not match the feature count");
    for (double v : spec.scale) inv_scale.push_back(v > 0 ? 1 / v : 1.0);
  }
  return inv_scale;
}

}  // namespace lograd::detail
