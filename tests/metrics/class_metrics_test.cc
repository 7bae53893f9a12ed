// Multiclass metrics against hand-computed numbers (scikit-learn's definitions: per-class
// precision, recall and F1 from the confusion matrix; the macro average over the classes that
// are true or predicted somewhere, the weighted average by support).
#include <gtest/gtest.h>

#include <vector>

#include "lograd/metrics.h"

namespace lograd {
namespace {

// p rows that predict class `c` of 3.
std::vector<double> predicting(const std::vector<int>& c) {
  std::vector<double> p;
  for (int q : c)
    for (int r = 0; r < 3; ++r) p.push_back(r == q ? 0.8 : 0.1);
  return p;
}

TEST(ClassMetrics, HandComputedExample) {
  // True 0, 0, 1; predicted 0, 1, 1; class 2 neither true nor predicted.
  const std::vector<double> y = {0, 0, 1};
  const ClassMetrics m = class_metrics(y, predicting({0, 1, 1}), 3);
  EXPECT_EQ(m.count, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.precision[0], 1.0);
  EXPECT_DOUBLE_EQ(m.recall[0], 0.5);
  EXPECT_DOUBLE_EQ(m.precision[1], 0.5);
  EXPECT_DOUBLE_EQ(m.recall[1], 1.0);
  EXPECT_DOUBLE_EQ(m.f1[0], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.f1[1], 2.0 / 3.0);
  EXPECT_EQ(m.f1[2], 0.0);
  // f1_score(y, pred, average='macro') = 2/3: class 2 does not occur, so it is not averaged.
  EXPECT_DOUBLE_EQ(m.macro_f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.weighted_f1, 2.0 / 3.0);
  EXPECT_EQ(m.confusion, (std::vector<int64_t>{1, 1, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(ClassMetrics, APredictedClassWithoutExamplesCountsInTheMacroAverage) {
  // True 0, 0, 1; predicted 0, 2, 1: class 2 predicted once, never true (F1 0, averaged).
  const std::vector<double> y = {0, 0, 1};
  const ClassMetrics m = class_metrics(y, predicting({0, 2, 1}), 3);
  EXPECT_DOUBLE_EQ(m.f1[0], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.f1[1], 1.0);
  EXPECT_EQ(m.f1[2], 0.0);
  EXPECT_DOUBLE_EQ(m.macro_f1, (2.0 / 3.0 + 1.0 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.weighted_f1, (2.0 / 3.0 * 2 + 1.0) / 3.0);
}

}  // namespace
}  // namespace lograd
