// lograd/gradcheck.h: checks the engine's backward against central finite differences.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "lograd/graph.h"

namespace lograd {

// PyTorch's gradcheck defaults.
struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // absolute tolerance
  double rtol = 1e-3;  // relative tolerance, against the numeric value
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;  // largest |analytic - numeric| over the whole Jacobian
  int64_t entries = 0;       // Jacobian entries compared
  std::string message;       // the first mismatch: input, element, output, both values
};

// Builds a function of the given inputs on a graph (the inputs arrive as parameters).
using GradcheckFn = std::function<Var<double>(Graph<double>&, std::span<const Var<double>>)>;

// Compares the full Jacobian of fn at `inputs`, computed by backward (one pass per output
// element), with central differences; entry passes if |a - n| <= atol + rtol * |n|.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor<double>>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace lograd
