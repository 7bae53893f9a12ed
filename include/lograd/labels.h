// lograd/labels.h: mapping class labels to the 0/1 targets of binary training and to the
// class indices of multiclass training.
#pragma once

#include <string>
#include <vector>

#include "lograd/dataset.h"

namespace lograd {

// The classes of a model: names[t] is target (class index) t. A binary model has two:
// names[0] is target 0, names[1] is target 1.
struct LabelMap {
  std::vector<std::string> names;
};

// The label map of training data: its two classes, ordered numerically when both are
// numbers (-1 < +1, 0 < 1, 1 < 2), else as text. Throws ValueError when the data has one class
// or more than two, naming them and saying what to do.
LabelMap binary_label_map(const Dataset& data);

// 0/1 targets of data under map. A row whose class is not in the map gets -1 (unknown);
// callers that need targets for every row check for it.
std::vector<double> binary_targets(const Dataset& data, const LabelMap& map);

// Every class of the training data, ordered as binary_label_map orders two (numerically when
// all are numbers, else as text). Throws ValueError when the data has fewer than two.
LabelMap class_label_map(const Dataset& data);

// Class indices of data under map, as doubles; -1 for a row whose class the map lacks.
std::vector<double> class_indices(const Dataset& data, const LabelMap& map);

// Canonical text of a label as read: a number is written in shortest round-trip form
// ("+1" and "1.0" become "1"); other text is trimmed.
std::string canonical_label(const std::string& text);

}  // namespace lograd
