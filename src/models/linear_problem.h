// Internal: the operand checks shared by the linear-model objectives (logistic_objective.cc,
// softmax_objective.cc).
#pragma once

#include <cmath>
#include <span>
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

// The last two points of fun_grad and the z = A w of the earlier one, so that
// fun_on_last_segment can price a line search's trials without a pass over X. Both linear-model
// objectives keep one; Newton turns it off (keep_segments(false)).
struct SegmentCache {
  std::vector<double> w0, w1, z0;
  bool have_point = false, have_segment = false, keep = true;

  // Before fun_grad evaluates at w: the previous point and its z (`z_prev()`, the fused op's
  // saved z, read only when there is a previous point) become w0 and z0.
  template <class ZPrev>
  void record(std::span<const double> w, ZPrev z_prev) {
    if (have_point) {
      z0 = z_prev();
      w0 = w1;
      have_segment = true;
    }
    w1.assign(w.begin(), w.end());
    have_point = true;
  }
  void set_keep(bool k) {
    keep = k;
    if (k) return;
    have_point = have_segment = false;
    w0 = std::vector<double>();
    w1 = std::vector<double>();
    z0 = std::vector<double>();
  }
};

}  // namespace lograd::detail
