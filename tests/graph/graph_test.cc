// The tape: ordering, accumulation, repeated backward, parameters vs constants, replay.
#include "lograd/graph.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lograd/ops.h"

namespace lograd {
namespace {

TEST(Graph, RecordsNodesInCreationOrder) {
  Graph<double> g;
  auto w = g.parameter(Tensor<double>::scalar(2), "w");
  auto x = g.constant(Tensor<double>::scalar(3), "x");
  auto z = w * x;
  EXPECT_EQ(w.id, 0);
  EXPECT_EQ(x.id, 1);
  EXPECT_EQ(z.id, 2);
  EXPECT_EQ(g.node(z.id).op, OpKind::kMul);
  EXPECT_EQ(g.node(z.id).in[0], w.id);
  EXPECT_EQ(g.node(z.id).in[1], x.id);
  EXPECT_EQ(z.item(), 6);
}

TEST(Graph, GradientsAccumulateOverEveryUse) {
  // y = x*x + x uses x three times: dy/dx = 2x + 1.
  Graph<double> g;
  auto x = g.parameter(Tensor<double>::scalar(3));
  auto y = x * x + x;
  g.backward(y);
  EXPECT_EQ(x.grad().item(), 7);
}

TEST(Graph, DiamondSharesAnIntermediate) {
  // u = exp(x); y = u * u + u: dy/dx = (2u + 1) u.
  Graph<double> g;
  auto x = g.parameter(Tensor<double>::scalar(0.5));
  auto u = exp(x);
  auto y = u * u + u;
  g.backward(y);
  const double e = std::exp(0.5);
  EXPECT_NEAR(x.grad().item(), (2 * e + 1) * e, 1e-14);
  EXPECT_NEAR(u.grad().item(), 2 * e + 1, 1e-14);
}

TEST(Graph, BackwardAgainAfterZeroGradGivesTheSameResult) {
  Graph<double> g;
  auto w = g.parameter(Tensor<double>::vector({0.3, -0.7}));
  auto x = g.constant(Tensor<double>::matrix(3, 2, {1, 2, 3, 4, 5, 6}));
  auto loss = mean(square(tanh(matmul(x, w))));
  g.backward(loss);
  const Tensor<double> first = w.grad();
  g.backward(loss);  // without zero_grad: parameter gradients add up
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(w.grad()[i], 2 * first[i]);
  g.zero_grad();
  EXPECT_EQ(w.grad()[0], 0);
  g.backward(loss);
  EXPECT_EQ(w.grad().vec(), first.vec());  // bit for bit
}

TEST(Graph, ConstantsHaveNoGradient) {
  Graph<double> g;
  auto c = g.constant(Tensor<double>::scalar(1), "x");
  auto w = g.parameter(Tensor<double>::scalar(2), "w");
  auto y = c * w;
  g.backward(y);
  EXPECT_EQ(w.grad().item(), 1);
  EXPECT_TRUE(g.node(y.id).requires_grad);
  EXPECT_FALSE(g.node(c.id).requires_grad);
  EXPECT_THROW(c.grad(), ValueError);
  EXPECT_EQ(g.parameters().size(), 1u);
  EXPECT_EQ(g.parameters()[0].id, w.id);
}

TEST(Graph, BackwardFromConstantsSaysWhatToDo) {
  Graph<double> g;
  auto x = g.constant(Tensor<double>::scalar(1));
  auto y = exp(x);
  try {
    g.backward(y);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Graph::parameter()"), std::string::npos);
  }
}

TEST(Graph, BackwardNeedsAScalarRootOrASeed) {
  Graph<double> g;
  auto w = g.parameter(Tensor<double>::vector({1, 2}));
  auto y = exp(w);
  EXPECT_THROW(g.backward(y), ShapeError);
  g.backward(y, Tensor<double>::vector({1, 0}));
  EXPECT_DOUBLE_EQ(w.grad()[0], std::exp(1.0));
  EXPECT_EQ(w.grad()[1], 0);
}

TEST(Graph, LongChainNeedsNoRecursion) {
  // 200,000 nodes: a recursive backward would overflow the stack.
  Graph<double> g;
  auto w = g.parameter(Tensor<double>::scalar(1));
  Var<double> v = w;
  for (int i = 0; i < 100000; ++i) v = v * 1.0;
  g.backward(v);
  EXPECT_EQ(w.grad().item(), 1);
  EXPECT_EQ(g.size(), 200001);
}

TEST(Graph, ForwardReplaysAfterSetValue) {
  Graph<double> g;
  auto w = g.parameter(Tensor<double>::scalar(1));
  auto y = sigmoid(w * 2.0);
  g.set_value(w, Tensor<double>::scalar(-1));
  g.forward();
  EXPECT_DOUBLE_EQ(y.item(), 1 / (1 + std::exp(2.0)));
  EXPECT_THROW(g.set_value(y, Tensor<double>::scalar(0)), ValueError);
  EXPECT_THROW(g.set_value(w, Tensor<double>::vector({1, 2})), ShapeError);
}

TEST(Graph, NodesOfAnotherGraphAreRefused) {
  Graph<double> g1, g2;
  auto a = g1.parameter(Tensor<double>::scalar(1));
  auto b = g2.parameter(Tensor<double>::scalar(1));
  EXPECT_THROW(add(a, b), ValueError);
}

TEST(Graph, ShapeErrorsSayWhatWasExpected) {
  Graph<double> g;
  auto a = g.parameter(Tensor<double>(Shape{2, 3}));
  auto v = g.parameter(Tensor<double>(Shape{4}));
  try {
    matmul(a, v);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot multiply (2, 3) by (4)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(add(a, v), ShapeError);
  EXPECT_THROW(add_bias(a, v), ShapeError);
  EXPECT_EQ(g.size(), 2);  // failed ops record nothing
}

}  // namespace
}  // namespace lograd
