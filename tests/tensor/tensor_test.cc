#include "lograd/tensor.h"

#include <gtest/gtest.h>

namespace lograd {
namespace {

TEST(Shape, NumelAndString) {
  EXPECT_EQ(shape_numel({}), 1);
  EXPECT_EQ(shape_numel({3}), 3);
  EXPECT_EQ(shape_numel({2, 3}), 6);
  EXPECT_EQ(shape_numel({2, 0}), 0);
  EXPECT_EQ(shape_str({}), "()");
  EXPECT_EQ(shape_str({2, 3}), "(2, 3)");
  EXPECT_THROW(shape_numel({2, -1}), ShapeError);
}

TEST(Tensor, RowMajorLayout) {
  const auto t = Tensor<double>::matrix(2, 3, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t.rank(), 2);
  EXPECT_EQ(t.at(1, 0), 4);
  EXPECT_EQ(t.at(0, 2), 3);
  EXPECT_EQ(t[5], 6);
}

TEST(Tensor, SizeMismatchIsAnError) {
  try {
    Tensor<float>(Shape{2, 2}, std::vector<float>{1, 2, 3});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "tensor of shape (2, 2) needs 4 values, got 3");
  }
}

TEST(Tensor, ItemNeedsOneElement) {
  EXPECT_EQ(Tensor<double>::scalar(2.5).item(), 2.5);
  EXPECT_THROW(Tensor<double>::vector({1, 2}).item(), ShapeError);
}

TEST(Tensor, CastKeepsShapeAndValues) {
  const auto d = Tensor<double>::vector({0.5, -1.25});
  const Tensor<float> f = d.cast<float>();
  EXPECT_EQ(f.shape(), d.shape());
  EXPECT_EQ(f[1], -1.25f);
  EXPECT_STREQ(dtype_name<float>(), "float32");
  EXPECT_STREQ(dtype_name<double>(), "float64");
}

}  // namespace
}  // namespace lograd
