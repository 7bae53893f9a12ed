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

// The Hessian diagonal's weight entries from sums over the examples in raw feature space, for
// A = [(X - 1 mean^T) diag(inv_scale), 1] per output column: with sq (n, k) = sum_i e_iq x_ij^2,
// lin (n, k) = sum_i e_iq x_ij (read only when centred) and sum_e (k) = sum_i e_iq,
//   d[j k + q] = scale (sq - 2 mean_j lin + mean_j^2 sum_e) inv_scale_j^2 + l2.
// The logistic (k = 1), softmax and exact-sum objectives share it.
inline void weight_diagonal(const std::vector<double>& sq, const std::vector<double>& lin,
                            const std::vector<double>& sum_e, int64_t n, int64_t k,
                            const LogisticSpec& spec, const std::vector<double>& inv_scale,
                            bool centered, double scale, std::span<double> d) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t q = 0; q < k; ++q) {
      const size_t at = static_cast<size_t>(j * k + q);
      double v = sq[at];
      if (centered) v += -2 * spec.mean[j] * lin[at] + spec.mean[j] * spec.mean[j] * sum_e[q];
      if (!inv_scale.empty()) v *= inv_scale[j] * inv_scale[j];
      d[at] = v * scale + spec.l2;
    }
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
