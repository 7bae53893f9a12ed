#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "lograd/error.h"
#include "lograd/metrics.h"

namespace lograd {
namespace {

constexpr double kClip = 1e-15;

// Throws ValueError unless y is all 0/1 and p all probabilities; y, p: (n).
void check_inputs(std::span<const double> y, std::span<const double> p) {
  if (y.size() != p.size())
    throw ValueError("metrics need one probability per target: got " + std::to_string(y.size()) +
                     " targets and " + std::to_string(p.size()) + " probabilities");
  if (y.empty()) throw ValueError("metrics of an empty set are undefined: no rows to evaluate");
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] != 0 && y[i] != 1)
      throw ValueError("target " + std::to_string(i) + " is " + std::to_string(y[i]) +
                       ": binary metrics need targets 0 or 1");
    if (!(p[i] >= 0 && p[i] <= 1))  // also rejects NaN
      throw ValueError("probability " + std::to_string(i) + " is " + std::to_string(p[i]) +
                       ": expected a value in [0, 1]");
  }
}

// Area under the ROC curve by the Mann-Whitney statistic: ranks of p ascending, tied scores
// share their mid-rank, AUC = (sum of positive ranks - n1 (n1 + 1) / 2) / (n1 n0).
double roc_auc(std::span<const double> y, std::span<const double> p) {
  const size_t n = y.size();
  const double n1 = std::accumulate(y.begin(), y.end(), 0.0);
  const double n0 = static_cast<double>(n) - n1;
  if (n1 == 0 || n0 == 0) return std::numeric_limits<double>::quiet_NaN();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  double positive_rank_sum = 0;  // ranks are 1-based; a tie group i..j-1 gets (i + 1 + j) / 2
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && p[order[j]] == p[order[i]]) ++j;
    const double mid_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k)
      if (y[order[k]] == 1) positive_rank_sum += mid_rank;
    i = j;
  }
  return (positive_rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0);
}

}  // namespace

BinaryMetrics binary_metrics(std::span<const double> y, std::span<const double> p) {
  check_inputs(y, p);
  BinaryMetrics m;
  m.count = static_cast<int64_t>(y.size());
  double loss_sum = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double pc = std::clamp(p[i], kClip, 1 - kClip);
    loss_sum -= y[i] == 1 ? std::log(pc) : std::log1p(-pc);
    const bool predicted = p[i] > 0.5;
    if (y[i] == 1)
      (predicted ? m.tp : m.fn)++;
    else
      (predicted ? m.fp : m.tn)++;
  }
  const auto count = static_cast<double>(m.count);
  m.log_loss = loss_sum / count;
  m.accuracy = static_cast<double>(m.tp + m.tn) / count;
  m.roc_auc = roc_auc(y, p);
  const auto tp = static_cast<double>(m.tp);
  m.precision = m.tp + m.fp > 0 ? tp / static_cast<double>(m.tp + m.fp) : 0;
  m.recall = m.tp + m.fn > 0 ? tp / static_cast<double>(m.tp + m.fn) : 0;
  m.f1 = m.tp > 0 ? 2 * tp / static_cast<double>(2 * m.tp + m.fp + m.fn) : 0;
  return m;
}

}  // namespace lograd
