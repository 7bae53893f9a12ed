// LIBLINEAR's model file, as `liblinear-train -s 0` writes it:
//
//   solver_type L2R_LR
//   nr_class 2
//   label <first> <second>
//   nr_feature <n>
//   bias <b>            (-1: no bias feature; b >= 0: an extra feature of constant value b)
//   w
//   <w_1>
//   ...                 (n weights, then the bias feature's weight when b >= 0)
//
// LIBLINEAR predicts the first label when w . x (+ w_bias * b) > 0, so a lograd model exports
// its positive class (names[1]) first and imports a LIBLINEAR model as names = {second, first}.
//
// With nr_class K > 2 (one-vs-rest, -s 0), "label" lists the K classes and each of the
// nr_feature (+ 1) lines after "w" holds K weights, one per class in label order; the
// prediction is the class of the largest score. lograd's one-vs-rest models map to this
// one to one.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "io/liblinear_format.h"
#include "lograd/error.h"
#include "lograd/model.h"

namespace lograd {
namespace {

// LIBLINEAR's name of the model's penalty: L1R_LR for a pure L1 model (lograd --l1, -s 6
// there), else L2R_LR (-s 0; an elastic net has no LIBLINEAR name: the weights are what count).
std::string solver_type(const Model& model) {
  const auto it = model.training.find("l1_ratio");
  return it != model.training.end() && it->is_number() && it->get<double>() == 1.0 ? "L1R_LR"
                                                                                     : "L2R_LR";
}

// The label as LIBLINEAR's int, or false when the text is not an integer that fits one.
bool integer_label(const std::string& text, int* out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  if (v != std::trunc(v) || v < INT_MIN || v > INT_MAX) return false;
  *out = static_cast<int>(v);
  return true;
}

// A finite double from a whole token, or false.
bool parse_double(const std::string& token, double* out) {
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(token.c_str(), &end);
  return errno == 0 && !token.empty() && end == token.c_str() + token.size() && std::isfinite(*out);
}

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool is_logistic_solver(const std::string& s) {
  return s == "L2R_LR" || s == "L1R_LR" || s == "L2R_LR_DUAL";
}

}  // namespace

namespace {

void export_multiclass(const Model& model, const std::string& path) {
  const auto bad = [&](const std::string& what) {
    throw ValueError("cannot export LIBLINEAR model to '" + path + "': " + what);
  };
  if (model.multi_class != "ovr")
    bad("LIBLINEAR has no multinomial (softmax) logistic model: its multiclass models are "
        "one-vs-rest, whose probabilities differ; train with `multi_class` ovr to export");
  const size_t k = model.labels.names.size();
  std::string labels;
  std::vector<int> ints(k);
  for (size_t q = 0; q < k; ++q) {
    if (!integer_label(model.labels.names[q], &ints[q]))
      bad("label \"" + model.labels.names[q] +
          "\" is not an integer, and LIBLINEAR needs numeric (integer) labels; relabel the "
          "classes as integers and retrain, or use the lograd model file");
    labels += " " + std::to_string(ints[q]);
  }
  std::vector<int> sorted = ints;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    bad("two labels are the same integer in LIBLINEAR's format");
  const std::vector<double> w = model.raw_weights();
  const std::vector<double> b = model.raw_biases();
  for (size_t j = 0; j < w.size(); ++j)
    if (!std::isfinite(w[j])) bad("weight " + std::to_string(j) + " is not finite");
  bool with_bias = model.has_bias;
  for (double v : b) {
    if (!std::isfinite(v)) bad("a bias is not finite");
    with_bias = with_bias || v != 0;
  }
  std::string text = "solver_type " + solver_type(model) + "\nnr_class " + std::to_string(k) + "\nlabel" + labels +
                     "\nnr_feature " + std::to_string(model.n_features) + "\nbias " +
                     (with_bias ? "1" : "-1") + "\nw\n";
  for (size_t j = 0; j < w.size(); j += k) {
    for (size_t q = 0; q < k; ++q) text += g17(w[j + q]) + " ";
    text += "\n";
  }
  if (with_bias) {
    for (size_t q = 0; q < k; ++q) text += g17(b[q]) + " ";
    text += "\n";
  }
  io::write_file_atomically(path, text);
}

}  // namespace

void export_liblinear(const Model& model, const std::string& path) {
  const auto bad = [&](const std::string& what) {
    throw ValueError("cannot export LIBLINEAR model to '" + path + "': " + what);
  };
  if (!model.multi_class.empty()) return export_multiclass(model, path);
  if (model.labels.names.size() != 2) bad("a binary model needs exactly two labels");
  int label[2];
  for (int i = 0; i < 2; ++i)
    if (!integer_label(model.labels.names[static_cast<size_t>(i)], &label[i]))
      bad("label \"" + model.labels.names[static_cast<size_t>(i)] +
          "\" is not an integer, and LIBLINEAR needs numeric (integer) labels; relabel the "
          "classes as integers (e.g. 0/1 or -1/+1) and retrain, or use the lograd model file");
  if (label[0] == label[1]) bad("the two labels are the same integer in LIBLINEAR's format");
  const std::vector<double> w = model.raw_weights();
  const double b = model.raw_bias();
  for (size_t j = 0; j < w.size(); ++j)
    if (!std::isfinite(w[j])) bad("weight " + std::to_string(j) + " is not finite");
  if (!std::isfinite(b)) bad("the bias is not finite");
  // With standardization folded in, a model without a bias term can still have a raw bias.
  const bool with_bias = model.has_bias || b != 0;

  std::string text = "solver_type " + solver_type(model) + "\nnr_class 2\nlabel " + std::to_string(label[1]) + " " +
                     std::to_string(label[0]) + "\nnr_feature " + std::to_string(w.size()) +
                     "\nbias " + (with_bias ? "1" : "-1") + "\nw\n";
  text.reserve(text.size() + 26 * (w.size() + 1));
  for (double v : w) text += g17(v) + " \n";
  if (with_bias) text += g17(b) + " \n";
  io::write_file_atomically(path, text);
}

Model load_liblinear(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot open LIBLINEAR model file: " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw Error(path + ": cannot read LIBLINEAR model file: " + std::strerror(errno));
  return io::parse_liblinear(text.str(), path);
}

Model io::parse_liblinear(std::string_view text, const std::string& path) {
  std::istringstream in{std::string(text)};
  const auto fail = [&](const std::string& what) -> void {
    throw Error(path + ": not a usable LIBLINEAR model: " + what);
  };
  std::string solver, key;
  int64_t nr_class = -1, nr_feature = -1;
  std::vector<std::string> labels;
  double bias = -1;
  bool have_bias = false, have_w = false;
  while (in >> key) {
    if (key == "w") {
      have_w = true;
      break;
    }
    std::string value;
    if (!(in >> value)) fail("\"" + key + "\" has no value");
    if (key == "solver_type") {
      solver = value;
    } else if (key == "nr_class") {
      double v;
      if (!parse_double(value, &v) || v != std::trunc(v)) fail("nr_class is not an integer");
      if (v < 2 || v > 1e6)
        fail("nr_class " + value + ": a classifier has from 2 to 1000000 classes");
      nr_class = static_cast<int64_t>(v);
    } else if (key == "label") {
      if (nr_class < 2) fail("\"label\" comes before \"nr_class\"");
      labels.push_back(value);
      for (int64_t q = 1; q < nr_class; ++q) {
        std::string next;
        if (!(in >> next)) fail("\"label\" needs " + std::to_string(nr_class) + " labels");
        labels.push_back(next);
      }
      std::vector<int> l(labels.size());
      for (size_t k = 0; k < labels.size(); ++k)
        if (!integer_label(labels[k], &l[k]))
          fail("label \"" + labels[k] + "\" is not an integer");
      // Compared as LIBLINEAR compares them, as integers: "1" and "+1" are one class.
      for (size_t a = 0; a < l.size(); ++a)
        for (size_t b = a + 1; b < l.size(); ++b)
          if (l[a] == l[b])
            fail("the \"label\" line names the class " + std::to_string(l[a]) + " twice (\"" +
                 labels[a] + "\" and \"" + labels[b] + "\"); a model has different classes: "
                 "the file is damaged, or was edited");
    } else if (key == "nr_feature") {
      double v;
      if (!parse_double(value, &v) || v != std::trunc(v) || v < 0)
        fail("nr_feature is not a non-negative integer");
      if (v > INT_MAX)
        fail("nr_feature " + value + " is too large: LIBLINEAR models have at most " +
             std::to_string(INT_MAX) + " features");
      nr_feature = static_cast<int64_t>(v);
    } else if (key == "bias") {
      if (!parse_double(value, &bias)) fail("bias \"" + value + "\" is not a number");
      have_bias = true;
    } else if (key == "rho") {
      // Written for one-class SVMs only; those are rejected by solver_type below.
    } else {
      fail("unknown header line \"" + key + " " + value + "\"");
    }
  }
  if (!have_w) fail("no \"w\" line: the file is truncated or not a LIBLINEAR model");
  if (solver.empty()) fail("no solver_type");
  if (!is_logistic_solver(solver))
    fail("solver_type " + solver +
         " is not logistic regression; lograd imports L2R_LR, L1R_LR and L2R_LR_DUAL models");
  if (nr_class < 2) fail("no \"nr_class\" line");
  if (static_cast<int64_t>(labels.size()) != nr_class) fail("no \"label\" line");
  if (nr_feature < 0) fail("no \"nr_feature\" line");
  if (!have_bias) fail("no \"bias\" line");

  const bool with_bias = bias >= 0;
  // Two classes: one weight per feature; K > 2: K per feature (one per class).
  const int64_t per_row = nr_class == 2 ? 1 : nr_class;
  const int64_t count = (nr_feature + (with_bias ? 1 : 0)) * per_row;
  std::vector<double> w;
  // Not more than the text can hold (a weight takes at least a digit and a separator), so a
  // header that promises more weights than the file has cannot exhaust memory.
  w.reserve(static_cast<size_t>(std::min<int64_t>(count, static_cast<int64_t>(text.size() / 2))));
  std::string token;
  for (int64_t i = 0; i < count; ++i) {
    if (!(in >> token))
      fail("it has " + std::to_string(i) + " weights, expected " + std::to_string(count) +
           " (nr_feature" + (with_bias ? " + 1 for the bias)" : ")") + ": the file is truncated");
    double v;
    if (!parse_double(token, &v))
      fail("weight " + std::to_string(i + 1) + " \"" + token + "\" is not a finite number");
    w.push_back(v);
  }
  if (in >> token)
    fail("unexpected text after the " + std::to_string(count) + " weights: \"" + token + "\"");

  Model m;
  m.n_features = nr_feature;
  m.has_bias = with_bias;
  m.training =
      nlohmann::json{{"imported_from", "liblinear"}, {"solver_type", solver}, {"source", path}};
  if (per_row > 1) {
    m.multi_class = "ovr";
    for (const std::string& l : labels) {
      int v = 0;
      integer_label(l, &v);
      m.labels.names.push_back(std::to_string(v));
    }
    m.biases.assign(static_cast<size_t>(per_row), 0.0);
    if (with_bias)
      for (int64_t q = 0; q < per_row; ++q) {
        m.biases[static_cast<size_t>(q)] = w[static_cast<size_t>(nr_feature * per_row + q)] * bias;
        if (!std::isfinite(m.biases[static_cast<size_t>(q)])) fail("a bias weight times bias is not finite");
      }
    w.resize(static_cast<size_t>(nr_feature * per_row));
    m.w = std::move(w);
    return m;
  }
  if (with_bias) {
    m.b = w.back() * bias;
    if (!std::isfinite(m.b))
      fail("the bias weight " + g17(w.back()) + " times bias " + g17(bias) + " is not finite");
    w.pop_back();
  }
  m.w = std::move(w);
  int first = 0, second = 0;
  integer_label(labels[0], &first);
  integer_label(labels[1], &second);
  m.labels.names = {std::to_string(second), std::to_string(first)};
  return m;
}

}  // namespace lograd
