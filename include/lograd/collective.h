// lograd/collective.h: what data-parallel training needs from its transport. Each of K ranks
// holds a shard of the examples; every full-data quantity (loss, gradient, Hessian-vector
// product, line-search values, counts, column statistics) is a sum over ranks. A Collective
// makes those sums in a fixed order, so every rank gets the same bits whatever the timing,
// and every rank's solver takes the same steps. One process uses none (or local_collective());
// MPI implements it over MPI_Allgather (roadmap); tests run K ranks on threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lograd {

class Collective {
 public:
  virtual ~Collective() = default;
  // This rank, in [0, size()).
  virtual int rank() const = 0;
  // The number of ranks.
  virtual int size() const = 0;
  // Replaces v, on every rank, by the sum over ranks of v, added in rank order 0, 1, ..., K-1
  // (identical bits on every rank). Every rank must call it with the same length.
  virtual void sum(std::span<double> v) = 0;
  // Every rank's `mine`, concatenated in rank order.
  virtual std::vector<std::string> gather(const std::vector<std::string>& mine) = 0;
};

// The collective of one process: sum and gather return their input.
std::shared_ptr<Collective> local_collective();

// The sum over ranks of one number (a convenience over Collective::sum).
double sum_over_ranks(Collective& c, double v);

}  // namespace lograd
