#include "lograd/parallel.h"

#include <atomic>
#include <thread>

namespace lograd {
namespace {

int all_cores() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::atomic<int> g_threads{0};

}  // namespace

void set_num_threads(int threads) { g_threads = threads < 0 ? 0 : threads; }

int num_threads() {
  const int t = g_threads.load();
  return t > 0 ? t : all_cores();
}

}  // namespace lograd
