// Options shared by `explain` and `graph`: the one example of the lecture.
#pragma once

#include <optional>
#include <vector>

#include <CLI/CLI.hpp>

#include "lograd/lecture.h"

namespace lograd::cli {

struct ExampleOptions {
  std::vector<double> x, w;
  std::optional<double> y, b, lr;
};

// Adds --x, --y, --w, --b (and --lr when with_lr) to cmd.
void add_example_options(CLI::App* cmd, ExampleOptions& opts, bool with_lr);

// The example: the default one, with each given option replacing its part. When --x changes
// the width and --w is absent, w starts at zeros. Throws ValueError on inconsistent input.
LectureExample resolve_example(const ExampleOptions& opts);

}  // namespace lograd::cli
