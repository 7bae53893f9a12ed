// `lograd explain`: the lecture's table for one example, binary or softmax over K classes
// (--classes K), every value from the engine.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "example_options.h"

namespace lograd::cli {
namespace {

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

std::string list(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + num(v[i]);
  return s + "]";
}

void row(const std::string& name, const std::string& formula, double value) {
  std::printf("  %-5s = %-34s %s\n", name.c_str(), formula.c_str(), num(value).c_str());
}

void print_table(const LectureExample& ex, const LectureTrace& t) {
  std::printf("One step of gradient descent on one example, as in the lecture.\n");
  std::printf("Every value below is computed by lograd's graph in float64.\n\n");
  std::printf("  x = %s   y = %s   w = %s   b = %s   learning rate = %s\n\n",
              list(ex.x).c_str(), num(ex.y).c_str(), list(ex.w).c_str(), num(ex.b).c_str(),
              num(ex.lr).c_str());
  std::printf("forward\n");
  row("z", "w.x + b", t.z);
  row("a", "sigmoid(z)", t.a);
  row("L", "-(y log a + (1-y) log(1-a))", t.loss);
  std::printf("\nbackward\n");
  row("da", "dL/da = -y/a + (1-y)/(1-a)", t.da);
  row("dz", "dL/dz = a - y", t.dz);
  for (size_t i = 0; i < t.dw.size(); ++i) {
    const std::string k = std::to_string(i + 1);
    row("dw" + k, "dL/dw" + k + " = x" + k + " dz", t.dw[i]);
  }
  row("db", "dL/db = dz", t.db);
  std::printf("\nupdate (w := w - lr dw, b := b - lr db)\n");
  for (size_t i = 0; i < t.w_new.size(); ++i) {
    const std::string k = std::to_string(i + 1);
    row("w" + k, num(ex.w[i]) + " - " + num(ex.lr) + " * " + num(t.dw[i]), t.w_new[i]);
  }
  row("b", num(ex.b) + " - " + num(ex.lr) + " * " + num(t.db), t.b_new);
  if (!std::isfinite(t.da))
    std::printf("\nnote: da overflows float64 at this z: 1/a or 1/(1-a) exceeds 1.8e308. "
                "dz, dw and db are exact.\n");
  std::printf("\nL and dz come from the fused bce_with_logits op, exact for any z; da is "
              "dz / (da/dz).\nSee the graph: lograd graph --out lecture.svg\n");
}

// Row i of the (n, K) row-major matrix m.
std::vector<double> matrix_row(const std::vector<double>& m, size_t k, size_t i) {
  return std::vector<double>(m.begin() + static_cast<std::ptrdiff_t>(i * k),
                             m.begin() + static_cast<std::ptrdiff_t>((i + 1) * k));
}

void row(const std::string& name, const std::string& formula, const std::vector<double>& v) {
  std::printf("  %-5s = %-34s %s\n", name.c_str(), formula.c_str(), list(v).c_str());
}

void print_softmax_table(const SoftmaxExample& ex, const SoftmaxTrace& t) {
  const size_t n = ex.x.size(), k = ex.b.size();
  std::vector<double> onehot(k, 0.0);
  onehot[static_cast<size_t>(ex.y)] = 1;
  std::string w = "[";
  for (size_t i = 0; i < n; ++i) w += (i ? ", " : "") + list(matrix_row(ex.w, k, i));
  w += "]";
  std::printf(
      "One step of gradient descent on one example, softmax regression over K = %zu "
      "classes.\n",
      k);
  std::printf("Every value below is computed by lograd's graph in float64.\n\n");
  std::printf("  x = %s   y = %lld (one-hot %s)   learning rate = %s\n", list(ex.x).c_str(),
              static_cast<long long>(ex.y), list(onehot).c_str(), num(ex.lr).c_str());
  std::printf("  W = %s   b = %s\n", w.c_str(), list(ex.b).c_str());
  std::printf(
      "  (vectors list classes 0 to %zu; row Wi of W holds feature xi's weight for "
      "each class)\n\n",
      k - 1);
  std::printf("forward\n");
  row("z", "W^T x + b", t.z);
  row("a", "softmax(z) = e^z / sum_k e^z_k", t.a);
  row("L", "-log a_y", t.loss);
  std::printf("\nbackward\n");
  row("dz", "dL/dz = a - onehot(y)", t.dz);
  for (size_t i = 0; i < n; ++i) {
    const std::string r = std::to_string(i + 1);
    row("dW" + r, "dL/dW" + r + " = x" + r + " dz", matrix_row(t.dw, k, i));
  }
  row("db", "dL/db = dz", t.db);
  std::printf("\nupdate (W := W - lr dW, b := b - lr db)\n");
  for (size_t i = 0; i < n; ++i) {
    const std::string r = std::to_string(i + 1);
    row("W" + r, list(matrix_row(ex.w, k, i)) + " - " + num(ex.lr) + " * dW" + r,
        matrix_row(t.w_new, k, i));
  }
  row("b", list(ex.b) + " - " + num(ex.lr) + " * db", t.b_new);
  std::printf(
      "\nL and dz come from the fused softmax_cross_entropy op, exact for any z; a is\n"
      "e^(z - max z) / sum e^(z - max z), from the graph's exp, sum and div nodes.\n"
      "See the graph: lograd graph --classes %zu --out softmax.svg\n",
      k);
}

// An (n, K) row-major matrix as n JSON rows of K numbers.
nlohmann::json matrix_json(const std::vector<double>& m, size_t k) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < m.size() / k; ++i) rows.push_back(matrix_row(m, k, i));
  return rows;
}

nlohmann::json to_json(const SoftmaxTrace& t) {
  const size_t k = t.z.size();
  return nlohmann::json{{"z", t.z},
                        {"a", t.a},
                        {"loss", t.loss},
                        {"dz", t.dz},
                        {"dw", matrix_json(t.dw, k)},
                        {"db", t.db},
                        {"w_new", matrix_json(t.w_new, k)},
                        {"b_new", t.b_new}};
}

nlohmann::json to_json(const LectureTrace& t) {
  // nlohmann writes a non-finite double as null; doubles round-trip exactly.
  return nlohmann::json{{"z", t.z},   {"a", t.a},   {"loss", t.loss},   {"da", t.da},
                        {"dz", t.dz}, {"dw", t.dw}, {"db", t.db},       {"w_new", t.w_new},
                        {"b_new", t.b_new}};
}

}  // namespace

void register_explain(CLI::App& app) {
  auto opts = std::make_shared<ExampleOptions>();  // kept alive by the callback
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "explain",
      "Print the lecture's table for one example: forward values (z, a, L), every derivative "
      "(da, dz, dw_i, db) and the parameters after one gradient step. With no options it uses "
      "the default example x=1,2 y=1 w=0.1,-0.2 b=0.05 lr=0.1. With --classes K, the softmax "
      "version: z = W^T x + b, a = softmax(z), L = -log a_y, dz = a - onehot(y), dW = x dz^T, "
      "db = dz, and the step on W and b (default x=1,2 y=1 W[i][k]=0.1(k-i) b=0 lr=0.1).");
  add_example_options(cmd, *opts, /*with_lr=*/true);
  cmd->add_flag("--json", *json,
                "print one JSON object with keys z, a, loss, da, dz, dw, db, w_new, b_new; with "
                "--classes K, keys z, a, loss, dz, dw, db, w_new, b_new (z, a, dz, db, b_new: K "
                "numbers; dw, w_new: n rows of K)");
  cmd->callback([opts, json] {
    if (opts->classes) {
      const SoftmaxExample ex = resolve_softmax_example(*opts);
      const SoftmaxTrace t = trace_softmax(ex, LossForm::kFused);
      if (*json)
        std::cout << to_json(t).dump(2) << "\n";
      else
        print_softmax_table(ex, t);
      return;
    }
    const LectureExample ex = resolve_example(*opts);
    const LectureTrace t = trace_lecture(ex, LossForm::kFused);
    if (*json)
      std::cout << to_json(t).dump(2) << "\n";
    else
      print_table(ex, t);
  });
}

}  // namespace lograd::cli
