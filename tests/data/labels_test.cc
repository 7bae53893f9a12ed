#include "lograd/labels.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lograd/readers.h"
#include "reader_test_util.h"

namespace lograd {
namespace {

using Names = std::vector<std::string>;

// A dataset with no features whose rows have the given class indices.
Dataset labelled(Names classes, std::vector<int32_t> label) {
  Dataset d;
  d.classes = std::move(classes);
  d.label = std::move(label);
  return d;
}

std::string value_error_of(const Dataset& d) {
  try {
    binary_label_map(d);
  } catch (const ValueError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ValueError";
  return "";
}

std::string value_error_of_classes(const Dataset& d) {
  try {
    class_label_map(d);
  } catch (const ValueError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ValueError";
  return "";
}

TEST(Labels, CanonicalLabelWritesNumbersInShortestForm) {
  EXPECT_EQ(canonical_label("+1"), "1");
  EXPECT_EQ(canonical_label("1.0"), "1");
  EXPECT_EQ(canonical_label("1"), "1");
  EXPECT_EQ(canonical_label(" -1 "), "-1");
  EXPECT_EQ(canonical_label("-1.000"), "-1");
  EXPECT_EQ(canonical_label("-0"), "0");
  EXPECT_EQ(canonical_label("0.50"), "0.5");
  EXPECT_EQ(canonical_label("2e0"), "2");
  EXPECT_EQ(canonical_label("1e3"), "1000");
  EXPECT_EQ(canonical_label("0.1"), "0.1");
  EXPECT_EQ(canonical_label("007"), "7");
  EXPECT_EQ(canonical_label("1e-400"), "0");  // underflows to zero
}

TEST(Labels, CanonicalLabelTrimsText) {
  EXPECT_EQ(canonical_label(" >50K\t"), ">50K");
  EXPECT_EQ(canonical_label("<=50K."), "<=50K.");
  EXPECT_EQ(canonical_label("yes"), "yes");
  EXPECT_EQ(canonical_label("nan"), "nan");      // not a finite number: text
  EXPECT_EQ(canonical_label("1e999"), "1e999");  // overflows: text
  EXPECT_EQ(canonical_label("+-1"), "+-1");
  EXPECT_EQ(canonical_label("1x"), "1x");
  EXPECT_EQ(canonical_label(""), "");
}

TEST(Labels, BinaryMapOrdersNumbersByValueAndTextAsText) {
  EXPECT_EQ(binary_label_map(labelled({"1", "-1"}, {0, 1})).names, (Names{"-1", "1"}));
  EXPECT_EQ(binary_label_map(labelled({"0", "1"}, {1, 0})).names, (Names{"0", "1"}));
  EXPECT_EQ(binary_label_map(labelled({"2", "1"}, {0, 1})).names, (Names{"1", "2"}));
  EXPECT_EQ(binary_label_map(labelled({"10", "9"}, {0, 1})).names, (Names{"9", "10"}));
  EXPECT_EQ(binary_label_map(labelled({">50K", "<=50K"}, {0, 1})).names, (Names{"<=50K", ">50K"}));
  EXPECT_EQ(binary_label_map(labelled({"yes", "1"}, {0, 1})).names, (Names{"1", "yes"}));
  // A class no row has does not count.
  EXPECT_EQ(binary_label_map(labelled({"a", "b", "c"}, {2, 0, 2})).names, (Names{"a", "c"}));
}

TEST(Labels, BinaryMapRefusesOneClassOrMoreThanTwo) {
  EXPECT_EQ(value_error_of(labelled({"1"}, {0, 0})),
            "only one class ('1') in the training data: binary training needs two");
  EXPECT_EQ(value_error_of(labelled({"1", "2", "3"}, {0, 1, 2})),
            "3 classes in the training data ('1', '2', '3'): a binary model needs two; train a "
            "multiclass model (`multi_class` multinomial or ovr)");
  const std::string many =
      value_error_of(labelled({"a", "b", "c", "d", "e", "f", "g"}, {0, 1, 2, 3, 4, 5, 6}));
  EXPECT_NE(many.find("7 classes in the training data ('a', 'b', 'c', 'd', 'e', ...)"),
            std::string::npos)
      << many;
  EXPECT_NE(value_error_of(labelled({}, {})).find("no examples"), std::string::npos);
}

TEST(Labels, BinaryTargets) {
  const Dataset train = labelled({"1", "-1"}, {0, 1, 1, 0});
  const LabelMap map = binary_label_map(train);
  EXPECT_EQ(binary_targets(train, map), (std::vector<double>{1, 0, 0, 1}));
  // Test data with its classes in another order, and a class the map does not know.
  const Dataset test = labelled({"-1", "3", "1"}, {2, 0, 1, 2});
  EXPECT_EQ(binary_targets(test, map), (std::vector<double>{1, 0, -1, 1}));
}

TEST(LabelsRealData, News20HasTwentyClasses) {
  REQUIRE_DATASETS();
  const Dataset d = read_dataset(datasets + "/news20.libsvm");
  EXPECT_EQ(d.rows(), 15935);
  EXPECT_EQ(d.classes.size(), 20u);
  const std::string message = value_error_of(d);
  EXPECT_EQ(message.rfind(d.source + ": 20 classes in the training data (", 0), 0u) << message;
  EXPECT_NE(message.find("train a multiclass model"), std::string::npos);
  // class_label_map takes them all, in numeric order.
  const LabelMap all = class_label_map(d);
  ASSERT_EQ(all.names.size(), 20u);
  for (size_t q = 0; q < 20; ++q) EXPECT_EQ(all.names[q], std::to_string(q + 1));
  const std::vector<double> idx = class_indices(d, all);
  for (size_t r = 0; r < idx.size(); ++r)
    EXPECT_EQ(all.names[static_cast<size_t>(idx[r])], d.classes[static_cast<size_t>(d.label[r])]);
}

TEST(Labels, ClassMapOrdersNumbersNumericallyAndTextAsText) {
  EXPECT_EQ(class_label_map(labelled({"10", "9", "-1"}, {0, 1, 2})).names, (Names{"-1", "9", "10"}));
  EXPECT_EQ(class_label_map(labelled({"b", "10", "a"}, {0, 1, 2})).names, (Names{"10", "a", "b"}));
  EXPECT_EQ(class_indices(labelled({"b", "c", "a"}, {0, 1, 2, 0}),
                          LabelMap{{"a", "b", "c"}}), (std::vector<double>{1, 2, 0, 1}));
  EXPECT_NE(value_error_of_classes(labelled({"x"}, {0, 0})).find("only one class"), std::string::npos);
}

TEST(LabelsRealData, A9aTargets) {
  REQUIRE_DATASETS();
  const Dataset d = read_libsvm(datasets + "/a9a");
  const LabelMap map = binary_label_map(d);
  EXPECT_EQ(map.names, (Names{"-1", "1"}));
  const auto y = binary_targets(d, map);
  double positives = 0;
  for (double v : y) positives += v;
  EXPECT_EQ(positives, 7841);
}

TEST(Labels, BinaryMapNamesTheSourceFile) {
  Dataset d = labelled({"1"}, {0, 0});
  d.source = "data/train.svm";
  EXPECT_EQ(value_error_of(d),
            "data/train.svm: only one class ('1') in the training data: binary training needs two");
}

}  // namespace
}  // namespace lograd
