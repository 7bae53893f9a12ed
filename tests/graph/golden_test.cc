// Golden tests: lograd's forward values and gradients against PyTorch autograd.
//
// The fixtures in tests/golden/*.json were written by scripts/make_golden.py (torch, float64,
// fixed seeds); see tests/golden/README.md. This test only reads JSON: it needs no torch.
// Each fixture names its inputs (constant or parameter), the forward values of some nodes
// (always "loss") and d(loss)/d(parameter) for every parameter, sometimes also d(loss)/d(node)
// for intermediate nodes ("node_grads"). For each fixture a builder below records the same
// graph with lograd's ops, runs backward from "loss", and every recorded number is compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lograd/csr.h"
#include "lograd/graph.h"
#include "lograd/kernels.h"
#include "lograd/objective.h"
#include "lograd/lecture.h"
#include "lograd/loss.h"
#include "lograd/ops.h"
#include "lograd/tensor.h"

#ifndef LOGRAD_GOLDEN_DIR
#error "LOGRAD_GOLDEN_DIR must be defined (tests/CMakeLists.txt sets it to tests/golden)"
#endif

namespace lograd {
namespace {

using json = nlohmann::json;

// ---- tolerances -----------------------------------------------------------------------------
// An element passes when |got - expected| <= atol + rtol * |expected|.
//
// float64 (rtol 1e-10, atol 1e-12): lograd and torch evaluate the same formulas in double, but
// in different orders and forms (summation order in matmul and reductions, torch's
// log-sigmoid form of BCE against lograd's log1p(e^-|z|) form, log_softmax against
// logsumexp-minus-z). Each op then agrees to a few ulp (~1e-16 relative); the graphs are at
// most ~20 ops deep and well conditioned, so the observed differences are ~1e-15 relative.
// 1e-10 leaves a wide margin for that rounding while any wrong derivative or broadcast
// (errors of order 1e-3..1) fails by many orders of magnitude. atol 1e-12 only matters for
// entries that are (nearly) zero, where a relative bound is meaningless.
constexpr double kRtol64 = 1e-10;
constexpr double kAtol64 = 1e-12;
// float32 (rtol 1e-5, atol 1e-6): the fixture's float64 inputs are rounded to float
// (~6e-8 relative) and every op rounds again; through a short, well-conditioned graph that
// accumulates to ~1e-6 relative at worst. atol 1e-6 covers gradient entries that come out
// near zero by cancellation of O(1) terms, whose float error is a few ulp of those terms.
constexpr double kRtol32 = 1e-5;
constexpr double kAtol32 = 1e-6;

const char kRegenerate[] =
    "generate the fixtures with `/usr/bin/python3 scripts/make_golden.py` (needs torch; "
    "see tests/golden/README.md) and commit tests/golden/*.json";

// The "generator" field of every fixture make_golden.py writes.
const char kGenerator[] = "scripts/make_golden.py";

std::filesystem::path fixture_path(const std::string& name) {
  return std::filesystem::path(LOGRAD_GOLDEN_DIR) / (name + ".json");
}

// Reads tests/golden/<name>.json; on failure returns nullopt and says why in *error.
std::optional<json> load_fixture(const std::string& name, std::string* error) {
  const std::filesystem::path path = fixture_path(name);
  std::ifstream in(path);
  if (!in) {
    *error = "missing golden fixture " + path.string() + ": " + kRegenerate;
    return std::nullopt;
  }
  try {
    json fx = json::parse(in);
    for (const char* key :
         {"name", "generator", "description", "torch_version", "inputs", "outputs", "grads"})
      if (!fx.contains(key)) {
        *error = path.string() + " has no \"" + key + "\" field: " + kRegenerate;
        return std::nullopt;
      }
    if (fx["generator"] != kGenerator) {
      *error = path.string() + " was not written by " + kGenerator + ": " + kRegenerate;
      return std::nullopt;
    }
    if (fx["name"] != name) {
      *error = path.string() + " is named " + fx["name"].dump() + ", expected \"" + name + "\"";
      return std::nullopt;
    }
    return fx;
  } catch (const json::exception& e) {
    *error = "cannot parse " + path.string() + ": " + e.what() + "; " + kRegenerate;
    return std::nullopt;
  }
}

Shape shape_of(const json& t) { return t.at("shape").get<Shape>(); }

// {"shape": [...], "data": [...]} as a Tensor<T>.
template <class T>
Tensor<T> tensor_of(const json& t) {
  const std::vector<double> data = t.at("data").get<std::vector<double>>();
  return Tensor<T>(shape_of(t), std::vector<T>(data.begin(), data.end()));
}

// Compares got to the fixture tensor `expected` elementwise; names the worst elements.
template <class T>
testing::AssertionResult close(const std::string& what, const Tensor<T>& got,
                               const json& expected, double rtol, double atol) {
  const Shape want_shape = shape_of(expected);
  if (got.shape() != want_shape)
    return testing::AssertionFailure() << what << ": shape " << shape_str(got.shape())
                                       << ", torch has " << shape_str(want_shape);
  const std::vector<double> want = expected.at("data").get<std::vector<double>>();
  if (static_cast<int64_t>(want.size()) != got.numel())
    return testing::AssertionFailure() << what << ": fixture holds " << want.size()
                                       << " values for shape " << shape_str(want_shape);
  std::ostringstream bad;
  int n_bad = 0;
  double worst = 0;  // largest |diff| / allowed
  for (int64_t i = 0; i < got.numel(); ++i) {
    const double g = static_cast<double>(got[i]), e = want[static_cast<size_t>(i)];
    const double diff = std::abs(g - e), allowed = atol + rtol * std::abs(e);
    const bool ok = std::isfinite(g) && diff <= allowed;
    worst = std::max(worst, std::isfinite(g) ? diff / allowed : INFINITY);
    if (!ok && n_bad++ < 5) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "\n  [%lld] lograd %.17g  torch %.17g  |diff| %.3g > allowed %.3g",
                    static_cast<long long>(i), g, e, diff, allowed);
      bad << line;
    }
  }
  if (n_bad > 0) {
    char head[200];
    std::snprintf(head, sizeof head,
                  ": %d of %lld elements differ from torch (rtol %g, atol %g; worst %.3g x the "
                  "allowed error):",
                  n_bad, static_cast<long long>(got.numel()), rtol, atol, worst);
    return testing::AssertionFailure() << what << head << bad.str();
  }
  return testing::AssertionSuccess();
}

// ---- building a fixture's graph -------------------------------------------------------------

// The nodes of one built graph that the fixture has numbers for.
template <class T>
struct Built {
  std::map<std::string, Var<T>> nodes;   // forward values to compare; must include "loss"
  std::map<std::string, Var<T>> params;  // parameter leaves, by fixture input name
};

// Hands out the fixture's inputs as graph leaves, and checks that each is used once.
template <class T>
class Inputs {
 public:
  Inputs(Graph<T>& g, const json& fx, Built<T>& built)
      : g_(g), in_(fx.at("inputs")), built_(built) {}

  // Input `name` as a leaf: a parameter exactly when the fixture marks it as one.
  Var<T> leaf(const std::string& name) {
    const json& t = take(name);
    if (t.at("parameter").get<bool>()) {
      const Var<T> v = g_.parameter(tensor_of<T>(t), name);
      built_.params.emplace(name, v);
      return v;
    }
    return g_.constant(tensor_of<T>(t), name);
  }
  // Input `name` as a plain tensor, for data that is not a graph node (a sparse matrix).
  Tensor<T> constant_tensor(const std::string& name) {
    const json& t = take(name);
    if (t.at("parameter").get<bool>())
      throw std::runtime_error("fixture input " + name + " must be a constant here");
    return tensor_of<T>(t);
  }
  // Names of the fixture's inputs that no builder call took.
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [name, t] : in_.items())
      if (!used_.count(name)) out.push_back(name);
    return out;
  }

 private:
  const json& take(const std::string& name) {
    if (!in_.contains(name))
      throw std::runtime_error("fixture has no input \"" + name + "\"; " + kRegenerate);
    if (!used_.insert(name).second)
      throw std::runtime_error("fixture input \"" + name + "\" taken twice");
    return in_.at(name);
  }

  Graph<T>& g_;
  const json& in_;
  Built<T>& built_;
  std::set<std::string> used_;
};

template <class T>
Var<T> scalar(Graph<T>& g, double v) {
  return g.constant(Tensor<T>::scalar(static_cast<T>(v)));
}

// a. z = w1*x1 + w2*x2 + b, a = sigmoid(z), L = -(y log a + (1-y) log(1-a)), primitive ops.
template <class T>
void build_lecture_primitive(Graph<T>& g, Inputs<T>& in, Built<T>& out) {
  const Var<T> x1 = in.leaf("x1"), x2 = in.leaf("x2"), y = in.leaf("y");
  const Var<T> w1 = in.leaf("w1"), w2 = in.leaf("w2"), b = in.leaf("b");
  const Var<T> z = add(add(mul(w1, x1), mul(w2, x2)), b);
  const Var<T> a = sigmoid(z);
  const Var<T> one = scalar(g, 1.0);
  const Var<T> loss = neg(add(mul(y, log(a)), mul(sub(one, y), log(sub(one, a)))));
  out.nodes = {{"z", z}, {"a", a}, {"loss", loss}};
}

// b. Xw = X @ w, z = Xw + b (one-element broadcast add), loss = bce_with_logits(z, y).
template <class T>
void build_logistic_batch(Graph<T>&, Inputs<T>& in, Built<T>& out) {
  const Var<T> x = in.leaf("X"), y = in.leaf("y"), w = in.leaf("w"), b = in.leaf("b");
  const Var<T> xw = matmul(x, w);
  const Var<T> z = add(xw, b);
  out.nodes = {{"Xw", xw}, {"z", z}, {"loss", bce_with_logits(z, y)}};
}

// c. As b. with X in CSR form: Xw = spmv(X, w), z = add_bias(Xw, b).
template <class T>
void build_logistic_sparse(Graph<T>&, Inputs<T>& in, Built<T>& out, const json& fx) {
  auto x = std::make_shared<const CsrMatrix<T>>(CsrMatrix<T>::from_dense(in.constant_tensor("X")));
  if (fx.contains("nnz") && x->nnz() != fx["nnz"].get<int64_t>())
    throw std::runtime_error("CsrMatrix::from_dense kept " + std::to_string(x->nnz()) +
                             " entries; the fixture's X has " + fx["nnz"].dump() + " nonzeros");
  const Var<T> y = in.leaf("y"), w = in.leaf("w"), b = in.leaf("b");
  const Var<T> xw = spmv(x, w);
  const Var<T> z = add_bias(xw, b);
  out.nodes = {{"Xw", xw}, {"z", z}, {"loss", bce_with_logits(z, y)}};
}

// d. pre1 = add_bias(X@W1, b1), H = act(pre1), Z = add_bias(H@W2, b2),
//    loss = softmax_cross_entropy(Z, Y).
template <class T, bool kRelu>
void build_two_layer_mlp(Graph<T>&, Inputs<T>& in, Built<T>& out) {
  const Var<T> x = in.leaf("X"), y = in.leaf("Y");
  const Var<T> w1 = in.leaf("W1"), b1 = in.leaf("b1"), w2 = in.leaf("W2"), b2 = in.leaf("b2");
  const Var<T> pre1 = add_bias(matmul(x, w1), b1);
  const Var<T> h = kRelu ? relu(pre1) : tanh(pre1);
  const Var<T> z = add_bias(matmul(h, w2), b2);
  out.nodes = {{"pre1", pre1}, {"H", h}, {"Z", z}, {"loss", softmax_cross_entropy(z, y)}};
}

// e. p = v*half, e = exp(p), l = log(v), q = log1p(square(v)), r = e/q, u = two/v,
//    s = (l - r) - u, n = -s, t = k*n, loss = mean(square(t)) + sum(l).
template <class T>
void build_elementwise_chain(Graph<T>&, Inputs<T>& in, Built<T>& out) {
  const Var<T> v = in.leaf("v"), k = in.leaf("k"), half = in.leaf("half"), two = in.leaf("two");
  const Var<T> e = exp(mul(v, half));
  const Var<T> l = log(v);
  const Var<T> q = log1p(square(v));
  const Var<T> r = div(e, q);
  const Var<T> u = div(two, v);
  const Var<T> t = mul(k, neg(sub(sub(l, r), u)));
  const Var<T> loss = add(mean(square(t)), sum(l));
  out.nodes = {{"e", e}, {"l", l}, {"q", q}, {"r", r}, {"u", u}, {"t", t}, {"loss", loss}};
}

template <class T>
void build(const std::string& name, Graph<T>& g, Inputs<T>& in, Built<T>& out, const json& fx) {
  if (name == "lecture_primitive" || name == "lecture_primitive_soft_target")
    build_lecture_primitive(g, in, out);
  else if (name == "logistic_batch_fused")
    build_logistic_batch(g, in, out);
  else if (name == "logistic_sparse")
    build_logistic_sparse(g, in, out, fx);
  else if (name == "two_layer_mlp")
    build_two_layer_mlp<T, false>(g, in, out);
  else if (name == "two_layer_mlp_relu")
    build_two_layer_mlp<T, true>(g, in, out);
  else if (name == "elementwise_chain")
    build_elementwise_chain(g, in, out);
  else
    throw std::runtime_error("no builder for fixture " + name);
}

std::vector<std::string> keys(const json& obj) {
  std::vector<std::string> out;
  for (const auto& [k, v] : obj.items()) out.push_back(k);
  return out;
}
template <class T>
std::vector<std::string> keys(const std::map<std::string, Var<T>>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

// Compares the built graph's nodes and gradients with everything the fixture records.
template <class T>
void expect_matches(const json& fx, const Built<T>& b, double rtol, double atol) {
  // Every named node and every parameter has torch numbers, and vice versa: nothing skipped.
  const json& outputs = fx.at("outputs");
  const json& grads = fx.at("grads");
  ASSERT_EQ(keys(b.nodes), keys(outputs)) << "the builder's nodes and the fixture's outputs differ";
  ASSERT_EQ(keys(b.params), keys(grads)) << "the graph's parameters and the fixture's grads differ";
  for (const auto& [name, t] : outputs.items())
    EXPECT_TRUE(close("forward " + name, b.nodes.at(name).value(), t, rtol, atol));
  for (const auto& [name, t] : grads.items())
    EXPECT_TRUE(close("dloss/d" + name, b.params.at(name).grad(), t, rtol, atol));
  if (fx.contains("node_grads"))
    for (const auto& [name, t] : fx["node_grads"].items()) {
      ASSERT_TRUE(b.nodes.count(name)) << "node_grads names unknown node " << name;
      EXPECT_TRUE(close("dloss/d" + name, b.nodes.at(name).grad(), t, rtol, atol));
    }
}

template <class T>
void run_golden(const std::string& name, double rtol, double atol) {
  std::string error;
  const std::optional<json> fx = load_fixture(name, &error);
  if (!fx) FAIL() << error;
  SCOPED_TRACE("fixture " + fixture_path(name).string() + " (torch " +
               (*fx)["torch_version"].get<std::string>() + "), lograd in " + dtype_name<T>());
  Graph<T> g;
  Built<T> built;
  Inputs<T> in(g, *fx, built);
  build(name, g, in, built, *fx);
  ASSERT_TRUE(in.unused().empty()) << "fixture inputs the graph does not use: "
                                   << testing::PrintToString(in.unused());
  ASSERT_TRUE(built.nodes.count("loss"));
  g.backward(built.nodes.at("loss"));
  expect_matches(*fx, built, rtol, atol);
}

// The fixtures scripts/make_golden.py writes, each with a builder above.
const std::vector<std::string> kFixtures = {
    "lecture_primitive", "lecture_primitive_soft_target", "logistic_batch_fused",
    "logistic_sparse",   "two_layer_mlp",                 "two_layer_mlp_relu",
    "elementwise_chain",
};

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, Float64MatchesTorch) { run_golden<double>(GetParam(), kRtol64, kAtol64); }

INSTANTIATE_TEST_SUITE_P(Torch, GoldenTest, testing::ValuesIn(kFixtures),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// The batch graph in single precision, against the same float64 torch numbers.
TEST(GoldenFloat32, LogisticBatchFused) {
  run_golden<float>("logistic_batch_fused", kRtol32, kAtol32);
}
TEST(GoldenFloat32, LogisticSparse) { run_golden<float>("logistic_sparse", kRtol32, kAtol32); }

// The library's own lecture graphs (lograd/lecture.h) reproduce the same torch numbers.
TEST(GoldenLectureModel, PrimitiveLectureGraphMatchesTorch) {
  for (const std::string name : {"lecture_primitive", "lecture_primitive_soft_target"}) {
    SCOPED_TRACE(name);
    std::string error;
    const std::optional<json> fx = load_fixture(name, &error);
    if (!fx) FAIL() << error;
    const json& in = (*fx)["inputs"];
    auto num = [&](const char* k) { return in.at(k).at("data").at(0).get<double>(); };
    LectureExample ex;
    ex.x = {num("x1"), num("x2")};
    ex.w = {num("w1"), num("w2")};
    ex.y = num("y");
    ex.b = num("b");
    Graph<double> g;
    const LectureGraph<double> lg = build_lecture_graph(g, ex, LossForm::kPrimitive);
    g.backward(lg.loss);
    Built<double> built;
    built.nodes = {{"z", lg.z}, {"a", lg.a}, {"loss", lg.loss}};
    built.params = {{"w1", lg.w[0]}, {"w2", lg.w[1]}, {"b", lg.b}};
    expect_matches(*fx, built, kRtol64, kAtol64);
  }
}

TEST(GoldenLectureModel, BatchGraphMatchesTorch) {
  std::string error;
  const std::optional<json> fx = load_fixture("logistic_batch_fused", &error);
  if (!fx) FAIL() << error;
  const json& in = (*fx)["inputs"];
  Graph<double> g;
  const BatchGraph<double> bg =
      build_batch_graph(g, tensor_of<double>(in["X"]), tensor_of<double>(in["y"]),
                        tensor_of<double>(in["w"]), tensor_of<double>(in["b"]).item(),
                        LossForm::kFused);
  g.backward(bg.loss);
  EXPECT_TRUE(close("forward z", bg.z.value(), (*fx)["outputs"]["z"], kRtol64, kAtol64));
  EXPECT_TRUE(close("forward loss", bg.loss.value(), (*fx)["outputs"]["loss"], kRtol64, kAtol64));
  EXPECT_TRUE(close("dloss/dw", bg.w.grad(), (*fx)["grads"]["w"], kRtol64, kAtol64));
  EXPECT_TRUE(close("dloss/db", bg.b.grad(), (*fx)["grads"]["b"], kRtol64, kAtol64));
}

// softmax_fused: the multinomial loss (1/m) sum_i s_i CE(softmax(x_i W + b), y_i) +
// lambda/2 ||W||^2, its gradient and a Hessian-vector product, by torch's double backward.
// lograd computes it twice: as a graph around the fused softmax_loss op (loss and gradient),
// and as the softmax objective (loss, gradient, Hv; z and p through the kernels).
TEST(GoldenSoftmax, FusedOpAndObjectiveMatchTorch) {
  std::string error;
  const std::optional<json> fx = load_fixture("softmax_fused", &error);
  if (!fx) FAIL() << error;
  const json& in = (*fx)["inputs"];
  const double lambda = (*fx).at("lambda").get<double>();
  const Tensor<double> x = tensor_of<double>(in["X"]), w0 = tensor_of<double>(in["W"]);
  const Tensor<double> b0 = tensor_of<double>(in["b"]), y = tensor_of<double>(in["y"]);
  const Tensor<double> s = tensor_of<double>(in["s"]), v = tensor_of<double>(in["V"]);
  const Tensor<double> c = tensor_of<double>(in["c"]);
  const int64_t m = x.dim(0), n = x.dim(1), k = w0.dim(1);
  auto data = std::make_shared<const DataMatrix>(x);

  Graph<double> g;
  const Var<double> W = g.parameter(w0, "W"), b = g.parameter(b0, "b");
  const Var<double> loss = softmax_loss(data, W, b, g.constant(y), g.constant(s)) +
                           (lambda / 2) * sum(square(W));
  g.backward(loss);
  EXPECT_TRUE(close("graph loss", loss.value(), (*fx)["outputs"]["loss"], kRtol64, kAtol64));
  EXPECT_TRUE(close("graph dloss/dW", W.grad(), (*fx)["grads"]["W"], kRtol64, kAtol64));
  EXPECT_TRUE(close("graph dloss/db", b.grad(), (*fx)["grads"]["b"], kRtol64, kAtol64));

  LogisticSpec spec;
  spec.l2 = lambda;
  auto obj = make_softmax_objective(data, k, std::vector<double>(y.data(), y.data() + m),
                                    std::vector<double>(s.data(), s.data() + m), spec);
  std::vector<double> p(w0.data(), w0.data() + n * k), grad(static_cast<size_t>(n * k + k));
  p.insert(p.end(), b0.data(), b0.data() + k);
  const Tensor<double> f = Tensor<double>::scalar(obj->fun_grad(p, grad));
  EXPECT_TRUE(close("objective", f, (*fx)["outputs"]["loss"], kRtol64, kAtol64));
  EXPECT_TRUE(close("objective dW", Tensor<double>(Shape{n, k}, std::vector<double>(grad.begin(), grad.begin() + n * k)),
                    (*fx)["grads"]["W"], kRtol64, kAtol64));
  EXPECT_TRUE(close("objective db", Tensor<double>(Shape{k}, std::vector<double>(grad.begin() + n * k, grad.end())),
                    (*fx)["grads"]["b"], kRtol64, kAtol64));
  obj->set_hessian_point();
  std::vector<double> dir(v.data(), v.data() + n * k), hv(grad.size());
  dir.insert(dir.end(), c.data(), c.data() + k);
  obj->hess_vec(dir, hv);
  EXPECT_TRUE(close("Hv (W part)", Tensor<double>(Shape{n, k}, std::vector<double>(hv.begin(), hv.begin() + n * k)),
                    (*fx)["outputs"]["hv_W"], kRtol64, kAtol64));
  // The objective adds curvature (sum_i s_i / m) / K along the biases' common shift, where the
  // loss is flat (objective.h): torch's Hv plus that term on c's mean.
  double s_mean = 0, c_sum = 0;
  for (int64_t i = 0; i < m; ++i) s_mean += s[i] / double(m);
  for (int64_t q = 0; q < k; ++q) c_sum += c[q];
  std::vector<double> hv_b(hv.begin() + n * k, hv.end());
  for (double& e : hv_b) e -= s_mean / double(k) * c_sum / double(k);
  EXPECT_TRUE(close("Hv (b part)", Tensor<double>(Shape{k}, hv_b), (*fx)["outputs"]["hv_b"], kRtol64, kAtol64));

  std::vector<double> z(static_cast<size_t>(m * k));
  const MatrixView xv = data->view();
  kernels::matmul(xv, kernels::Rows::all(xv), k, w0.data(), b0.data(), z.data());
  EXPECT_TRUE(close("z = X W + b", Tensor<double>(Shape{m, k}, z), (*fx)["outputs"]["z"], kRtol64, kAtol64));
  std::vector<double> prob(z.size());
  for (int64_t i = 0; i < m; ++i) softmax_term(z.data() + i * k, k, 0, prob.data() + i * k);
  EXPECT_TRUE(close("softmax", Tensor<double>(Shape{m, k}, prob), (*fx)["outputs"]["p"], kRtol64, kAtol64));
}

// Every fixture file make_golden.py wrote is checked by a test above (a new fixture needs a
// builder). Other JSON files in the folder (references from other scripts) are not ours.
TEST(GoldenFixtures, EveryFixtureFileHasATest) {
  const std::filesystem::path dir(LOGRAD_GOLDEN_DIR);
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << "missing fixture folder " << dir.string() << ": " << kRegenerate;
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("generator", "") == kGenerator)
      on_disk.insert(entry.path().stem().string());
  }
  std::set<std::string> tested(kFixtures.begin(), kFixtures.end());
  tested.insert("softmax_fused");  // GoldenSoftmax
  EXPECT_EQ(on_disk, tested) << "a fixture file without a test needs a builder here; a test "
                                "without its file: "
                             << kRegenerate;
}

// The comparison is not vacuous: a change far below any real bug, but above rounding, fails.
TEST(GoldenFixtures, ComparisonDetectsSmallErrors) {
  std::string error;
  const std::optional<json> fx = load_fixture("logistic_batch_fused", &error);
  if (!fx) FAIL() << error;
  const json& want = (*fx)["grads"]["w"];
  Tensor<double> got = tensor_of<double>(want);
  EXPECT_TRUE(close("exact", got, want, kRtol64, kAtol64));
  got[2] *= 1 + 1e-14;  // rounding-level: passes
  EXPECT_TRUE(close("rounding", got, want, kRtol64, kAtol64));
  got[2] *= 1 + 1e-8;  // far smaller than a wrong formula, still caught
  EXPECT_FALSE(close("perturbed", got, want, kRtol64, kAtol64));
  EXPECT_FALSE(close("reshaped", Tensor<double>(Shape{1, 5}, got.vec()), want, kRtol64, kAtol64));
  got[2] = NAN;
  EXPECT_FALSE(close("nan", got, want, kRtol64, kAtol64));
  // The float tolerance still rejects a 1e-4 relative error.
  Tensor<float> gotf = tensor_of<float>(want);
  EXPECT_TRUE(close("float", gotf, want, kRtol32, kAtol32));
  gotf[0] *= 1 + 1e-4f;
  EXPECT_FALSE(close("float perturbed", gotf, want, kRtol32, kAtol32));
}

// A missing fixture is a failure with the regeneration command, not a skip.
TEST(GoldenFixtures, MissingFixtureIsReportedWithTheFix) {
  std::string error;
  EXPECT_FALSE(load_fixture("no_such_fixture", &error).has_value());
  EXPECT_NE(error.find("scripts/make_golden.py"), std::string::npos) << error;
}

}  // namespace
}  // namespace lograd
