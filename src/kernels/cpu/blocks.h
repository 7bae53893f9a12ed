// Internal: how the kernels cut a pass into per-thread blocks of rows and add the blocks'
// partial sums in a fixed order (target-independent; the per-target passes call these).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lograd/parallel.h"

namespace lograd::kernels {

// Number of blocks for `count` rows of `entries_per_row` stored entries: one per thread, but
// none with less than about a million stored entries (half a millisecond of work or so).
// Smaller passes run on one thread: waking and joining threads costs more than it saves
// there, and much more when another process holds a core and a thread waits for its turn at
// every pass.
inline int blocks_for_work(int64_t count, double entries_per_row) {
  constexpr double kMinEntriesPerBlock = 1 << 20;
  const double blocks = static_cast<double>(count) * entries_per_row / kMinEntriesPerBlock;
  return static_cast<int>(std::clamp<double>(blocks, 1, num_threads()));
}

// Runs body(block, begin, end) over `blocks` contiguous ranges of [0, count), one thread each.
template <class F>
void for_blocks(int64_t count, int blocks, F&& body) {
  if (blocks == 1) {
    body(0, int64_t{0}, count);
    return;
  }
#pragma omp parallel for num_threads(blocks) schedule(static, 1)
  for (int b = 0; b < blocks; ++b) body(b, count * b / blocks, count * (b + 1) / blocks);
}

// Per-block accumulators of width `width`, summed into out (+=) in block order.
class BlockSums {
 public:
  BlockSums(int blocks, int64_t width)
      : blocks_(blocks),
        width_(width),
        data_(static_cast<size_t>(blocks) * static_cast<size_t>(width)) {}
  double* block(int b) {
    return data_.data() + static_cast<size_t>(b) * static_cast<size_t>(width_);
  }
  void add_to(double* out) const {
    for (int b = 0; b < blocks_; ++b)
      for (int64_t j = 0; j < width_; ++j) out[j] += data_[static_cast<size_t>(b * width_ + j)];
  }
  // Entry j summed over the blocks in block order, from 0: what add_to would leave in a zeroed
  // vector, without one (a vector of n is most of a one-vs-rest pass's memory beside X).
  double sum(int64_t j) const {
    double t = 0;
    for (int b = 0; b < blocks_; ++b)
      t += data_[static_cast<size_t>(b) * static_cast<size_t>(width_) + static_cast<size_t>(j)];
    return t;
  }

 private:
  int blocks_;
  int64_t width_;
  std::vector<double> data_;
};

// A buffer of at least `size` doubles kept from call to call (per thread and slot), zeroed
// when `zero`. The k > 1 passes need per-block buffers of n x k doubles (12 MB for news20's
// 62,061 features and 20 classes); fresh ones every pass cost more in page faults than the
// pass itself. Never null, even for size 0 (no features): the passes take a null W or V to
// mean "none given".
inline double* scratch(int slot, size_t size, bool zero) {
  thread_local std::vector<double> buffers[4];
  std::vector<double>& b = buffers[slot];
  if (b.size() < std::max<size_t>(size, 1)) b.resize(std::max<size_t>(size, 1));
  if (zero) std::fill_n(b.data(), size, 0.0);
  return b.data();
}

}  // namespace lograd::kernels
