// gradcheck for every op of LOGRAD_OPS: central differences in float64 against backward, with
// PyTorch's tolerances; and float32 forward/backward against float64. The suite is
// parameterised over all_ops(), so an op added to the list without a case here fails.
#include "lograd/gradcheck.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <string>

#include "lograd/ops.h"

namespace lograd {
namespace {

template <class T>
using BuildFn = std::function<Var<T>(Graph<T>&, std::span<const Var<T>>)>;

struct Case {
  std::string what;
  std::vector<Tensor<double>> inputs;
  BuildFn<double> f64;
  BuildFn<float> f32;
};

// One generic builder serves both precisions.
template <class F>
Case make_case(std::string what, std::vector<Tensor<double>> inputs, F f) {
  return Case{std::move(what), std::move(inputs), f, f};
}

// Uniform values in [lo, hi], keeping |x| >= gap (away from kinks such as relu's at 0).
Tensor<double> rand_tensor(Shape shape, double lo, double hi, uint64_t seed, double gap = 0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Tensor<double> t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = u(rng);
    while (std::abs(v) < gap) v = u(rng);
    t[i] = v;
  }
  return t;
}

// Rows that are probability vectors (the targets of softmax_cross_entropy).
Tensor<double> rand_rows(int64_t m, int64_t k, uint64_t seed) {
  Tensor<double> t = rand_tensor({m, k}, 0.1, 1.0, seed);
  for (int64_t i = 0; i < m; ++i) {
    double s = 0;
    for (int64_t j = 0; j < k; ++j) s += t.at(i, j);
    for (int64_t j = 0; j < k; ++j) t.at(i, j) /= s;
  }
  return t;
}

// A fixed 4 x 5 matrix with zeros, the constant operand of spmv.
Tensor<double> sparse_pattern() {
  return Tensor<double>::matrix(4, 5, {0, 1.5, 0, -2, 0,  //
                                       0.5, 0, 0, 0, 3,   //
                                       0, 0, 0, 0, 0,     //
                                       -1, 2, 0.25, 0, -0.75});
}

template <class T>
std::shared_ptr<const CsrMatrix<T>> sparse_operand() {
  return std::make_shared<CsrMatrix<T>>(CsrMatrix<T>::from_dense(sparse_pattern().cast<T>()));
}

// The data operand of logistic_loss: the same 4 x 5 matrix, sparse in float32 or dense.
std::shared_ptr<const DataMatrix> data_operand(bool sparse) {
  if (sparse)
    return std::make_shared<const DataMatrix>(CsrMatrix<float>::from_dense(sparse_pattern().cast<float>()));
  return std::make_shared<const DataMatrix>(sparse_pattern());
}

std::map<OpKind, std::vector<Case>> all_cases() {
  std::map<OpKind, std::vector<Case>> c;
  const Tensor<double> a23 = rand_tensor({2, 3}, -2, 2, 1), b23 = rand_tensor({2, 3}, -2, 2, 2);
  const Tensor<double> s = Tensor<double>::scalar(0.7);
  const Tensor<double> v3 = rand_tensor({3}, -2, 2, 3);
  const Tensor<double> nz23 = rand_tensor({2, 3}, -2, 2, 4, /*gap=*/0.5);

  c[OpKind::kAdd] = {make_case("(2,3)+(2,3)", {a23, b23}, [](auto&, auto x) { return add(x[0], x[1]); }),
                     make_case("(3)+scalar", {v3, s}, [](auto&, auto x) { return add(x[0], x[1]); }),
                     make_case("scalar+(3)", {s, v3}, [](auto&, auto x) { return add(x[0], x[1]); })};
  c[OpKind::kSub] = {make_case("(2,3)-(2,3)", {a23, b23}, [](auto&, auto x) { return sub(x[0], x[1]); }),
                     make_case("scalar-(3)", {s, v3}, [](auto&, auto x) { return sub(x[0], x[1]); })};
  c[OpKind::kMul] = {make_case("(2,3)*(2,3)", {a23, b23}, [](auto&, auto x) { return mul(x[0], x[1]); }),
                     make_case("(3)*scalar", {v3, s}, [](auto&, auto x) { return mul(x[0], x[1]); })};
  c[OpKind::kDiv] = {make_case("(2,3)/(2,3)", {a23, nz23}, [](auto&, auto x) { return div(x[0], x[1]); }),
                     make_case("scalar/(2,3)", {s, nz23}, [](auto&, auto x) { return div(x[0], x[1]); })};
  c[OpKind::kNeg] = {make_case("(2,3)", {a23}, [](auto&, auto x) { return neg(x[0]); })};
  c[OpKind::kMatMul] = {
      make_case("(3,4).(4,2)", {rand_tensor({3, 4}, -1, 1, 5), rand_tensor({4, 2}, -1, 1, 6)},
                [](auto&, auto x) { return matmul(x[0], x[1]); }),
      make_case("(3,4).(4)", {rand_tensor({3, 4}, -1, 1, 7), rand_tensor({4}, -1, 1, 8)},
                [](auto&, auto x) { return matmul(x[0], x[1]); })};
  c[OpKind::kAddBias] = {
      make_case("(3,4)+(4)", {rand_tensor({3, 4}, -1, 1, 9), rand_tensor({4}, -1, 1, 10)},
                [](auto&, auto x) { return add_bias(x[0], x[1]); }),
      make_case("(5)+()", {rand_tensor({5}, -1, 1, 11), s},
                [](auto&, auto x) { return add_bias(x[0], x[1]); })};
  c[OpKind::kSum] = {make_case("(2,3)", {a23}, [](auto&, auto x) { return sum(x[0]); })};
  c[OpKind::kSumSquares] = {
      make_case("(2,3)", {a23}, [](auto&, auto x) { return sum_squares(x[0]); })};
  c[OpKind::kMean] = {make_case("(2,3)", {a23}, [](auto&, auto x) { return mean(x[0]); })};
  c[OpKind::kExp] = {make_case("(2,3)", {a23}, [](auto&, auto x) { return exp(x[0]); })};
  c[OpKind::kLog] = {make_case("(2,3) in [0.2,3]", {rand_tensor({2, 3}, 0.2, 3, 12)},
                               [](auto&, auto x) { return log(x[0]); })};
  c[OpKind::kLog1p] = {make_case("(2,3) in [-0.7,3]", {rand_tensor({2, 3}, -0.7, 3, 13)},
                                 [](auto&, auto x) { return log1p(x[0]); })};
  c[OpKind::kSigmoid] = {
      make_case("(2,3)", {a23}, [](auto&, auto x) { return sigmoid(x[0]); }),
      make_case("tails", {Tensor<double>::vector({-12, -6, 6, 12})},
                [](auto&, auto x) { return sigmoid(x[0]); })};
  c[OpKind::kTanh] = {make_case("(2,3)", {a23}, [](auto&, auto x) { return tanh(x[0]); })};
  c[OpKind::kRelu] = {make_case("(2,3) away from 0", {nz23}, [](auto&, auto x) { return relu(x[0]); })};
  c[OpKind::kSquare] = {make_case("(2,3)", {a23}, [](auto&, auto x) { return square(x[0]); })};
  c[OpKind::kBceWithLogits] = {
      make_case("z, y (6)", {rand_tensor({6}, -4, 4, 14), rand_tensor({6}, 0, 1, 15)},
                [](auto&, auto x) { return bce_with_logits(x[0], x[1]); }),
      make_case("large logits", {Tensor<double>::vector({-30, -8, 8, 30}), rand_tensor({4}, 0, 1, 16)},
                [](auto&, auto x) { return bce_with_logits(x[0], x[1]); })};
  c[OpKind::kSoftmaxCrossEntropy] = {
      make_case("Z, Y (3,4)", {rand_tensor({3, 4}, -3, 3, 17), rand_rows(3, 4, 18)},
                [](auto&, auto x) { return softmax_cross_entropy(x[0], x[1]); })};
  c[OpKind::kSpMV] = {make_case("CSR(4,5).(5)", {rand_tensor({5}, -1, 1, 19)}, [](auto& g, auto x) {
    using T = typename std::remove_reference_t<decltype(g)>::value_type;
    return spmv(sparse_operand<T>(), x[0]);
  })};
  const std::vector<Tensor<double>> logistic_inputs{
      rand_tensor({5}, -1, 1, 20), Tensor<double>::scalar(0.3), rand_tensor({4}, 0, 1, 21),
      rand_tensor({4}, 0.5, 2, 22)};
  c[OpKind::kLogisticLoss] = {
      make_case("dense float64 X(4,5)", logistic_inputs, [](auto&, auto x) {
        return logistic_loss(data_operand(false), x[0], x[1], x[2], x[3]);
      }),
      make_case("CSR float32 X(4,5), rows {3,0,3}", logistic_inputs, [](auto&, auto x) {
        auto rows = std::make_shared<const std::vector<int64_t>>(std::vector<int64_t>{3, 0, 3});
        return logistic_loss(data_operand(true), x[0], x[1], x[2], x[3], rows);
      })};
  // softmax_loss: W (5,3), b (3), s (4) are checked; the class indices y are a constant (a
  // small change of a class index is not defined).
  const std::vector<Tensor<double>> softmax_inputs{
      rand_tensor({5, 3}, -1, 1, 23), rand_tensor({3}, -0.5, 0.5, 24), rand_tensor({4}, 0.5, 2, 25)};
  const auto classes = [](auto& g) {
    using T = typename std::remove_reference_t<decltype(g)>::value_type;
    return g.constant(Tensor<T>::vector({2, 0, 1, 2}), "y");
  };
  c[OpKind::kSoftmaxLoss] = {
      make_case("dense float64 X(4,5), K = 3", softmax_inputs, [classes](auto& g, auto x) {
        return softmax_loss(data_operand(false), x[0], x[1], classes(g), x[2]);
      }),
      make_case("CSR float32 X(4,5), K = 3, rows {3,0,3}", softmax_inputs,
                [classes](auto& g, auto x) {
                  auto rows = std::make_shared<const std::vector<int64_t>>(std::vector<int64_t>{3, 0, 3});
                  return softmax_loss(data_operand(true), x[0], x[1], classes(g), x[2], rows);
                })};
  return c;
}

const std::map<OpKind, std::vector<Case>>& cases() {
  static const auto c = all_cases();
  return c;
}

class OpGradcheck : public ::testing::TestWithParam<OpInfo> {};

TEST_P(OpGradcheck, BackwardMatchesCentralDifferences) {
  const OpInfo op = GetParam();
  const auto it = cases().find(op.kind);
  ASSERT_TRUE(it != cases().end() && !it->second.empty())
      << "op '" << op.name << "' has no gradcheck case: add one to all_cases() in " << __FILE__;
  for (const Case& c : it->second) {
    const GradcheckResult r = gradcheck(c.f64, c.inputs);  // eps 1e-6, atol 1e-5, rtol 1e-3
    EXPECT_TRUE(r.ok) << op.name << " [" << c.what << "]: " << r.message;
    EXPECT_GT(r.entries, 0);
  }
}

TEST_P(OpGradcheck, Float32MatchesFloat64) {
  const OpInfo op = GetParam();
  const auto it = cases().find(op.kind);
  ASSERT_TRUE(it != cases().end());
  for (const Case& c : it->second) {
    Graph<double> gd;
    Graph<float> gf;
    std::vector<Var<double>> pd;
    std::vector<Var<float>> pf;
    for (const auto& t : c.inputs) {
      pd.push_back(gd.parameter(t));
      pf.push_back(gf.parameter(t.cast<float>()));
    }
    const Var<double> od = c.f64(gd, pd);
    const Var<float> of = c.f32(gf, pf);
    ASSERT_EQ(od.shape(), of.shape());
    Tensor<double> seed = rand_tensor(od.shape(), -1, 1, 99);
    gd.backward(od, seed);
    gf.backward(of, seed.cast<float>());
    auto near = [](double f32, double f64) { return std::abs(f32 - f64) <= 1e-5 + 1e-4 * std::abs(f64); };
    for (int64_t k = 0; k < od.value().numel(); ++k)
      EXPECT_PRED2(near, of.value()[k], od.value()[k]) << op.name << " [" << c.what << "] value " << k;
    for (size_t i = 0; i < pd.size(); ++i)
      for (int64_t j = 0; j < pd[i].grad().numel(); ++j)
        EXPECT_PRED2(near, pf[i].grad()[j], pd[i].grad()[j])
            << op.name << " [" << c.what << "] grad of input " << i << " at " << j;
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpGradcheck, ::testing::ValuesIn(all_ops().begin(), all_ops().end()),
                         [](const auto& info) { return std::string(info.param.name); });

// The checker itself must be able to fail: at relu's kink the engine uses the subgradient 0,
// while central differences see a slope of 1, so f(x) = relu(x^2 - 1) at x = 1 must fail.
TEST(Gradcheck, CatchesAMismatch) {
  const GradcheckFn f = [](Graph<double>&, std::span<const Var<double>> x) {
    return relu(square(x[0]) - 1.0);
  };
  const GradcheckResult r = gradcheck(f, {Tensor<double>::vector({1.0})});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("analytic 0"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace lograd
