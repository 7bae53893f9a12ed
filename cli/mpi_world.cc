#include "mpi_world.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if LOGRAD_WITH_MPI
#include <mpi.h>
#endif

namespace lograd::cli {
namespace {

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

bool g_joined = false;

#if LOGRAD_WITH_MPI
// Sums over MPI_COMM_WORLD: MPI_Allgather of every rank's vector (and its stop flag), added in
// rank order by each rank, so all ranks get the same bits whatever the timing (MPI_Allreduce
// may add in any order).
class MpiCollective final : public Collective {
 public:
  MpiCollective(World& w) : w_(w) {}
  int rank() const override { return w_.rank; }
  int size() const override { return w_.size; }

  void sum(std::span<double> v) override {
    const size_t n = v.size() + 1;
    send_.assign(v.begin(), v.end());
    send_.push_back(w_.local_stop != nullptr && w_.local_stop->load() ? 1.0 : 0.0);
    recv_.resize(n * static_cast<size_t>(w_.size));
    MPI_Allgather(send_.data(), static_cast<int>(n), MPI_DOUBLE, recv_.data(), static_cast<int>(n),
                  MPI_DOUBLE, MPI_COMM_WORLD);
    double stop = 0;
    for (size_t i = 0; i < n; ++i) {
      double acc = recv_[i];
      for (int q = 1; q < w_.size; ++q) acc += recv_[static_cast<size_t>(q) * n + i];
      if (i < v.size()) v[i] = acc;
      else stop = acc;
    }
    if (stop > 0) w_.stop.store(true);
  }

  std::vector<std::string> gather(const std::vector<std::string>& mine) override {
    std::string packed;  // each string as its length, a space, its bytes
    for (const std::string& s : mine) packed += std::to_string(s.size()) + " " + s;
    int len = static_cast<int>(packed.size());
    std::vector<int> lens(static_cast<size_t>(w_.size)), offs(static_cast<size_t>(w_.size));
    MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, MPI_COMM_WORLD);
    int total = 0;
    for (int q = 0; q < w_.size; ++q) {
      offs[q] = total;
      total += lens[q];
    }
    std::string all(static_cast<size_t>(total), '\0');
    MPI_Allgatherv(packed.data(), len, MPI_CHAR, all.data(), lens.data(), offs.data(), MPI_CHAR,
                   MPI_COMM_WORLD);
    std::vector<std::string> out;
    for (size_t i = 0; i < all.size();) {
      const size_t sp = all.find(' ', i);
      const size_t n = std::stoull(all.substr(i, sp - i));
      out.push_back(all.substr(sp + 1, n));
      i = sp + 1 + n;
    }
    return out;
  }

 private:
  World& w_;
  std::vector<double> send_, recv_;
};
#endif

}  // namespace

World& world() {
  static World w;
  return w;
}

void init_world(int* argc, char*** argv) {
#if LOGRAD_WITH_MPI
  if (!launched_by_mpirun()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);  // kernels' OpenMP threads do no MPI
  g_joined = true;
  World& w = world();
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  if (w.size > 1) w.collective = std::make_shared<MpiCollective>(w);
#else
  (void)argc;
  (void)argv;
#endif
}

void finalize_world() {
#if LOGRAD_WITH_MPI
  if (g_joined) MPI_Finalize();
  g_joined = false;
#endif
}

void abort_world(int status) {
#if LOGRAD_WITH_MPI
  if (g_joined && world().size > 1) MPI_Abort(MPI_COMM_WORLD, status);
#else
  (void)status;
#endif
}

const char* world_warning() {
#if LOGRAD_WITH_MPI
  return "";
#else
  return launched_by_mpirun() ? "this lograd was built without MPI (LOGRAD_WITH_MPI): every "
                                "rank trains alone on all the data; rebuild with "
                                "libopenmpi-dev installed to train data-parallel"
                              : "";
#endif
}

}  // namespace lograd::cli
