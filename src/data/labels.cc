#include "lograd/labels.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "data/reader_internal.h"
#include "lograd/error.h"

namespace lograd {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// The value of a label that is a finite number.
bool label_value(const std::string& name, double* v) {
  return detail::parse_number(name, v) == detail::NumberParse::kOk;
}

}  // namespace

std::string canonical_label(const std::string& text) {
  const std::string_view s = trim(text);
  double v;
  if (detail::parse_number(s, &v) != detail::NumberParse::kOk) return std::string(s);
  if (v == 0) v = 0;  // "-0" and "0.0" are the class 0
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round trip
  return std::string(buf, end);
}

namespace {

// The classes that have examples, in the dataset's first-seen order.
std::vector<std::string> present_classes(const Dataset& data) {
  std::vector<int64_t> count(data.classes.size(), 0);
  for (int32_t l : data.label)
    if (l >= 0 && static_cast<size_t>(l) < count.size()) ++count[static_cast<size_t>(l)];
  std::vector<std::string> present;
  for (size_t c = 0; c < count.size(); ++c)
    if (count[c] > 0) present.push_back(data.classes[c]);
  return present;
}

// Numerically when every name is a number, else as text.
void sort_labels(std::vector<std::string>& names) {
  std::vector<double> v(names.size());
  bool numeric = true;
  for (size_t i = 0; i < names.size() && numeric; ++i) numeric = label_value(names[i], &v[i]);
  if (!numeric) return std::sort(names.begin(), names.end());
  std::vector<size_t> order(names.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<std::string> out;
  for (size_t i : order) out.push_back(names[i]);
  names = std::move(out);
}

}  // namespace

LabelMap class_label_map(const Dataset& data) {
  std::vector<std::string> present = present_classes(data);
  const std::string where = data.source.empty() ? std::string() : data.source + ": ";
  if (present.empty()) throw ValueError(where + "no examples in the training data");
  if (present.size() == 1)
    throw ValueError(where + "only one class ('" + present[0] +
                     "') in the training data: a classifier needs two or more");
  sort_labels(present);
  return LabelMap{std::move(present)};
}

std::vector<double> class_indices(const Dataset& data, const LabelMap& map) {
  std::vector<double> of_class(data.classes.size(), -1.0);
  for (size_t c = 0; c < data.classes.size(); ++c)
    for (size_t t = 0; t < map.names.size(); ++t)
      if (data.classes[c] == map.names[t]) of_class[c] = static_cast<double>(t);
  std::vector<double> y(data.label.size(), -1.0);
  for (size_t r = 0; r < y.size(); ++r) {
    const int32_t l = data.label[r];
    if (l >= 0 && static_cast<size_t>(l) < of_class.size()) y[r] = of_class[static_cast<size_t>(l)];
  }
  return y;
}

LabelMap binary_label_map(const Dataset& data) {
  std::vector<std::string> present = present_classes(data);

  const std::string where = data.source.empty() ? std::string() : data.source + ": ";
  if (present.empty())
    throw ValueError(where +
        "no examples in the training data: binary training needs examples of two "
        "classes");
  if (present.size() == 1)
    throw ValueError(where + "only one class ('" + present[0] +
                     "') in the training data: binary training needs two");
  if (present.size() > 2) {
    constexpr size_t kShown = 5;
    std::string names;
    for (size_t i = 0; i < present.size() && i < kShown; ++i)
      names += (i ? ", '" : "'") + present[i] + "'";
    if (present.size() > kShown) names += ", ...";
    throw ValueError(where + std::to_string(present.size()) + " classes in the training data (" + names +
                     "): a binary model needs two; train a multiclass model (`multi_class` "
                     "multinomial or ovr)");
  }
  double a, b;
  bool swap;
  if (label_value(present[0], &a) && label_value(present[1], &b))
    swap = b < a;
  else
    swap = present[1] < present[0];
  if (swap) std::swap(present[0], present[1]);
  return LabelMap{std::move(present)};
}

std::vector<double> binary_targets(const Dataset& data, const LabelMap& map) {
  // Target of each class of the dataset: 0, 1, or -1 when the map does not know it.
  std::vector<double> of_class(data.classes.size(), -1.0);
  for (size_t c = 0; c < data.classes.size(); ++c)
    for (size_t t = 0; t < map.names.size() && t < 2; ++t)
      if (data.classes[c] == map.names[t]) of_class[c] = static_cast<double>(t);
  std::vector<double> y(data.label.size(), -1.0);
  for (size_t r = 0; r < y.size(); ++r) {
    const int32_t l = data.label[r];
    if (l >= 0 && static_cast<size_t>(l) < of_class.size()) y[r] = of_class[static_cast<size_t>(l)];
  }
  return y;
}

}  // namespace lograd
