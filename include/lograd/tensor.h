// lograd/tensor.h: dense, row-major tensors of float or double.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lograd/error.h"

namespace lograd {

// A tensor's dimensions, outermost first; {} is a scalar, {n} a vector, {m, n} a matrix.
using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar); throws ShapeError on a negative dimension.
int64_t shape_numel(const Shape& shape);

// Human-readable shape, "()" for a scalar, "(3)" for a vector, "(2, 3)" for a matrix.
std::string shape_str(const Shape& shape);

// Name of the element type: "float32" or "float64".
template <class T>
constexpr const char* dtype_name();
template <>
constexpr const char* dtype_name<float>() { return "float32"; }
template <>
constexpr const char* dtype_name<double>() { return "float64"; }

// A dense row-major array of T (float or double) with a shape. Copies are deep.
template <class T>
class Tensor {
 public:
  using value_type = T;

  // A scalar 0.
  Tensor() : data_(1, T(0)) {}
  // A tensor of the given shape, every element `fill`.
  explicit Tensor(Shape shape, T fill = T(0))
      : shape_(std::move(shape)), data_(static_cast<size_t>(shape_numel(shape_)), fill) {}
  // A tensor of the given shape over `data`; throws ShapeError if the sizes differ.
  Tensor(Shape shape, std::vector<T> data) : shape_(std::move(shape)), data_(std::move(data)) {
    if (static_cast<int64_t>(data_.size()) != shape_numel(shape_))
      throw ShapeError("tensor of shape " + shape_str(shape_) + " needs " +
                       std::to_string(shape_numel(shape_)) + " values, got " +
                       std::to_string(data_.size()));
  }

  // A rank-0 tensor holding v.
  static Tensor scalar(T v) { return Tensor(Shape{}, std::vector<T>{v}); }
  // A rank-1 tensor holding v.
  static Tensor vector(std::vector<T> v) {
    const auto n = static_cast<int64_t>(v.size());
    return Tensor(Shape{n}, std::move(v));
  }
  // A rank-2 tensor, rows x cols, from row-major data.
  static Tensor matrix(int64_t rows, int64_t cols, std::vector<T> data) {
    return Tensor(Shape{rows, cols}, std::move(data));
  }

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  // Size of dimension i (0-based); requires i < rank().
  int64_t dim(int i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t numel() const { return static_cast<int64_t>(data_.size()); }
  bool same_shape(const Tensor& other) const { return shape_ == other.shape_; }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::span<T> span() { return data_; }
  std::span<const T> span() const { return data_; }
  const std::vector<T>& vec() const { return data_; }

  // Flat (row-major) element access; no bounds check.
  T& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
  const T& operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }
  // Element (r, c) of a rank-2 tensor; no bounds check.
  T& at(int64_t r, int64_t c) { return data_[static_cast<size_t>(r * shape_[1] + c)]; }
  const T& at(int64_t r, int64_t c) const { return data_[static_cast<size_t>(r * shape_[1] + c)]; }

  // The single value of a one-element tensor; throws ShapeError otherwise.
  T item() const {
    if (data_.size() != 1)
      throw ShapeError("item() needs a one-element tensor, got shape " + shape_str(shape_));
    return data_[0];
  }
  // Sets every element to v.
  void fill(T v) { std::fill(data_.begin(), data_.end(), v); }
  // Gives the tensor a new shape and size; contents become unspecified-but-valid (zeros if grown).
  void reshape_storage(Shape shape) {
    shape_ = std::move(shape);
    data_.resize(static_cast<size_t>(shape_numel(shape_)));
  }
  // The same values converted to U.
  template <class U>
  Tensor<U> cast() const {
    return Tensor<U>(shape_, std::vector<U>(data_.begin(), data_.end()));
  }

 private:
  Shape shape_;
  std::vector<T> data_;
};

}  // namespace lograd
