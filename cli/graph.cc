// `lograd graph`: the computation graph of the lecture's example (binary, or softmax over K
// classes with --classes K), as Graphviz DOT or a picture.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include "commands.h"
#include "io_paths.h"
#include "example_options.h"
#include "usage.h"
#include "lograd/dot.h"

namespace lograd::cli {
namespace {

struct GraphOptions {
  ExampleOptions example;
  int64_t m = 1;
  bool fused = false;
  uint64_t seed = 1;
  std::string out;
};

// The m-example batch: row 0 is the given example, the rest are drawn from N(0, 1) with
// labels from Bernoulli(1/2), reproducible from the seed.
void make_batch(const LectureExample& ex, int64_t m, uint64_t seed, Tensor<double>& x,
                Tensor<double>& y) {
  const auto n = static_cast<int64_t>(ex.x.size());
  x = Tensor<double>(Shape{m, n});
  y = Tensor<double>(Shape{m});
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) x.at(i, j) = i == 0 ? ex.x[j] : normal(rng);
    y[i] = i == 0 ? ex.y : static_cast<double>(rng() & 1);
  }
}

void write_output(const std::string& dot, const std::string& out) {
  if (out.empty() || out == "-") {
    std::cout << dot;
    return;
  }
  const std::string ext = std::filesystem::path(out).extension().string();
  if (ext == ".dot" || ext == ".gv") {
    std::ofstream f(out);
    if (!(f << dot) || !f.flush())
      throw Error("cannot write '" + out + "': check that the directory exists and is writable");
  } else {
    render_dot(dot, out);
  }
  std::cerr << "lograd: wrote " << out << "\n";
}

// The one-example softmax graph of --classes K: x (1, n), W (n, K), b (K), a = softmax(z).
void run_softmax(const GraphOptions& o) {
  if (o.m != 1)
    throw usage_error("--m",
                      "the softmax graph (--classes) is drawn for one example; drop --m "
                      "for it, or drop --classes for the binary graph over M examples");
  const SoftmaxExample ex = resolve_softmax_example(o.example);
  Graph<double> g;
  const Var<double> loss =
      build_softmax_graph(g, ex, o.fused ? LossForm::kFused : LossForm::kPrimitive).loss;
  g.backward(loss);
  DotOptions d;
  d.loss_id = loss.id;
  d.max_values = static_cast<int>(std::clamp<size_t>(ex.w.size(), 4, 12));  // all of a small W
  d.title = "lograd: softmax regression over " + std::to_string(ex.b.size()) +
            " classes, one example, " +
            (o.fused ? "fused softmax_cross_entropy loss" : "loss -log a_y from primitive ops") +
            "; each box: op, shape, value, gradient dL/d(node)";
  write_output(to_dot(g, d), o.out);
}

void run(const GraphOptions& o) {
  if (o.example.classes) return run_softmax(o);
  const LectureExample ex = resolve_example(o.example);
  if (o.m < 1) throw ValueError("--m must be at least 1, got " + std::to_string(o.m));
  const LossForm form = o.fused ? LossForm::kFused : LossForm::kPrimitive;
  Graph<double> g;
  Var<double> loss;
  std::string what;
  if (o.m == 1) {
    loss = build_lecture_graph(g, ex, form).loss;
    what = "one example";
  } else {
    Tensor<double> x, y;
    make_batch(ex, o.m, o.seed, x, y);
    loss = build_batch_graph(g, x, y, Tensor<double>::vector(ex.w), ex.b, form).loss;
    what = std::to_string(o.m) + " examples, vectorised";
  }
  g.backward(loss);
  DotOptions d;
  d.loss_id = loss.id;
  d.title = "lograd: logistic regression, " + what + ", " +
            (o.fused ? "fused bce_with_logits loss" : "loss from primitive ops") +
            "; each box: op, shape, value, gradient dL/d(node)";
  write_output(to_dot(g, d), o.out);
}

}  // namespace

void register_graph(CLI::App& app) {
  auto o = std::make_shared<GraphOptions>();
  CLI::App* cmd = app.add_subcommand(
      "graph",
      "Write the computation graph of the lecture's example as Graphviz DOT, each node with its "
      "op, shape, value and gradient; parameters and the loss are coloured apart. Takes the "
      "same example options as `explain`; with --classes K, the softmax graph of one example: "
      "z = add_bias(matmul(x, W), b), a = softmax(z) from exp, sum and div, L = -log a_y.");
  add_example_options(cmd, o->example, /*with_lr=*/false);
  cmd->add_option("--m", o->m,
                  "draw the vectorised graph over M examples (the given one, then M-1 random "
                  "ones); default 1, the lecture's per-feature graph")
      ->check(positive_number());
  cmd->add_flag("--fused", o->fused,
                "build the loss with the fused bce_with_logits op (softmax_cross_entropy with "
                "--classes) instead of primitive ops");
  cmd->add_option("--seed", o->seed, "seed of the random examples of --m (default 1)");
  cmd->add_option("--out,-o", o->out,
                  "output: FILE.dot for DOT text, FILE.svg / .png / .pdf for a picture rendered "
                  "by Graphviz's dot; default: DOT on standard output")
      ->check(CLI::Validator(
          [](const std::string& out) -> std::string {
            if (out == "-") return {};
            const std::string ext = std::filesystem::path(out).extension().string();
            for (const char* ok : {".dot", ".gv", ".svg", ".png", ".pdf"})
              if (ext == ok) return {};
            return "the format comes from the extension, which must be .dot or .gv (Graphviz "
                   "text) or .svg, .png, .pdf (a picture), got '" + out + "'";
          },
          "FILE"));
  cmd->callback([o] {
    // The output's directory must exist and be writable: checked before Graphviz runs.
    if (!o->out.empty()) check_command_paths({}, {{"--out", {o->out, "graph", {}, true}}});
    run(*o);
  });
}

}  // namespace lograd::cli
