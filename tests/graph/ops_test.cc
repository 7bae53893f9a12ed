// Forward values of the ops against closed forms, and their behaviour at the extremes.
#include "lograd/ops.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lograd {
namespace {

TEST(Ops, MatmulMatrixAndVector) {
  Graph<double> g;
  auto a = g.constant(Tensor<double>::matrix(2, 3, {1, 2, 3, 4, 5, 6}));
  auto b = g.constant(Tensor<double>::matrix(3, 2, {7, 8, 9, 10, 11, 12}));
  auto v = g.constant(Tensor<double>::vector({1, 0, -1}));
  EXPECT_EQ(matmul(a, b).value().vec(), (std::vector<double>{58, 64, 139, 154}));
  EXPECT_EQ(matmul(a, b).shape(), (Shape{2, 2}));
  EXPECT_EQ(matmul(a, v).value().vec(), (std::vector<double>{-2, -2}));
  EXPECT_EQ(matmul(a, v).shape(), (Shape{2}));
}

TEST(Ops, AddBiasBroadcastsOverRows) {
  Graph<double> g;
  auto a = g.constant(Tensor<double>::matrix(2, 3, {1, 2, 3, 4, 5, 6}));
  auto b = g.constant(Tensor<double>::vector({10, 20, 30}));
  EXPECT_EQ(add_bias(a, b).value().vec(), (std::vector<double>{11, 22, 33, 14, 25, 36}));
  auto s = g.constant(Tensor<double>::scalar(0.5));
  EXPECT_EQ(add_bias(a, s).value()[5], 6.5);
}

TEST(Ops, ScalarOperandBroadcasts) {
  Graph<double> g;
  auto v = g.constant(Tensor<double>::vector({1, 2, 4}));
  EXPECT_EQ((1.0 - v).value().vec(), (std::vector<double>{0, -1, -3}));
  EXPECT_EQ((v / 2.0).value().vec(), (std::vector<double>{0.5, 1, 2}));
}

TEST(Ops, ReductionsAndUnaries) {
  Graph<double> g;
  auto v = g.constant(Tensor<double>::vector({-1, 0.5, 2}));
  EXPECT_DOUBLE_EQ(sum(v).item(), 1.5);
  EXPECT_DOUBLE_EQ(mean(v).item(), 0.5);
  EXPECT_EQ(relu(v).value().vec(), (std::vector<double>{0, 0.5, 2}));
  EXPECT_EQ(square(v).value().vec(), (std::vector<double>{1, 0.25, 4}));
  EXPECT_EQ(neg(v).value().vec(), (std::vector<double>{1, -0.5, -2}));
  EXPECT_DOUBLE_EQ(tanh(v).value()[2], std::tanh(2.0));
  EXPECT_DOUBLE_EQ(exp(v).value()[0], std::exp(-1.0));
  EXPECT_DOUBLE_EQ(log1p(v).value()[1], std::log1p(0.5));
  EXPECT_DOUBLE_EQ(log(v).value()[2], std::log(2.0));
}

TEST(Ops, SigmoidHasNoOverflowAtEitherEnd) {
  Graph<double> g;
  auto z = g.parameter(Tensor<double>::vector({-1000, -40, 0, 40, 1000}));
  auto a = sigmoid(z);
  EXPECT_EQ(a.value()[0], 0.0);
  EXPECT_DOUBLE_EQ(a.value()[1], std::exp(-40.0) / (1 + std::exp(-40.0)));
  EXPECT_EQ(a.value()[2], 0.5);
  EXPECT_EQ(a.value()[4], 1.0);
  g.backward(a, Tensor<double>(Shape{5}, 1.0));
  // sigma'(40) = e^-40 / (1 + e^-40)^2, kept to full relative accuracy.
  const double e = std::exp(-40.0);
  EXPECT_NEAR(z.grad()[3], e / ((1 + e) * (1 + e)), 1e-15 * e);
  EXPECT_EQ(z.grad()[4], 0.0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(std::isfinite(z.grad()[i]));
}

TEST(Ops, BceWithLogitsMatchesTheClosedForm) {
  // mean of log(1 + e^z) - y z; gradient (sigmoid(z) - y) / m.
  Graph<double> g;
  const std::vector<double> zs{-2, 0.3, 1.7}, ys{0, 1, 0.25};
  auto z = g.parameter(Tensor<double>::vector(zs));
  auto y = g.constant(Tensor<double>::vector(ys));
  auto loss = bce_with_logits(z, y);
  double expect = 0;
  for (int i = 0; i < 3; ++i) expect += std::log(1 + std::exp(zs[i])) - ys[i] * zs[i];
  EXPECT_NEAR(loss.item(), expect / 3, 1e-15);
  g.backward(loss);
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(z.grad()[i], (1 / (1 + std::exp(-zs[i])) - ys[i]) / 3, 1e-16);
}

TEST(Ops, BceWithLogitsIsFiniteForExtremeLogits) {
  for (double zv : {50.0, 500.0, 5000.0, -50.0, -500.0, -5000.0}) {
    for (double yv : {0.0, 1.0}) {
      Graph<double> g;
      auto z = g.parameter(Tensor<double>::scalar(zv));
      auto loss = bce_with_logits(z, g.constant(Tensor<double>::scalar(yv)));
      g.backward(loss);
      // Exact: L = log(1 + e^z) - y z = max(z,0) - y z + log1p(e^-|z|); dL/dz = sigma(z) - y.
      const double l = std::max(zv, 0.0) - yv * zv + std::log1p(std::exp(-std::abs(zv)));
      const double sig_pos = 1 / (1 + std::exp(-zv)), sig_neg = 1 / (1 + std::exp(zv));
      const double dz = yv == 1 ? -sig_neg : sig_pos;
      EXPECT_TRUE(std::isfinite(loss.item())) << zv;
      EXPECT_DOUBLE_EQ(loss.item(), l) << "z=" << zv << " y=" << yv;
      EXPECT_DOUBLE_EQ(z.grad().item(), dz) << "z=" << zv << " y=" << yv;
    }
  }
}

TEST(Ops, SoftmaxCrossEntropyMatchesTheClosedFormAndSurvivesHugeLogits) {
  Graph<double> g;
  auto z = g.parameter(Tensor<double>::matrix(2, 3, {1, 2, 3, 1000, 0, -1000}));
  auto y = g.constant(Tensor<double>::matrix(2, 3, {0, 0, 1, 0, 1, 0}));
  auto loss = softmax_cross_entropy(z, y);
  const double row0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3;
  const double row1 = 1000;  // log-sum-exp = 1000 (+ e^-1000), minus z = 0
  EXPECT_NEAR(loss.item(), (row0 + row1) / 2, 1e-12);
  g.backward(loss);
  const double p02 = std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(z.grad().at(0, 2), (p02 - 1) / 2, 1e-15);
  EXPECT_NEAR(z.grad().at(1, 0), 0.5, 1e-15);
  EXPECT_NEAR(z.grad().at(1, 1), -0.5, 1e-15);
}

TEST(Ops, SpmvEqualsDenseMatmul) {
  const auto dense = Tensor<double>::matrix(3, 4, {0, 1, 0, 2, 0, 0, 0, 0, -3, 0, 0.5, 0});
  Graph<double> g;
  auto w1 = g.parameter(Tensor<double>::vector({0.1, -0.2, 0.3, 0.4}));
  auto w2 = g.parameter(Tensor<double>::vector({0.1, -0.2, 0.3, 0.4}));
  auto x = std::make_shared<CsrMatrix<double>>(CsrMatrix<double>::from_dense(dense));
  auto ls = sum(square(spmv<double>(x, w1)));
  auto ld = sum(square(matmul(g.constant(dense), w2)));
  EXPECT_DOUBLE_EQ(ls.item(), ld.item());
  g.backward(ls);
  g.backward(ld);
  for (int j = 0; j < 4; ++j) EXPECT_DOUBLE_EQ(w1.grad()[j], w2.grad()[j]);
  auto bad = g.parameter(Tensor<double>::vector({1, 2}));
  EXPECT_THROW(spmv<double>(x, bad), ShapeError);
}

}  // namespace
}  // namespace lograd
