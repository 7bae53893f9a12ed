// lograd/data_matrix.h: a constant feature matrix X (rows = examples, cols = features),
// stored dense (row-major) or sparse (CSR), in float32 or float64.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include "lograd/csr.h"
#include "lograd/matrix_view.h"
#include "lograd/tensor.h"

namespace lograd {

class DataMatrix {
 public:
  using Storage = std::variant<std::shared_ptr<const CsrMatrix<float>>,
                               std::shared_ptr<const CsrMatrix<double>>,
                               std::shared_ptr<const Tensor<float>>,
                               std::shared_ptr<const Tensor<double>>>;

  // An empty 0 x 0 dense float64 matrix.
  DataMatrix();
  // Takes ownership of a CsrMatrix<T> or a rank-2 Tensor<T> (T float or double).
  template <class M>
  explicit DataMatrix(M matrix) : DataMatrix(std::make_shared<const M>(std::move(matrix))) {}
  // Shares a CsrMatrix<T> or rank-2 Tensor<T>; throws ShapeError for a tensor of rank != 2.
  template <class M>
  explicit DataMatrix(std::shared_ptr<const M> matrix) : storage_(std::move(matrix)) {
    check();
  }
  // Borrows memory another owner holds (a numpy array, a scipy CSR matrix, an MPI rank's
  // shard) without copying it; `owner` is kept alive while this matrix or a copy lives, and the
  // viewed memory must not change meanwhile. Throws ValueError naming the first problem: a
  // negative size, a dense stride below cols, CSR row pointers that decrease, column indices
  // out of range or not strictly ascending within a row, a value that is NaN or infinite.
  static DataMatrix borrow(const MatrixView& view, std::shared_ptr<const void> owner);
  // Whether the storage is borrowed (borrow()) rather than owned.
  bool is_borrowed() const { return borrowed_ != nullptr; }

  int64_t rows() const;
  int64_t cols() const;
  // Stored entries: nnz for CSR, rows * cols for dense.
  int64_t stored() const;
  bool is_sparse() const;
  // "float32" or "float64".
  const char* dtype() const;
  // Bytes of the feature storage in memory (values, indices and row pointers).
  int64_t bytes() const;
  // "sparse float32 (32561 x 123, 451592 stored)", for logs.
  std::string describe() const;

  // A non-owning view of the storage, for the kernels (lograd/kernels.h); valid while this
  // matrix (or a copy sharing its storage) lives.
  MatrixView view() const;

  // Calls f with the stored CsrMatrix<T> or Tensor<T> (by const reference); a borrowed matrix
  // is copied into one for the call (f must not keep a reference to it).
  template <class F>
  decltype(auto) visit(F&& f) const {
    const DataMatrix copy = borrowed_ ? owned() : DataMatrix(std::monostate{});
    const Storage& s = borrowed_ ? copy.storage_ : storage_;
    return std::visit([&](const auto& p) -> decltype(auto) { return f(*p); }, s);
  }
  // The same matrix in storage of its own (a copy when borrowed, else shared).
  DataMatrix owned() const;
  // The rows with the given indices, in that order, in the same storage form.
  DataMatrix select_rows(std::span<const int64_t> rows) const;
  // A copy with `cols` columns: new columns are zero, columns beyond `cols` are dropped.
  DataMatrix with_cols(int64_t cols) const;
  // Converts to dense or CSR storage (no-op when already so).
  DataMatrix to_dense() const;
  DataMatrix to_sparse() const;

 private:
  struct Borrowed;
  explicit DataMatrix(std::monostate) {}  // empty storage, for visit() of a borrowed matrix
  void check() const;
  Storage storage_;
  std::shared_ptr<const Borrowed> borrowed_;  // set for borrowed storage (storage_ then unused)
};

}  // namespace lograd
