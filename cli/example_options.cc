#include "example_options.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "lograd/error.h"
#include "usage.h"

namespace lograd::cli {
namespace {

// The most classes --classes takes: the table prints K numbers per row, the graph K per box.
constexpr int64_t kMaxClasses = 1000;

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

}  // namespace

// A comma-separated list of numbers into *out; every piece must be a number ("", "1,,2" and
// "1,2," are refused, not read as fewer numbers). Parsed here, not by CLI11, which drops
// empty pieces of a delimited list.
static void parse_numbers(const std::string& flag, const std::string& text, std::vector<double>* out) {
  out->clear();
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string piece = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                            : comma - start);
    double v = 0;
    size_t used = 0;
    try {
      v = std::stod(piece, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < piece.size() && (piece[used] == ' ' || piece[used] == '\t')) ++used;
    if (piece.find_first_not_of(" \t") == std::string::npos)
      throw CLI::ValidationError(flag, "value " + std::to_string(out->size() + 1) +
                                           " of the comma-separated list '" + text +
                                           "' is empty: give every number");
    if (used != piece.size())
      throw CLI::ValidationError(flag, "'" + piece + "' in '" + text + "' is not a number");
    out->push_back(v);
    if (comma == std::string::npos) return;
    start = comma + 1;
  }
}

void add_example_options(CLI::App* cmd, ExampleOptions& opts, bool with_lr) {
  cmd->add_option_function<std::string>(
         "--x", [&opts](const std::string& s) { parse_numbers("--x", s, &opts.x); },
         "features of the example, comma-separated (default 1,2)")
      ->allow_extra_args(false);
  cmd->add_option("--y", opts.y,
                  "target, 0 or 1 (any value in [0,1] is accepted; default 1); with --classes K "
                  "the true class, 0 to K-1 (default 1)");
  cmd->add_option_function<std::string>(
         "--w", [&opts](const std::string& s) { parse_numbers("--w", s, &opts.w); },
                  "weights, one per feature (default 0.1,-0.2; zeros if --x alone changes the "
                  "width); with --classes K, n x K weights row by row: feature 1's weight for "
                  "classes 0..K-1, then feature 2's, ... (default W[i][k] = 0.1 (k - i), "
                  "features i and classes k from 0: 0,0.1,0.2,-0.1,0,0.1 for K = 3); write "
                  "--w=-0.1,0.2 when the first is negative")
      ->allow_extra_args(false);
  cmd->add_option_function<std::string>(
         "--b", [&opts](const std::string& s) { parse_numbers("--b", s, &opts.b); },
                  "bias (default 0.05); with --classes K, K biases, one per class (default all "
                  "0); write --b=-0.1,0.2 when the first is negative")
      ->allow_extra_args(false);
  cmd->add_option("--classes", opts.classes,
                  "K >= 2: the softmax (multinomial) version over K classes, z = W^T x + b, "
                  "a = softmax(z), L = -log a_y; default: the binary logistic example")
      ->check(CLI::Validator(
          [](const std::string& s) -> std::string {
            try {
              size_t used = 0;
              const long long k = std::stoll(s, &used);
              if (used == s.size() && k >= 2 && k <= kMaxClasses) return {};
            } catch (const std::exception&) {
            }
            return "must be a whole number of classes from 2 to " + std::to_string(kMaxClasses) +
                   " (2 gives the softmax version of the binary case), got '" + s + "'";
          },
          "K"));
  if (with_lr) cmd->add_option("--lr", opts.lr, "learning rate alpha of the update (default 0.1)");
}

LectureExample resolve_example_values(const ExampleOptions& opts);
SoftmaxExample resolve_softmax_example_values(const ExampleOptions& opts);

namespace {

// The example's errors are usage errors (status 2), under the flag the message names first.
template <class F>
auto as_usage_error(F&& resolve) {
  try {
    return resolve();
  } catch (const ValueError& e) {
    const std::string m = e.what();
    std::string flag = "--x";
    for (const char* name : {"--x", "--y", "--w", "--b", "--lr", "--classes"})
      if (m.find(name) != std::string::npos) {
        flag = name;
        break;
      }
    const std::string word = m.substr(0, m.find(' '));
    if (word == "y" || word == "w" || word == "W" || word == "b" || word == "lr")
      flag = word == "W" ? "--w" : "--" + word;
    throw usage_error(flag, m);
  }
}

}  // namespace

LectureExample resolve_example(const ExampleOptions& opts) {
  return as_usage_error([&] { return resolve_example_values(opts); });
}

SoftmaxExample resolve_softmax_example(const ExampleOptions& opts) {
  return as_usage_error([&] { return resolve_softmax_example_values(opts); });
}

LectureExample resolve_example_values(const ExampleOptions& opts) {
  LectureExample ex = default_lecture_example();
  if (!opts.x.empty()) {
    if (opts.w.empty() && opts.x.size() != ex.w.size()) ex.w.assign(opts.x.size(), 0.0);
    ex.x = opts.x;
  }
  if (!opts.w.empty()) ex.w = opts.w;
  if (opts.y) ex.y = *opts.y;
  if (opts.b.size() > 1)
    throw ValueError("--b takes one bias for the binary example, got " +
                     std::to_string(opts.b.size()) +
                     " values: give one, or add --classes K for K biases");
  if (!opts.b.empty()) ex.b = opts.b[0];
  if (opts.lr) ex.lr = *opts.lr;
  validate(ex);
  return ex;
}

SoftmaxExample resolve_softmax_example_values(const ExampleOptions& opts) {
  const int64_t k = opts.classes.value();
  SoftmaxExample ex = default_softmax_example(k);
  if (!opts.x.empty()) {
    ex.x = opts.x;
    ex.w = default_softmax_weights(static_cast<int64_t>(ex.x.size()), k);
  }
  if (!opts.w.empty()) ex.w = opts.w;
  if (opts.y) {
    const double y = *opts.y;
    if (!(y >= 0 && y < static_cast<double>(k) && y == std::floor(y)))
      throw ValueError("with --classes " + std::to_string(k) +
                       ", --y is the true class, a whole number from 0 to " +
                       std::to_string(k - 1) + "; got " + num(y));
    ex.y = static_cast<int64_t>(y);
  }
  if (!opts.b.empty()) {
    if (static_cast<int64_t>(opts.b.size()) != k)
      throw ValueError("--b has " + std::to_string(opts.b.size()) + " value(s) but --classes " +
                       std::to_string(k) + " needs one bias per class: give " + std::to_string(k) +
                       " comma-separated values");
    ex.b = opts.b;
  }
  if (opts.lr) ex.lr = *opts.lr;
  validate(ex);
  return ex;
}

}  // namespace lograd::cli
