// lograd/model.h: a trained logistic-regression model (binary, multinomial or one-vs-rest)
// and its files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lograd/dataset.h"
#include "lograd/labels.h"

namespace lograd {

struct Model {
  static constexpr const char* kFormat = "lograd-model";
  static constexpr int kVersion = 2;  // binary models are still written as version 1

  // Binary: one weight per feature. Multiclass (multi_class not empty): W (n_features, K)
  // row-major, K = labels.names.size(), column q scoring class names[q]. Both in the
  // (standardized) training space.
  std::vector<double> w;
  double b = 0;                  // binary bias; 0 and unused when has_bias is false
  std::vector<double> biases;    // multiclass: b (K); zeros when has_bias is false
  bool has_bias = true;
  // "" for a binary model; "multinomial" (softmax over K scores) or "ovr" (K one-vs-rest
  // binary models, probabilities sigma(z_q) normalised to sum 1, as LIBLINEAR's -b 1).
  std::string multi_class;
  LabelMap labels;               // binary: names[1] is the positive class; multiclass: K classes
  int64_t n_features = 0;
  std::vector<std::string> feature_names;  // may be empty
  std::vector<double> mean, scale;  // --standardize: x' = (x - mean) / scale; empty if off
  CsvEncoding encoding;          // how CSV columns become features; empty for LIBSVM data
  nlohmann::json training;       // options and summary of the run that made it (free-form)

  // Number of scores per example: 1 (binary) or K (multiclass).
  int64_t outputs() const {
    return multi_class.empty() ? 1 : static_cast<int64_t>(labels.names.size());
  }
  // Weights (n, outputs()) and bias(es) (outputs()) in the space of the raw features
  // (standardization folded in).
  std::vector<double> raw_weights() const;
  double raw_bias() const;                 // binary
  std::vector<double> raw_biases() const;  // any model: (outputs())
  // Binary: P(class names[1] | x) for every row of x. Multiclass: throws ValueError (use
  // class_proba). x may have fewer or more columns than the model: missing features count as
  // 0, extra ones are ignored.
  std::vector<double> predict_proba(const DataMatrix& x) const;
  // The scores z = W^T x + b, (rows, outputs()) row-major.
  std::vector<double> decision(const DataMatrix& x) const;
  // P(class names[q] | x_i) for every class q: (rows, K) row-major, K = labels.names.size()
  // (a binary model gives (1 - p, p)).
  std::vector<double> class_proba(const DataMatrix& x) const;
};

// Writes the model as versioned JSON: to a temporary file in the same directory, flushed and
// synced, then renamed over `path`, so an existing model is never left half-written.
void save_model(const Model& model, const std::string& path);

// The text save_model writes (for pickling, or sending a model elsewhere); `name` stands for
// the destination in messages. Throws ValueError for a model that cannot be written.
std::string model_text(const Model& model, const std::string& name = "model");

// Reads a model written by save_model, or a LIBLINEAR model file (detected by its first line).
// Throws Error explaining what is wrong with a file that is not a valid model.
Model load_model(const std::string& path);

// load_model on a file's contents already in memory; `name` stands for the file in messages.
Model parse_model(std::string_view text, const std::string& name);

// Writes LIBLINEAR's model format (solver L2R_LR), which `liblinear-predict` accepts: the raw
// (standardization-folded) weights, labels[1] first. Throws Error if a label is not an integer.
void export_liblinear(const Model& model, const std::string& path);

// Reads a binary LIBLINEAR logistic-regression model (L2R_LR, L1R_LR, L2R_LR_DUAL); its first
// label becomes names[1]. Throws Error naming the file and the problem otherwise.
Model load_liblinear(const std::string& path);

}  // namespace lograd
