#include "usage.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace lograd::cli {
namespace {

// The number in `text`, or NaN-flagged false when it is not one whole number.
bool parse_number(const std::string& text, double* v) {
  try {
    size_t used = 0;
    *v = std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

CLI::Validator number_check(const char* what, bool (*ok)(double)) {
  return CLI::Validator(
      [what, ok](const std::string& text) -> std::string {
        double v = 0;
        if (!parse_number(text, &v) || !std::isfinite(v) || !ok(v))
          return std::string("must be ") + what + ", got '" + text + "'";
        return {};
      },
      "NUMBER");
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The candidate closest to `word`, if it is close enough to be a typo.
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string();
}

// LIBLINEAR's train options, in lograd's words.
std::string liblinear_hint(const std::string& flag) {
  if (flag == "-c") return "LIBLINEAR's -c C is lograd's --C C";
  if (flag == "-e") return "LIBLINEAR's -e EPS is lograd's --tol EPS";
  if (flag == "-s")
    return "LIBLINEAR's -s picks the model and solver; lograd trains logistic regression "
           "(LIBLINEAR's -s 0, 6 or 7) and picks the solver with --solver newton|lbfgs|gd|...";
  if (flag == "-B")
    return "LIBLINEAR's -B: lograd fits an unpenalised bias by default; --no-bias drops it "
           "(LIBLINEAR's default, -B -1)";
  if (flag.rfind("-w", 0) == 0)
    return "LIBLINEAR's -wi WEIGHT is lograd's --class-weight w0,w1 (the weights of the "
           "negative and positive class) or --class-weight balanced";
  if (flag == "-v") return "LIBLINEAR's -v K is lograd's --cv K";
  if (flag == "-n") return "LIBLINEAR's -n THREADS is lograd's --threads THREADS";
  if (flag == "-C") return "LIBLINEAR's -C (search for C) has no lograd equivalent; try --cv K with several --C";
  if (flag == "-b") return "LIBLINEAR's -b 1 (probabilities) is lograd's predict --proba";
  return {};
}

std::vector<std::string> option_names(const CLI::App& sub) {
  std::vector<std::string> names;
  for (const CLI::Option* o : sub.get_options()) {
    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

}  // namespace

const CLI::Validator& positive_number() {
  static const CLI::Validator v = number_check("a number > 0", [](double x) { return x > 0; });
  return v;
}

const CLI::Validator& non_negative_number() {
  static const CLI::Validator v = number_check("a number >= 0", [](double x) { return x >= 0; });
  return v;
}

const CLI::Validator& unit_interval() {
  static const CLI::Validator v =
      number_check("a number in [0, 1]", [](double x) { return x >= 0 && x <= 1; });
  return v;
}

const CLI::Validator& column_ref() {
  static const CLI::Validator v(
      [](const std::string& text) -> std::string {
        if (text == "0")
          return "columns are numbered from 1 (as in lograd's messages and in cut -f), got 0: "
                 "give 1 for the first column, or the column's header name";
        return {};
      },
      "COLUMN");
  return v;
}

const CLI::Validator& class_weight_check() {
  static const CLI::Validator v(
      [](const std::string& text) -> std::string {
        if (text == "balanced") return {};
        // Two or more positive numbers (one per class; the count is checked against the
        // data's classes once they are known).
        size_t count = 0, at = 0;
        bool ok = true;
        while (ok) {
          const size_t comma = text.find(',', at);
          double w = 0;
          ok = parse_number(text.substr(at, comma == std::string::npos ? std::string::npos : comma - at), &w) &&
               std::isfinite(w) && w > 0;
          ++count;
          if (comma == std::string::npos) break;
          at = comma + 1;
        }
        if (ok && count >= 2) return {};
        return "must be 'balanced' or two numbers > 0 'w0,w1' (the weights of the negative and "
               "positive class, e.g. 1,10; for K classes K numbers), got '" + text + "'";
      },
      "balanced|W0,W1");
  return v;
}

CLI::ValidationError usage_error(const std::string& option, const std::string& message) {
  return CLI::ValidationError(option, message);
}

std::string command_hint(const CLI::App& app, const std::string& word) {
  std::vector<std::string> names;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(s->get_name());
  const std::string c = closest(word, names);
  return c.empty() ? std::string() : " (did you mean '" + c + "'?)";
}

std::vector<std::string> option_hints(const CLI::App& sub, const std::vector<std::string>& extras) {
  std::vector<std::string> hints;
  const std::vector<std::string> names = option_names(sub);
  for (const std::string& e : extras) {
    if (e.size() < 2 || e[0] != '-') continue;
    if (e.size() > 1 && (std::isdigit(static_cast<unsigned char>(e[1])) || e[1] == '.'))
      continue;  // a negative number
    const std::string flag = e.substr(0, e.find('='));
    if (const std::string l = liblinear_hint(flag); !l.empty()) {
      hints.push_back(flag + ": " + l);
      continue;
    }
    std::string c = closest(flag, names);
    // A single dash for a long option (-lambda) or a double one for a short.
    if (c.empty() && flag.rfind("--", 0) != 0) c = closest("-" + flag, names);
    if (!c.empty()) hints.push_back(flag + ": unknown option; did you mean " + c + "?");
  }
  return hints;
}

std::string in_cli_terms(std::string message) {
  // The library's option names (ReadOptions, TrainOptions) and the flags that set them.
  static const std::pair<const char*, const char*> kFlags[] = {
      {"`dtype`", "--dtype"},           {"`format`", "--format"},
      {"`label_column`", "--label-column"}, {"`weight_column`", "--sample-weight-column"},
      {"`header`", "--header"},         {"`no_header`", "--no-header"},
      {"`delimiter`", "--delimiter"},   {"`missing`", "--missing"},
      {"`checkpoint`", "--checkpoint"}, {"`multi_class`", "--multi-class"}};
  for (const auto& [name, flag] : kFlags)
    for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at))
      message.replace(at, std::char_traits<char>::length(name), flag);
  return message;
}

}  // namespace lograd::cli
