// lograd/parallel.h: how many threads the data kernels use.
#pragma once

namespace lograd {

// Sets the number of threads of the kernels over the data; 0 means every core. Results are
// identical from run to run for a given count (reductions combine blocks in a fixed order).
void set_num_threads(int threads);

// The number of threads the kernels use (at least 1).
int num_threads();

}  // namespace lograd
