// Options for reading data, shared by train, predict and eval.
#pragma once

#include <chrono>
#include <string>

#include <CLI/CLI.hpp>

#include "lograd/model.h"
#include "lograd/readers.h"

namespace lograd::cli {

struct DataOptions {
  std::string format = "auto";
  bool header = false, no_header = false;
  std::string label_column, weight_column, delimiter, missing = "error", storage = "auto";
  std::string dtype = "auto";
};

// Adds --format, --header/--no-header, --label-column, --delimiter, --missing, --storage,
// --dtype (and --sample-weight-column when with_weights) to cmd.
void add_data_options(CLI::App* cmd, DataOptions& o, bool with_weights);

// ReadOptions from the flags; throws ValueError on a bad value.
ReadOptions read_options(const DataOptions& o);

// Reads data for a model: replays its CSV encoding and pads to its feature count.
Dataset read_for_model(const std::string& path, const DataOptions& o, const Model& model);

// Seconds since `start` (a steady_clock reading), for timings in summaries.
double seconds_since(std::chrono::steady_clock::time_point start);

// Human-readable bytes: "5.2 MB".
std::string human_bytes(double bytes);

}  // namespace lograd::cli
