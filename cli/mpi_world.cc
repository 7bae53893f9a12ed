#include "mpi_world.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
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
// Sums over MPI_COMM_WORLD in a fixed order: every element is added in rank order 0, 1, ...,
// K - 1, so all ranks get the same bits whatever the timing (MPI_Allreduce may add in any
// order). Short vectors by MPI_Allgather, long ones by a reduce-scatter and an allgather.
class MpiCollective final : public Collective {
 public:
  explicit MpiCollective(World& w) : w_(w) {
    // LOGRAD_MPI_SCATTER_FROM=N moves the switch to scatter_sum (tests use 1 to cover it).
    if (const char* e = std::getenv("LOGRAD_MPI_SCATTER_FROM"); e && *e)
      scatter_from_ = std::max<size_t>(1, std::strtoull(e, nullptr, 10));
  }
  int rank() const override { return w_.rank; }
  int size() const override { return w_.size; }

  void sum(std::span<double> v) override {
    // The stop flag rides along as one more number.
    send_.assign(v.begin(), v.end());
    send_.push_back(w_.local_stop != nullptr && w_.local_stop->load() ? 1.0 : 0.0);
    if (send_.size() < scatter_from_ * static_cast<size_t>(w_.size)) gather_sum();
    else scatter_sum();
    std::copy(send_.begin(), send_.end() - 1, v.begin());
    if (send_.back() > 0) w_.stop.store(true);
  }

  // Short vectors: every rank receives all K vectors (MPI_Allgather) and adds them in rank
  // order. K - 1 vectors in per rank; one latency step per round of the allgather.
  void gather_sum() {
    const size_t n = send_.size();
    recv_.resize(n * static_cast<size_t>(w_.size));
    MPI_Allgather(send_.data(), static_cast<int>(n), MPI_DOUBLE, recv_.data(), static_cast<int>(n),
                  MPI_DOUBLE, MPI_COMM_WORLD);
    for (size_t i = 0; i < n; ++i) {
      double acc = recv_[i];
      for (int q = 1; q < w_.size; ++q) acc += recv_[static_cast<size_t>(q) * n + i];
      send_[i] = acc;
    }
  }

  // Long vectors: rank q owns slice q; each rank sends slice q to rank q (MPI_Alltoallv),
  // which adds the K copies in rank order, then the summed slices go to everyone
  // (MPI_Allgatherv). About 2 (K - 1) / K of the vector in per rank instead of K - 1 vectors,
  // and the same bits as gather_sum: each element is still added in rank order.
  void scatter_sum() {
    const size_t n = send_.size(), k = static_cast<size_t>(w_.size);
    std::vector<int> count(k), offset(k), recv_count(k), recv_offset(k);
    for (size_t q = 0; q < k; ++q) {
      offset[q] = static_cast<int>(n * q / k);
      count[q] = static_cast<int>(n * (q + 1) / k) - offset[q];
    }
    const size_t mine = static_cast<size_t>(count[static_cast<size_t>(w_.rank)]);
    for (size_t q = 0; q < k; ++q) {
      recv_count[q] = static_cast<int>(mine);
      recv_offset[q] = static_cast<int>(mine * q);
    }
    recv_.resize(mine * k);
    MPI_Alltoallv(send_.data(), count.data(), offset.data(), MPI_DOUBLE, recv_.data(),
                  recv_count.data(), recv_offset.data(), MPI_DOUBLE, MPI_COMM_WORLD);
    slice_.resize(mine);
    for (size_t i = 0; i < mine; ++i) {
      double acc = recv_[i];
      for (size_t q = 1; q < k; ++q) acc += recv_[q * mine + i];
      slice_[i] = acc;
    }
    MPI_Allgatherv(slice_.data(), static_cast<int>(mine), MPI_DOUBLE, send_.data(), count.data(),
                   offset.data(), MPI_DOUBLE, MPI_COMM_WORLD);
  }

  std::vector<std::string> gather(const std::vector<std::string>& mine) override {
    std::string packed;  // each string as its length, a space, its bytes
    for (const std::string& s : mine) packed += std::to_string(s.size()) + " " + s;
    const size_t k = static_cast<size_t>(w_.size);
    const auto len = static_cast<int64_t>(packed.size());
    std::vector<int64_t> lens(k);
    MPI_Allgather(&len, 1, MPI_INT64_T, lens.data(), 1, MPI_INT64_T, MPI_COMM_WORLD);
    // MPI counts and offsets are int: rounds of at most `chunk` bytes from each rank, as many
    // on every rank (all know every length), so no count or offset passes INT_MAX.
    const int64_t chunk = std::max<int64_t>(1, (std::numeric_limits<int>::max() / 2) /
                                                   static_cast<int64_t>(k));
    std::vector<std::string> parts(k);
    for (size_t q = 0; q < k; ++q) parts[q].resize(static_cast<size_t>(lens[q]));
    std::vector<int> count(k), offset(k);
    std::string buf;
    for (int64_t done = 0;; done += chunk) {
      int total = 0;
      for (size_t q = 0; q < k; ++q) {
        count[q] = static_cast<int>(std::clamp<int64_t>(lens[q] - done, 0, chunk));
        offset[q] = total;
        total += count[q];
      }
      if (total == 0) break;
      buf.resize(static_cast<size_t>(total));
      MPI_Allgatherv(packed.data() + std::min(done, len), count[static_cast<size_t>(w_.rank)],
                     MPI_CHAR, buf.data(), count.data(), offset.data(), MPI_CHAR, MPI_COMM_WORLD);
      for (size_t q = 0; q < k; ++q)
        std::memcpy(parts[q].data() + done, buf.data() + offset[q], static_cast<size_t>(count[q]));
    }
    std::string().swap(packed);
    std::vector<std::string> out;
    for (std::string& all : parts) {
      for (size_t i = 0; i < all.size();) {
        const size_t sp = all.find(' ', i);
        const size_t n = std::stoull(all.substr(i, sp - i));
        out.push_back(all.substr(sp + 1, n));
        i = sp + 1 + n;
      }
      std::string().swap(all);
    }
    return out;
  }

 private:
  // Vectors of at least this many numbers per rank are summed by scatter_sum.
  size_t scatter_from_ = 4096;
  World& w_;
  std::vector<double> send_, recv_, slice_;
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
  MPI_Comm node;  // the ranks that share this machine's memory, and so its cores
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &w.local_size);
  MPI_Comm_free(&node);
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
