// The lecture, reproduced: the engine's da, dz, dw1, dw2, db against the closed forms,
// the primitive-op graph against the fused one, and the extremes; then its softmax version
// (z, a, L, dz, dW, db and the step) against closed forms and central differences.
#include "lograd/lecture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lograd/ops.h"

namespace lograd {
namespace {

// The lecture's closed forms, evaluated so that the reference itself is accurate to a few ulps
// in the tails: 1 - a = 1 / (1 + e^z), log a = -log1p(e^-z), log(1 - a) = -log1p(e^z), and
// a - y for y = 1 is -(1 - a).
struct ClosedForm {
  double z, a, loss, da, dz, db;
  std::vector<double> dw;
};

ClosedForm closed_form(const LectureExample& ex) {
  ClosedForm c;
  c.z = ex.w[0] * ex.x[0];
  for (size_t i = 1; i < ex.x.size(); ++i) c.z += ex.w[i] * ex.x[i];
  c.z += ex.b;
  c.a = 1 / (1 + std::exp(-c.z));
  const double one_minus_a = 1 / (1 + std::exp(c.z));
  c.loss = ex.y * std::log1p(std::exp(-c.z)) + (1 - ex.y) * std::log1p(std::exp(c.z));
  c.da = -ex.y / c.a + (1 - ex.y) / one_minus_a;
  c.dz = ex.y == 1 ? -one_minus_a : c.a;  // a - y for y in {0, 1}
  for (double xi : ex.x) c.dw.push_back(xi * c.dz);
  c.db = c.dz;
  return c;
}

void expect_rel(double got, double want, double rtol, const std::string& what) {
  EXPECT_LE(std::abs(got - want), rtol * std::abs(want)) << what << ": got " << got
                                                           << ", closed form " << want;
}

std::vector<LectureExample> random_examples(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(-2, 2), uw(-1, 1), ub(-1, 1);
  std::vector<LectureExample> out;
  for (int i = 0; i < count; ++i) {
    LectureExample ex;
    ex.x = {ux(rng), ux(rng)};
    ex.w = {uw(rng), uw(rng)};
    ex.b = ub(rng);
    ex.y = static_cast<double>(rng() & 1);
    ex.lr = 0.1;
    out.push_back(ex);
  }
  return out;
}

TEST(Lecture, PrimitiveGraphGivesTheClosedFormsTo1e12) {
  for (const LectureExample& ex : random_examples(2000, 42)) {
    Graph<double> g;
    const auto lg = build_lecture_graph(g, ex, LossForm::kPrimitive);
    g.backward(lg.loss);
    const ClosedForm c = closed_form(ex);
    expect_rel(lg.z.item(), c.z, 1e-12, "z");
    expect_rel(lg.a.item(), c.a, 1e-12, "a");
    expect_rel(lg.loss.item(), c.loss, 1e-12, "L");
    expect_rel(lg.a.grad().item(), c.da, 1e-12, "da");
    expect_rel(lg.z.grad().item(), c.dz, 1e-12, "dz");
    expect_rel(lg.w[0].grad().item(), c.dw[0], 1e-12, "dw1");
    expect_rel(lg.w[1].grad().item(), c.dw[1], 1e-12, "dw2");
    expect_rel(lg.b.grad().item(), c.db, 1e-12, "db");
    if (HasFailure()) break;
  }
}

TEST(Lecture, FusedAndPrimitiveGraphsAgree) {
  for (const LectureExample& ex : random_examples(2000, 7)) {
    const LectureTrace p = trace_lecture(ex, LossForm::kPrimitive);
    const LectureTrace f = trace_lecture(ex, LossForm::kFused);
    expect_rel(f.loss, p.loss, 1e-12, "L");
    expect_rel(f.da, p.da, 1e-12, "da");
    expect_rel(f.dz, p.dz, 1e-12, "dz");
    expect_rel(f.dw[0], p.dw[0], 1e-12, "dw1");
    expect_rel(f.dw[1], p.dw[1], 1e-12, "dw2");
    expect_rel(f.db, p.db, 1e-12, "db");
    expect_rel(f.w_new[1], p.w_new[1], 1e-12, "w2 after the step");
    expect_rel(f.b_new, p.b_new, 1e-12, "b after the step");
    if (HasFailure()) break;
  }
}

TEST(Lecture, UpdateIsOneGradientStep) {
  LectureExample ex = default_lecture_example();
  const LectureTrace t = trace_lecture(ex, LossForm::kFused);
  const ClosedForm c = closed_form(ex);
  for (size_t i = 0; i < ex.w.size(); ++i)
    expect_rel(t.w_new[i], ex.w[i] - ex.lr * c.dw[i], 1e-12, "w_new");
  expect_rel(t.b_new, ex.b - ex.lr * c.db, 1e-12, "b_new");
}

TEST(Lecture, AnyWidthWorks) {
  LectureExample ex{{0.5, -1, 2, 0.25, 3}, 0, {0.1, 0.2, -0.3, 0.4, -0.1}, 0.2, 0.5};
  const LectureTrace t = trace_lecture(ex, LossForm::kFused);
  const ClosedForm c = closed_form(ex);
  ASSERT_EQ(t.dw.size(), 5u);
  for (size_t i = 0; i < 5; ++i) expect_rel(t.dw[i], c.dw[i], 1e-12, "dw");
  expect_rel(t.da, c.da, 1e-12, "da");
}

// |z| = 50, 500, 5000: the fused loss stays finite and exact; the primitive graph cannot,
// because a = sigmoid(z) rounds to exactly 0 or 1 and log(1 - a) becomes -inf.
TEST(Lecture, ExtremeLogitsThroughTheFusedLoss) {
  for (double z : {50.0, 500.0, 5000.0, -50.0, -500.0, -5000.0}) {
    for (double y : {0.0, 1.0}) {
      LectureExample ex{{1.0, 2.0}, y, {0.0, 0.0}, z, 0.1};  // z = b
      Graph<double> g;
      const auto lg = build_lecture_graph(g, ex, LossForm::kFused);
      g.backward(lg.loss);
      const double want_loss = std::max(z, 0.0) - y * z + std::log1p(std::exp(-std::abs(z)));
      const double want_dz = y == 1 ? -1 / (1 + std::exp(z)) : 1 / (1 + std::exp(-z));
      const std::string at = "z=" + std::to_string(z) + " y=" + std::to_string(y);
      EXPECT_TRUE(std::isfinite(lg.loss.item())) << at;
      EXPECT_DOUBLE_EQ(lg.loss.item(), want_loss) << at;
      EXPECT_DOUBLE_EQ(lg.z.grad().item(), want_dz) << at;
      EXPECT_DOUBLE_EQ(lg.w[0].grad().item(), 1.0 * want_dz) << at;
      EXPECT_DOUBLE_EQ(lg.w[1].grad().item(), 2.0 * want_dz) << at;
      EXPECT_DOUBLE_EQ(lg.b.grad().item(), want_dz) << at;
    }
  }
  Graph<double> g;
  const auto lg = build_lecture_graph(g, {{1.0}, 0.0, {0.0}, 500.0, 0.1}, LossForm::kPrimitive);
  EXPECT_FALSE(std::isfinite(lg.loss.item()));
}

// Near |z| = 100 the trace (what `lograd explain` prints) still matches the closed forms,
// da included: 1 - a = e^-100 is tiny but representable.
TEST(Lecture, TraceIsExactNearZ100) {
  for (double b : {100.0, -100.0, 99.5, -101.25}) {
    for (double y : {0.0, 1.0}) {
      const LectureExample ex{{1.0, 2.0}, y, {0.5, -0.25}, b, 0.1};
      const LectureTrace t = trace_lecture(ex, LossForm::kFused);
      const ClosedForm c = closed_form(ex);
      const std::string at = "b=" + std::to_string(b) + " y=" + std::to_string(y);
      expect_rel(t.z, c.z, 1e-12, "z " + at);
      expect_rel(t.a, c.a, 1e-12, "a " + at);
      expect_rel(t.loss, c.loss, 1e-12, "L " + at);
      expect_rel(t.da, c.da, 1e-12, "da " + at);
      expect_rel(t.dz, c.dz, 1e-12, "dz " + at);
      expect_rel(t.dw[1], c.dw[1], 1e-12, "dw2 " + at);
      expect_rel(t.db, c.db, 1e-12, "db " + at);
    }
  }
}

TEST(Lecture, BatchGraphIsTheMeanOfTheExamples) {
  // J over m examples equals the mean of the one-example losses; dw the mean of their dw.
  const auto exs = random_examples(5, 3);
  Tensor<double> x(Shape{5, 2}), y(Shape{5});
  for (int i = 0; i < 5; ++i) {
    x.at(i, 0) = exs[i].x[0];
    x.at(i, 1) = exs[i].x[1];
    y[i] = exs[i].y;
  }
  const std::vector<double> w{0.3, -0.6};
  const double b = 0.1;
  double loss = 0, dw0 = 0, db = 0;
  for (int i = 0; i < 5; ++i) {
    const LectureTrace t = trace_lecture({exs[i].x, exs[i].y, w, b, 0.1}, LossForm::kFused);
    loss += t.loss / 5;
    dw0 += t.dw[0] / 5;
    db += t.db / 5;
  }
  for (LossForm form : {LossForm::kPrimitive, LossForm::kFused}) {
    Graph<double> g;
    const auto bg = build_batch_graph(g, x, y, Tensor<double>::vector(w), b, form);
    g.backward(bg.loss);
    expect_rel(bg.loss.item(), loss, 1e-12, "J");
    expect_rel(bg.w.grad()[0], dw0, 1e-12, "dw1");
    expect_rel(bg.b.grad().item(), db, 1e-12, "db");
  }
}

TEST(Lecture, BadExamplesAreRefusedWithAReason) {
  EXPECT_THROW(validate({{}, 1, {}, 0, 0.1}), ValueError);
  EXPECT_THROW(validate({{1, 2}, 1, {1}, 0, 0.1}), ValueError);
  EXPECT_THROW(validate({{1}, 2, {1}, 0, 0.1}), ValueError);
  EXPECT_THROW(validate({{NAN}, 1, {1}, 0, 0.1}), ValueError);
  try {
    validate({{1, 2}, 1, {1}, 0, 0.1});
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("give one weight per feature"), std::string::npos);
  }
}

// ---- the softmax version: K classes ----

// The softmax step by hand, independent of the engine: z_k = sum_i x_i W_ik + b_k,
// a = e^(z - max z) / sum e^(z - max z), L = log sum e^z - z_y, dz = a - onehot(y),
// dW_ik = x_i dz_k, db = dz, and the step.
struct SoftmaxClosedForm {
  std::vector<double> z, a, dz, dw, db, w_new, b_new;
  double loss = 0;
};

SoftmaxClosedForm softmax_closed_form(const SoftmaxExample& ex) {
  const size_t n = ex.x.size(), k = ex.b.size();
  SoftmaxClosedForm c;
  for (size_t j = 0; j < k; ++j) {
    double zj = ex.b[j];
    for (size_t i = 0; i < n; ++i) zj += ex.x[i] * ex.w[i * k + j];
    c.z.push_back(zj);
  }
  const double zmax = *std::max_element(c.z.begin(), c.z.end());
  double s = 0;
  for (double zj : c.z) s += std::exp(zj - zmax);
  for (double zj : c.z) c.a.push_back(std::exp(zj - zmax) / s);
  c.loss = zmax + std::log(s) - c.z[static_cast<size_t>(ex.y)];
  for (size_t j = 0; j < k; ++j) c.dz.push_back(c.a[j] - (static_cast<int64_t>(j) == ex.y ? 1 : 0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) c.dw.push_back(ex.x[i] * c.dz[j]);
  c.db = c.dz;
  for (size_t i = 0; i < ex.w.size(); ++i) c.w_new.push_back(ex.w[i] - ex.lr * c.dw[i]);
  for (size_t j = 0; j < k; ++j) c.b_new.push_back(ex.b[j] - ex.lr * c.db[j]);
  return c;
}

// |got - want| <= rtol |want| + atol for every entry, and equal lengths.
void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                  double atol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_LE(std::abs(got[i] - want[i]), rtol * std::abs(want[i]) + atol)
        << what << "[" << i << "]: got " << got[i] << ", closed form " << want[i];
}

std::vector<SoftmaxExample> random_softmax_examples(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(-2, 2), uw(-1, 1);
  std::vector<SoftmaxExample> out;
  for (int e = 0; e < count; ++e) {
    const size_t n = 1 + rng() % 4, k = 2 + rng() % 4;  // n in [1, 4], K in [2, 5]
    SoftmaxExample ex;
    for (size_t i = 0; i < n; ++i) ex.x.push_back(ux(rng));
    for (size_t i = 0; i < n * k; ++i) ex.w.push_back(uw(rng));
    for (size_t j = 0; j < k; ++j) ex.b.push_back(uw(rng));
    ex.y = static_cast<int64_t>(rng() % k);
    ex.lr = 0.5;
    out.push_back(ex);
  }
  return out;
}

TEST(SoftmaxLecture, TraceGivesTheClosedFormsTo1e12) {
  for (const SoftmaxExample& ex : random_softmax_examples(2000, 11)) {
    const SoftmaxTrace t = trace_softmax(ex, LossForm::kFused);
    const SoftmaxClosedForm c = softmax_closed_form(ex);
    expect_close(t.z, c.z, 1e-12, 1e-15, "z");
    expect_close(t.a, c.a, 1e-12, 1e-15, "a");
    expect_close({t.loss}, {c.loss}, 1e-12, 1e-15, "L");
    expect_close(t.dz, c.dz, 1e-12, 1e-15, "dz");
    expect_close(t.dw, c.dw, 1e-12, 1e-15, "dW");
    expect_close(t.db, c.db, 1e-12, 1e-15, "db");
    expect_close(t.w_new, c.w_new, 1e-12, 1e-15, "W after the step");
    expect_close(t.b_new, c.b_new, 1e-12, 1e-15, "b after the step");
    if (HasFailure()) break;
  }
}

// dz is the derivative of L in z: central differences of the graph's own L, z moved through
// b_k (dz_k/db_k = 1), divided by the change of the graph's z_k; and dW, db likewise.
TEST(SoftmaxLecture, GradientsAreCentralDifferencesOfL) {
  const double eps = 1e-6;
  for (const SoftmaxExample& ex : random_softmax_examples(50, 5)) {
    const SoftmaxTrace t = trace_softmax(ex, LossForm::kFused);
    const size_t k = ex.b.size();
    for (size_t j = 0; j < k; ++j) {
      SoftmaxExample plus = ex, minus = ex;
      plus.b[j] += eps;
      minus.b[j] -= eps;
      const SoftmaxTrace tp = trace_softmax(plus, LossForm::kFused);
      const SoftmaxTrace tm = trace_softmax(minus, LossForm::kFused);
      const double fd_z = (tp.loss - tm.loss) / (tp.z[j] - tm.z[j]);
      EXPECT_NEAR(t.dz[j], fd_z, 1e-8) << "dz[" << j << "]";
      EXPECT_NEAR(t.db[j], (tp.loss - tm.loss) / (2 * eps), 1e-8) << "db[" << j << "]";
    }
    for (size_t i = 0; i < ex.w.size(); ++i) {
      SoftmaxExample plus = ex, minus = ex;
      plus.w[i] += eps;
      minus.w[i] -= eps;
      const double fd = (trace_softmax(plus, LossForm::kFused).loss -
                         trace_softmax(minus, LossForm::kFused).loss) /
                        (2 * eps);
      EXPECT_NEAR(t.dw[i], fd, 1e-8) << "dW entry " << i;
    }
    if (HasFailure()) break;
  }
}

TEST(SoftmaxLecture, FusedAndPrimitiveGraphsAgree) {
  for (const SoftmaxExample& ex : random_softmax_examples(500, 9)) {
    const SoftmaxTrace p = trace_softmax(ex, LossForm::kPrimitive);
    const SoftmaxTrace f = trace_softmax(ex, LossForm::kFused);
    expect_close({f.loss}, {p.loss}, 1e-12, 1e-15, "L");
    expect_close(f.a, p.a, 0, 0, "a (the same nodes in both forms)");
    expect_close(f.dz, p.dz, 1e-12, 1e-15, "dz");
    expect_close(f.dw, p.dw, 1e-12, 1e-15, "dW");
    expect_close(f.db, p.db, 1e-12, 1e-15, "db");
    if (HasFailure()) break;
  }
}

// The primitive graph's da is -onehot(y) / a_y, the derivative of -log a_y in a.
TEST(SoftmaxLecture, PrimitiveGraphGivesDaAtTheTrueClassOnly) {
  const SoftmaxExample ex = default_softmax_example(4);
  Graph<double> g;
  const auto sg = build_softmax_graph(g, ex, LossForm::kPrimitive);
  g.backward(sg.loss);
  const SoftmaxClosedForm c = softmax_closed_form(ex);
  for (int64_t j = 0; j < 4; ++j)
    EXPECT_DOUBLE_EQ(sg.a.grad()[j], j == ex.y ? -1 / c.a[static_cast<size_t>(j)] : 0.0) << j;
}

// Logits 1000 apart: e^z overflows without the shift by max z; with it a is exact (1, 0, 0 to
// double precision) and the fused L = z_0 - z_y stays finite.
TEST(SoftmaxLecture, ExtremeLogitsStayFinite) {
  for (int64_t y : {0, 1, 2}) {
    const SoftmaxExample ex{{1.0}, y, {0.0, 0.0, 0.0}, {1000.0, 0.0, -1000.0}, 0.1};
    const SoftmaxTrace t = trace_softmax(ex, LossForm::kFused);
    const SoftmaxClosedForm c = softmax_closed_form(ex);
    EXPECT_TRUE(std::isfinite(t.loss)) << "y=" << y;
    EXPECT_DOUBLE_EQ(t.loss, 1000.0 - ex.b[static_cast<size_t>(y)]) << "y=" << y;
    expect_close(t.a, {1.0, 0.0, 0.0}, 0, 0, "a");
    expect_close(t.dz, c.dz, 1e-15, 0, "dz");
  }
}

TEST(SoftmaxLecture, DefaultExampleIsTheDocumentedOne) {
  const SoftmaxExample ex = default_softmax_example(3);
  EXPECT_EQ(ex.x, (std::vector<double>{1, 2}));
  EXPECT_EQ(ex.y, 1);
  expect_close(ex.w, {0, 0.1, 0.2, -0.1, 0, 0.1}, 1e-15, 0, "W");  // W[i][k] = 0.1 (k - i)
  EXPECT_EQ(ex.b, (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(ex.lr, 0.1);
  // z = W^T x + b = (-0.2, 0.1, 0.4): the true class is not the most likely one.
  expect_close(trace_softmax(ex, LossForm::kFused).z, {-0.2, 0.1, 0.4}, 1e-12, 1e-15, "z");
}

// Graph::forward() after new weights keeps the shift constant from the first build, which
// must leave a = softmax(z) unchanged.
TEST(SoftmaxLecture, ReplayAfterNewWeightsKeepsASoftmax) {
  const SoftmaxExample ex = default_softmax_example(3);
  Graph<double> g;
  const auto sg = build_softmax_graph(g, ex, LossForm::kFused);
  SoftmaxExample moved = ex;
  moved.w = {3, -1, 0.5, 2, 0.25, -4};
  g.set_value(sg.w, Tensor<double>::matrix(2, 3, moved.w));
  g.forward();
  const SoftmaxClosedForm c = softmax_closed_form(moved);
  expect_close({sg.a.value()[0], sg.a.value()[1], sg.a.value()[2]}, c.a, 1e-12, 1e-15, "a");
  expect_close({sg.loss.item()}, {c.loss}, 1e-12, 0, "L");
}

TEST(SoftmaxLecture, BadExamplesAreRefusedWithAReason) {
  auto message = [](const SoftmaxExample& ex) -> std::string {
    try {
      validate(ex);
    } catch (const ValueError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  const SoftmaxExample ok = default_softmax_example(3);
  EXPECT_EQ(message(ok), "(accepted)");
  SoftmaxExample bad = ok;
  bad.b = {0};
  bad.w = {0.1, 0.2};
  EXPECT_NE(message(bad).find("at least 2 classes"), std::string::npos) << message(bad);
  bad = ok;
  bad.w = {0.1, 0.2};
  EXPECT_NE(message(bad).find("give n x K = 6 weights"), std::string::npos) << message(bad);
  bad = ok;
  bad.y = 3;
  EXPECT_NE(message(bad).find("index from 0 to 2"), std::string::npos) << message(bad);
  bad = ok;
  bad.w[4] = NAN;
  EXPECT_NE(message(bad).find("row 2, class 1"), std::string::npos) << message(bad);
  EXPECT_THROW(default_softmax_example(1), ValueError);
}

}  // namespace
}  // namespace lograd
