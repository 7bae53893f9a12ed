// tests/thread_ranks.h: K data-parallel ranks as K threads in one test, through a Collective
// that sums and gathers in rank order at a std::barrier (as the MPI one does across processes).
#pragma once

#include <barrier>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "lograd/collective.h"

namespace lograd::testing {

// What the K threads share: one slot per rank, filled before a barrier, read after it.
struct Hub {
  explicit Hub(int k) : size(k), bar(k), slots(k), names(k) {}
  int size;
  std::barrier<> bar;
  std::vector<std::vector<double>> slots;
  std::vector<std::vector<std::string>> names;
};

class ThreadRank final : public Collective {
 public:
  ThreadRank(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size; }
  void sum(std::span<double> v) override {
    hub_.slots[rank_].assign(v.begin(), v.end());
    hub_.bar.arrive_and_wait();
    for (size_t i = 0; i < v.size(); ++i) {
      double acc = hub_.slots[0][i];
      for (int q = 1; q < hub_.size; ++q) acc += hub_.slots[q][i];
      v[i] = acc;
    }
    hub_.bar.arrive_and_wait();
  }
  std::vector<std::string> gather(const std::vector<std::string>& mine) override {
    hub_.names[rank_] = mine;
    hub_.bar.arrive_and_wait();
    std::vector<std::string> all;
    for (const auto& n : hub_.names) all.insert(all.end(), n.begin(), n.end());
    hub_.bar.arrive_and_wait();
    return all;
  }

 private:
  Hub& hub_;
  int rank_;
};

// Runs f(collective) on k threads, one per rank, and returns what each returned; a rank that
// throws has its exception stored in errors[rank] (when given) instead. Every rank must make
// the same collective calls, or the test hangs.
template <class R>
std::vector<R> run_ranks(int k, const std::function<R(Collective&)>& f,
                         std::vector<std::exception_ptr>* errors = nullptr) {
  Hub hub(k);
  std::vector<R> out(static_cast<size_t>(k));
  std::vector<std::exception_ptr> caught(static_cast<size_t>(k));
  std::vector<std::thread> threads;
  for (int r = 0; r < k; ++r)
    threads.emplace_back([&, r] {
      ThreadRank c(hub, r);
      try {
        out[static_cast<size_t>(r)] = f(c);
      } catch (...) {
        caught[static_cast<size_t>(r)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (errors != nullptr) *errors = caught;
  return out;
}

}  // namespace lograd::testing
