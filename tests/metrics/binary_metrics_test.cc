// Binary metrics against hand-computed numbers and against scikit-learn's, committed in
// tests/golden/metrics_reference.json by scripts/make_metrics_ref.py.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "lograd/error.h"
#include "lograd/metrics.h"

namespace lograd {
namespace {

TEST(BinaryMetrics, HandComputedExample) {
  // The roc_auc_score docstring example: 3 of the 4 (pos, neg) pairs are ordered right.
  const std::vector<double> y = {0, 0, 1, 1};
  const std::vector<double> p = {0.1, 0.4, 0.35, 0.8};
  const BinaryMetrics m = binary_metrics(y, p);
  EXPECT_EQ(m.count, 4);
  EXPECT_DOUBLE_EQ(m.roc_auc, 0.75);
  // Predicted 1 only for 0.8: tn = 2, fn = 1, tp = 1.
  EXPECT_EQ(m.tn, 2);
  EXPECT_EQ(m.fp, 0);
  EXPECT_EQ(m.fn, 1);
  EXPECT_EQ(m.tp, 1);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(m.precision, 1.0);
  EXPECT_DOUBLE_EQ(m.recall, 0.5);
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3.0);
  const double loss = -(std::log(0.9) + std::log(0.6) + std::log(0.35) + std::log(0.8)) / 4;
  EXPECT_NEAR(m.log_loss, loss, 1e-15);
}

TEST(BinaryMetrics, TiedScoresCountHalf) {
  // Pairs (pos, neg): (0.2, 0.2) tie = 1/2, (0.2, 0.6) = 0, (0.8, 0.2) = 1, (0.8, 0.6) = 1.
  const std::vector<double> y = {0, 1, 0, 1};
  const std::vector<double> p = {0.2, 0.2, 0.6, 0.8};
  EXPECT_DOUBLE_EQ(binary_metrics(y, p).roc_auc, 2.5 / 4);
  // All scores equal: every pair is a tie.
  const std::vector<double> flat = {0.3, 0.3, 0.3, 0.3};
  EXPECT_DOUBLE_EQ(binary_metrics(y, flat).roc_auc, 0.5);
}

TEST(BinaryMetrics, ThresholdIsStrictlyAboveHalf) {
  const std::vector<double> y = {1, 0};
  const std::vector<double> p = {0.5, 0.5};
  const BinaryMetrics m = binary_metrics(y, p);
  EXPECT_EQ(m.fn, 1);
  EXPECT_EQ(m.tn, 1);
  EXPECT_EQ(m.tp + m.fp, 0);
  EXPECT_EQ(m.precision, 0);  // nothing predicted 1
  EXPECT_EQ(m.f1, 0);
}

TEST(BinaryMetrics, ClipsProbabilitiesInLogLoss) {
  const std::vector<double> y = {1, 0};
  const std::vector<double> p = {0.0, 1.0};
  const BinaryMetrics m = binary_metrics(y, p);
  EXPECT_TRUE(std::isfinite(m.log_loss));
  EXPECT_NEAR(m.log_loss, -std::log(1e-15), 1e-3);
  EXPECT_EQ(m.roc_auc, 0);  // the only pair is ordered wrong
}

TEST(BinaryMetrics, OneClassHasNoAuc) {
  const std::vector<double> y = {1, 1, 1};
  const std::vector<double> p = {0.2, 0.7, 0.9};
  const BinaryMetrics m = binary_metrics(y, p);
  EXPECT_TRUE(std::isnan(m.roc_auc));
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.precision, 1.0);
}

TEST(BinaryMetrics, RejectsBadInput) {
  const std::vector<double> y = {0, 1};
  const std::vector<double> p1 = {0.5};
  EXPECT_THROW(binary_metrics(y, p1), ValueError);
  EXPECT_THROW(binary_metrics({}, {}), ValueError);
  const std::vector<double> y2 = {0, 2};
  const std::vector<double> p2 = {0.5, 0.5};
  EXPECT_THROW(binary_metrics(y2, p2), ValueError);
  const std::vector<double> nan_p = {0.5, std::nan("")};
  EXPECT_THROW(binary_metrics(y, nan_p), ValueError);
  const std::vector<double> big_p = {0.5, 1.5};
  EXPECT_THROW(binary_metrics(y, big_p), ValueError);
}

TEST(BinaryMetrics, MatchesScikitLearnTo1e12) {
  std::ifstream in(std::string(LOGRAD_GOLDEN_DIR) + "/metrics_reference.json");
  ASSERT_TRUE(in) << "missing tests/golden/metrics_reference.json; run "
                     "/usr/bin/python3 scripts/make_metrics_ref.py";
  const nlohmann::json doc = nlohmann::json::parse(in);
  ASSERT_GE(doc.at("cases").size(), 3u);
  for (const auto& c : doc.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const auto y = c.at("y").get<std::vector<double>>();
    const auto p = c.at("p").get<std::vector<double>>();
    const auto& e = c.at("expected");
    const BinaryMetrics m = binary_metrics(y, p);
    EXPECT_EQ(m.count, static_cast<int64_t>(y.size()));
    EXPECT_NEAR(m.accuracy, e.at("accuracy").get<double>(), 1e-12);
    EXPECT_NEAR(m.log_loss, e.at("log_loss").get<double>(), 1e-12);
    EXPECT_NEAR(m.roc_auc, e.at("roc_auc").get<double>(), 1e-12);
    EXPECT_NEAR(m.precision, e.at("precision").get<double>(), 1e-12);
    EXPECT_NEAR(m.recall, e.at("recall").get<double>(), 1e-12);
    EXPECT_NEAR(m.f1, e.at("f1").get<double>(), 1e-12);
    EXPECT_EQ(m.tn, e.at("tn").get<int64_t>());
    EXPECT_EQ(m.fp, e.at("fp").get<int64_t>());
    EXPECT_EQ(m.fn, e.at("fn").get<int64_t>());
    EXPECT_EQ(m.tp, e.at("tp").get<int64_t>());
  }
}

}  // namespace
}  // namespace lograd
