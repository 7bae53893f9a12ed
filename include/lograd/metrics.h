// lograd/metrics.h: binary and multiclass classification metrics.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace lograd {

struct BinaryMetrics {
  int64_t count = 0;
  double accuracy = 0;
  double log_loss = 0;    // mean of -log p(true class); probabilities clipped to [1e-15, 1-1e-15]
  double roc_auc = 0;     // area under the ROC curve, ties counted as 1/2; NaN with one class
  double precision = 0;   // of class 1; 0 when nothing is predicted 1
  double recall = 0;      // of class 1; 0 when no row is 1
  double f1 = 0;          // harmonic mean of precision and recall; 0 when both are 0
  int64_t tn = 0, fp = 0, fn = 0, tp = 0;  // confusion matrix; predicted 1 when p > 0.5
};

// Metrics of probabilities p (of class 1) against targets y in {0, 1}; optional weights are
// not supported yet. Throws ValueError if the sizes differ, the input is empty, a target is
// not 0 or 1, or a probability is outside [0, 1] (or NaN).
BinaryMetrics binary_metrics(std::span<const double> y, std::span<const double> p);

// Metrics of K-class predictions: each row predicts the class of highest probability (the
// first on ties).
struct ClassMetrics {
  int64_t count = 0, classes = 0;
  double accuracy = 0;
  double log_loss = 0;       // mean of -log p(true class), clipped as for BinaryMetrics
  double macro_f1 = 0;       // mean of the per-class F1 over the classes true or predicted
                             // somewhere (scikit-learn's macro average)
  double weighted_f1 = 0;    // per-class F1 weighted by the class's row count
  std::vector<double> precision, recall, f1;  // (K) per class; 0 where undefined
  std::vector<int64_t> support;               // (K) rows of each true class
  std::vector<int64_t> confusion;             // (K, K): rows true class, columns predicted
};

// Metrics of class probabilities p (m, K) row-major against class indices y (m) in [0, K).
// Throws ValueError on size mismatch, an empty input, a bad index or a probability outside
// [0, 1].
ClassMetrics class_metrics(std::span<const double> y, std::span<const double> p, int64_t classes);

}  // namespace lograd
