// The loss curve of a training run, written as CSV data or an SVG picture.
#pragma once

#include <string>
#include <vector>

#include "lograd/solver.h"

namespace lograd::cli {

// Writes the history to path: .csv gives `iteration,objective,grad_norm,seconds` rows, .svg a
// plot of the objective and of log10 ||∇F|| / ||∇F(0)|| against the iteration.
void write_curve(const std::string& path, const std::vector<IterationInfo>& history,
                 double grad_norm0, const std::string& title);

}  // namespace lograd::cli
