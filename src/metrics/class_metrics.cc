// Multiclass metrics: accuracy, log loss, per-class precision / recall / F1, their macro and
// weighted means, and the confusion matrix (as scikit-learn's classification_report and
// confusion_matrix define them).
#include <algorithm>
#include <cmath>
#include <string>

#include "lograd/error.h"
#include "lograd/metrics.h"

namespace lograd {

ClassMetrics class_metrics(std::span<const double> y, std::span<const double> p, int64_t classes) {
  const auto k = static_cast<size_t>(classes);
  if (classes < 2) throw ValueError("class metrics need at least two classes");
  if (p.size() != y.size() * k)
    throw ValueError("class metrics need " + std::to_string(classes) + " probabilities per row: got " +
                     std::to_string(p.size()) + " for " + std::to_string(y.size()) + " rows");
  if (y.empty()) throw ValueError("metrics of an empty set are undefined: no rows to evaluate");
  ClassMetrics m;
  m.count = static_cast<int64_t>(y.size());
  m.classes = classes;
  m.confusion.assign(k * k, 0);
  m.support.assign(k, 0);
  constexpr double kClip = 1e-15;
  int64_t right = 0;
  double loss = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = y[i];
    if (!(t >= 0 && t < double(classes)) || t != std::floor(t))
      throw ValueError("target " + std::to_string(i) + " is " + std::to_string(t) +
                       ": expected a class index in [0, " + std::to_string(classes) + ")");
    const double* pi = p.data() + i * k;
    size_t best = 0;
    for (size_t q = 0; q < k; ++q) {
      if (!(pi[q] >= 0 && pi[q] <= 1))
        throw ValueError("probability " + std::to_string(i) + "," + std::to_string(q) + " is " +
                         std::to_string(pi[q]) + ": expected a value in [0, 1]");
      if (pi[q] > pi[best]) best = q;
    }
    const auto c = static_cast<size_t>(t);
    ++m.confusion[c * k + best];
    ++m.support[c];
    right += best == c;
    loss -= std::log(std::clamp(pi[c], kClip, 1 - kClip));
  }
  m.accuracy = static_cast<double>(right) / static_cast<double>(m.count);
  m.log_loss = loss / static_cast<double>(m.count);
  m.precision.assign(k, 0);
  m.recall.assign(k, 0);
  m.f1.assign(k, 0);
  size_t present = 0;  // classes that are true or predicted somewhere: macro F1's classes
  for (size_t q = 0; q < k; ++q) {
    int64_t predicted = 0;
    for (size_t r = 0; r < k; ++r) predicted += m.confusion[r * k + q];
    const auto tp = static_cast<double>(m.confusion[q * k + q]);
    if (predicted > 0) m.precision[q] = tp / static_cast<double>(predicted);
    if (m.support[q] > 0) m.recall[q] = tp / static_cast<double>(m.support[q]);
    if (m.precision[q] + m.recall[q] > 0)
      m.f1[q] = 2 * m.precision[q] * m.recall[q] / (m.precision[q] + m.recall[q]);
    if (predicted > 0 || m.support[q] > 0) {
      m.macro_f1 += m.f1[q];
      ++present;
    }
    m.weighted_f1 += m.f1[q] * static_cast<double>(m.support[q]) / static_cast<double>(m.count);
  }
  // As scikit-learn's f1_score(average='macro'): over the classes that occur in the labels or
  // the predictions (a class neither true nor predicted has no F1 to average).
  m.macro_f1 /= static_cast<double>(std::max<size_t>(present, 1));
  return m;
}

}  // namespace lograd
