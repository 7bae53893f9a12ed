// Options shared by `explain` and `graph`: the one example of the lecture, binary or, with
// --classes K, softmax over K classes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <CLI/CLI.hpp>

#include "lograd/lecture.h"

namespace lograd::cli {

struct ExampleOptions {
  std::vector<double> x, w, b;  // b: one bias, or K with --classes K
  std::optional<double> y, lr;
  std::optional<int64_t> classes;  // set: the softmax example over this many classes
};

// Adds --x, --y, --w, --b, --classes (and --lr when with_lr) to cmd.
void add_example_options(CLI::App* cmd, ExampleOptions& opts, bool with_lr);

// The binary example: the default one, with each given option replacing its part. When --x
// changes the width and --w is absent, w starts at zeros. Throws ValueError on inconsistent
// input (also for more than one --b value).
LectureExample resolve_example(const ExampleOptions& opts);

// The softmax example for --classes K: default_softmax_example(K), with each given option
// replacing its part (--y the true class 0..K-1, --w the n x K weights row by row, --b the K
// biases). When --x changes the width and --w is absent, W is default_softmax_weights for the
// new width. Throws ValueError on inconsistent input. Requires opts.classes.
SoftmaxExample resolve_softmax_example(const ExampleOptions& opts);

}  // namespace lograd::cli
