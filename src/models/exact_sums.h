// Internal: sums over the examples whose bits depend neither on how the examples are split
// among threads and ranks nor on their order, so that `lograd train --exact-sums` gives the
// same bits in one process, on any thread count and under `mpirun -np K` for every K.
//
// How: each term is made in double by a per-row computation that does not depend on where the
// row is (a row's own entries, in four chains by entry position), then truncated to a fixed-point integer on a
// quantum of 2^(E - 62), E fixed per pass from bounds every split computes to the same bits
// (the largest |x_ij| of each feature and |u_iq| of each output over every rank: maxima, not
// sums), and added in 128-bit integers, exactly, so the order no longer matters. The ranks
// add their integers (gathered, so the sum stays exact) and the total is turned into a double
// by a deterministic function of it (correctly rounded but where the result is subnormal). A
// term's error is below 2^-62 of its bound and a sum's below m 2^-62 of it, about 2^-9 of what
// summing m doubles may lose.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "lograd/collective.h"
#include "lograd/matrix_view.h"

namespace lograd::detail {

__extension__ typedef __int128 Fixed;  // GCC and Clang; the sums need more than 64 bits

class ExactSums {
 public:
  // x: this rank's rows (its memory must outlive this object); k: the columns of
  // the vectors summed (outputs per example); c: the ranks (one process: local_collective()).
  // Every rank constructs it at once (one gather: each feature's largest |x_ij|). Throws
  // ValueError, on every rank, for a feature with a value of magnitude 2^448 or more.
  ExactSums(const MatrixView& x, int64_t k, std::shared_ptr<Collective> c);

  // z (m, k) = X W + b over this rank's m rows, each entry summed over the row's stored
  // entries in column order (so a row's scores do not depend on where the row is).
  // w: (n, k) row-major, b: (k) or null.
  void scores(const double* w, const double* b, double* z) const;

  // out (n, k) = sum over every rank's rows of f(x_i) u_i^T with f(x) = x, or x o x when
  // squared, and out_c (k) = sum_i u_i (null: not wanted); exact, rounded once. A non-finite
  // u on any rank makes every entry NaN. Every rank calls it at once.   u: (m, k) by row
  void xt(const double* u, bool squared, double* out, double* out_c);

  // The sum over every rank of its v[0 .. len), exact, rounded once (NaN or infinite when a
  // term on any rank is). Every rank calls it at once.
  double sum(const double* v, int64_t len);

 private:
  // v[i] becomes the largest v[i] over the ranks (NaN counts as infinite).
  void max_over_ranks(std::vector<double>& v);

  MatrixView x_;
  int64_t k_;
  std::shared_ptr<Collective> c_;
  std::vector<int> ex_, ex2_;  // per feature: max |x_j| < 2^ex_[j], max x_j^2 < 2^ex2_[j]
  std::vector<std::vector<Fixed>> blocks_;  // xt's per-thread accumulators, kept for reuse
};

}  // namespace lograd::detail
