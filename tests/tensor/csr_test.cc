#include "lograd/csr.h"

#include <gtest/gtest.h>

namespace lograd {
namespace {

TEST(Csr, FromDenseKeepsNonzerosInOrder) {
  const auto d = Tensor<double>::matrix(3, 4, {0, 2, 0, 3,  //
                                               0, 0, 0, 0,  //
                                               1, 0, 0, -1});
  const auto m = CsrMatrix<double>::from_dense(d);
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.cols, 4);
  EXPECT_EQ(m.row_ptr, (std::vector<int64_t>{0, 2, 2, 4}));
  EXPECT_EQ(m.col, (std::vector<int32_t>{1, 3, 0, 3}));
  EXPECT_EQ(m.val, (std::vector<double>{2, 3, 1, -1}));
  EXPECT_NO_THROW(m.validate());
  EXPECT_EQ(m.to_dense().vec(), d.vec());
}

TEST(Csr, ValidateNamesTheBrokenInvariant) {
  CsrMatrix<float> m;
  m.rows = 1;
  m.cols = 3;
  m.row_ptr = {0, 2};
  m.col = {2, 1};
  m.val = {1, 1};
  try {
    m.validate();
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("not strictly ascending in row 0"), std::string::npos);
  }
  m.col = {0, 3};
  EXPECT_THROW(m.validate(), ValueError);
  m.col = {0, 1};
  m.row_ptr = {0, 1};
  EXPECT_THROW(m.validate(), ValueError);
}

}  // namespace
}  // namespace lograd
