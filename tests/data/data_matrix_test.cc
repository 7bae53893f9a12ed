// DataMatrix::borrow: memory owned elsewhere (numpy, scipy, an MPI shard) used without a copy,
// and every problem of the view refused before use.
#include "lograd/data_matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "lograd/error.h"
#include "lograd/train.h"

namespace lograd {
namespace {

std::vector<double> dense_values(const DataMatrix& x) {
  return x.to_dense().visit([](const auto& m) -> std::vector<double> {
    if constexpr (requires { m.row_ptr; }) return {};
    else return std::vector<double>(m.data(), m.data() + m.numel());
  });
}

TEST(DataMatrixBorrow, DenseViewIsTheCallersMemoryAndKeepsItsOwnerAlive) {
  auto owner = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  std::weak_ptr<std::vector<float>> alive = owner;
  DataMatrix x = DataMatrix::borrow(MatrixView::dense(owner->data(), 2, 3), owner);
  const float* where = owner->data();
  owner.reset();
  EXPECT_FALSE(alive.expired());  // the matrix holds it
  EXPECT_TRUE(x.is_borrowed());
  EXPECT_EQ(x.view().values, where);  // no copy
  EXPECT_EQ(x.rows(), 2);
  EXPECT_EQ(x.cols(), 3);
  EXPECT_EQ(x.stored(), 6);
  EXPECT_STREQ(x.dtype(), "float32");
  EXPECT_EQ(x.bytes(), 24);
  EXPECT_EQ(dense_values(x), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  DataMatrix shared = x;  // a copy shares the borrowed memory
  x = DataMatrix();
  EXPECT_FALSE(alive.expired());
  shared = DataMatrix();
  EXPECT_TRUE(alive.expired());
}

TEST(DataMatrixBorrow, StridedDenseRowsAndTheirCopies) {
  // 2 x 2 inside a 2 x 3 buffer: the third column is not part of the matrix.
  std::vector<double> buf{1, 2, 99, 3, 4, 99};
  DataMatrix x = DataMatrix::borrow(MatrixView::dense(buf.data(), 2, 2, 3), nullptr);
  EXPECT_EQ(dense_values(x), (std::vector<double>{1, 2, 3, 4}));
  const std::vector<int64_t> rows{1, 0};
  EXPECT_EQ(dense_values(x.select_rows(rows)), (std::vector<double>{3, 4, 1, 2}));
  EXPECT_FALSE(x.select_rows(rows).is_borrowed());
  EXPECT_EQ(dense_values(x.with_cols(3)), (std::vector<double>{1, 2, 0, 3, 4, 0}));
  DataMatrix s = x.to_sparse();
  EXPECT_TRUE(s.is_sparse());
  EXPECT_EQ(s.stored(), 4);
}

TEST(DataMatrixBorrow, CsrViewWithAnOffsetFirstRowPointer) {
  // Rows of a larger CSR matrix: row_ptr starts at 2, as a shard of rows 1..2 would.
  std::vector<double> val{9, 9, 1, 2, 3};
  std::vector<int32_t> col{0, 1, 0, 2, 1};
  std::vector<int64_t> row_ptr{2, 4, 5};
  DataMatrix x = DataMatrix::borrow(MatrixView::csr(val.data(), row_ptr.data(), col.data(), 2, 3), nullptr);
  EXPECT_TRUE(x.is_sparse());
  EXPECT_EQ(x.stored(), 3);
  EXPECT_EQ(dense_values(x), (std::vector<double>{1, 0, 2, 0, 3, 0}));
  EXPECT_EQ(x.owned().stored(), 3);
  EXPECT_FALSE(x.owned().is_borrowed());
}

TEST(DataMatrixBorrow, RefusesBrokenViewsNamingTheProblem) {
  std::vector<double> val{1, 2, 3};
  std::vector<int32_t> col{1, 0, 0};
  std::vector<int64_t> row_ptr{0, 2, 3};
  auto message = [](const MatrixView& v) {
    try {
      DataMatrix::borrow(v, nullptr);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(MatrixView::csr(val.data(), row_ptr.data(), col.data(), 2, 2)).find("not strictly ascending"),
            std::string::npos);
  col = {0, 5, 0};
  EXPECT_NE(message(MatrixView::csr(val.data(), row_ptr.data(), col.data(), 2, 2)).find("outside [0, 2)"),
            std::string::npos);
  col = {0, 1, 0};
  row_ptr = {0, 2, 1};
  EXPECT_NE(message(MatrixView::csr(val.data(), row_ptr.data(), col.data(), 2, 2)).find("decrease at row 1"),
            std::string::npos);
  row_ptr = {0, 2, 3};
  val[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(message(MatrixView::csr(val.data(), row_ptr.data(), col.data(), 2, 2)).find("row 1, column 0"),
            std::string::npos);
  std::vector<float> dense{1, 2, INFINITY, 4};
  EXPECT_NE(message(MatrixView::dense(dense.data(), 2, 2)).find("row 1, column 0"), std::string::npos);
  EXPECT_NE(message(MatrixView::dense(dense.data(), 2, 2, 1)).find("stride"), std::string::npos);
}

TEST(DataMatrixBorrow, TrainingOnBorrowedDataEqualsTrainingOnOwnedData) {
  // 6 examples, 2 features: the same numbers owned and borrowed give the same model bit for bit.
  std::vector<double> xs{0.5, 1, -1, 0.25, 2, -0.5, -1.5, 1, 0.75, -2, -0.25, 0.5};
  Dataset owned;
  owned.x = DataMatrix(Tensor<double>::matrix(6, 2, xs));
  owned.label = {0, 1, 0, 1, 1, 0};
  owned.classes = {"0", "1"};
  Dataset borrowed = owned;
  borrowed.x = DataMatrix::borrow(MatrixView::dense(xs.data(), 6, 2), nullptr);
  TrainOptions o;
  o.solver.tol = 1e-10;
  const TrainResult a = train_logistic(owned, o), b = train_logistic(borrowed, o);
  EXPECT_EQ(a.model.w, b.model.w);
  EXPECT_EQ(a.model.b, b.model.b);
  EXPECT_GT(std::abs(a.model.w[0]), 1e-3);  // a model was fitted
}

}  // namespace
}  // namespace lograd
