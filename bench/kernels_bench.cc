// Microbenchmarks of the data kernels against a plain memory-read loop, in one binary, so the
// gradient pass is reported as a fraction of the bandwidth this machine gives right now.
//
//   build-bench/bench/lograd_bench --benchmark_counters_tabular=true      (make bench)
//
// Data: Fashion-MNIST's shape, 60,000 x 784, about half the entries zero, values in (0, 1],
// stored dense float32 (188 MB, far beyond the caches) and as CSR. Arguments: thread count.
// bytes_per_second counts the bytes of X each iteration must read (dense: m n sizeof(S); CSR:
// values, column indices and row pointers), not the O(m + n) vectors.
#include <benchmark/benchmark.h>
#include <hwy/highway.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/linear.h"
#include "lograd/csr.h"
#include "lograd/parallel.h"
#include "lograd/tensor.h"

namespace lograd {
namespace {

constexpr int64_t kRows = 60000, kCols = 784;

template <class S>
const Tensor<S>& dense_data() {
  static const Tensor<S> x = [] {
    Tensor<S> t(Shape{kRows, kCols});
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    for (int64_t k = 0; k < kRows * kCols; ++k) {
      const double v = u(rng);
      t.data()[k] = v < 0.5 ? S(0) : static_cast<S>(2 * v - 1);
    }
    return t;
  }();
  return x;
}

template <class S>
const CsrMatrix<S>& csr_data() {
  static const CsrMatrix<S> c = [] {
    const Tensor<float>& x = dense_data<float>();
    CsrMatrix<S> m;
    m.rows = kRows;
    m.cols = kCols;
    m.row_ptr.assign(1, 0);
    for (int64_t r = 0; r < kRows; ++r) {
      for (int64_t j = 0; j < kCols; ++j)
        if (const float v = x.data()[r * kCols + j]; v != 0) {
          m.col.push_back(static_cast<int32_t>(j));
          m.val.push_back(static_cast<S>(v));
        }
      m.row_ptr.push_back(static_cast<int64_t>(m.col.size()));
    }
    return m;
  }();
  return c;
}

template <class S>
int64_t bytes_of(const Tensor<S>& x) {
  return x.numel() * static_cast<int64_t>(sizeof(S));
}
template <class S>
int64_t bytes_of(const CsrMatrix<S>& x) {
  return static_cast<int64_t>(x.val.size() * sizeof(S) + x.col.size() * sizeof(int32_t) +
                              x.row_ptr.size() * sizeof(int64_t));
}

// The reference: every byte of X read once and summed, in the same per-thread blocks, with
// four vector accumulators (Highway), so the loop waits on memory, not on its additions.
// Arguments: threads, streams: 1 reads each block front to back; 4 reads four quarters of it
// side by side, as the dense kernels do with their four rows (the hardware prefetchers follow
// several streams, and one core may then read faster than through one).
template <class S>
void BM_MemoryRead(benchmark::State& state) {
  namespace hn = hwy::HWY_NAMESPACE;
  set_num_threads(static_cast<int>(state.range(0)));
  const int streams = static_cast<int>(state.range(1));
  const Tensor<S>& x = dense_data<S>();
  const int64_t count = x.numel();
  const int blocks = num_threads();
  std::vector<double> part(static_cast<size_t>(blocks));
  for (auto _ : state) {
    kernels::for_blocks(count, blocks, [&](int b, int64_t begin, int64_t end) {
      const hn::ScalableTag<S> d;
      const auto N = static_cast<int64_t>(hn::Lanes(d));
      auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;
      const S* p = x.data();
      if (streams == 1) {
        int64_t k = begin;
        for (; k + 4 * N <= end; k += 4 * N) {
          a0 = hn::Add(a0, hn::LoadU(d, p + k));
          a1 = hn::Add(a1, hn::LoadU(d, p + k + N));
          a2 = hn::Add(a2, hn::LoadU(d, p + k + 2 * N));
          a3 = hn::Add(a3, hn::LoadU(d, p + k + 3 * N));
        }
        for (; k < end; ++k) a0 = hn::Add(a0, hn::Set(d, p[k]));
      } else {
        const int64_t quarter = (end - begin) / 4 / N * N;
        const S *q0 = p + begin, *q1 = q0 + quarter, *q2 = q1 + quarter, *q3 = q2 + quarter;
        for (int64_t k = 0; k < quarter; k += N) {
          a0 = hn::Add(a0, hn::LoadU(d, q0 + k));
          a1 = hn::Add(a1, hn::LoadU(d, q1 + k));
          a2 = hn::Add(a2, hn::LoadU(d, q2 + k));
          a3 = hn::Add(a3, hn::LoadU(d, q3 + k));
        }
        for (int64_t k = begin + 4 * quarter; k < end; ++k) a0 = hn::Add(a0, hn::Set(d, p[k]));
      }
      part[static_cast<size_t>(b)] =
          double(hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)))));
    });
    benchmark::DoNotOptimize(part.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * bytes_of(x));
}

// The fused loss + gradient pass of every solver's fun_grad (and of the graph's logistic_loss).
template <class M>
void gradient_pass(benchmark::State& state, const M& x) {
  set_num_threads(static_cast<int>(state.range(0)));
  std::vector<double> w(kCols, 0.01), y(kRows), g(kCols), z(kRows);
  for (int64_t i = 0; i < kRows; ++i) y[static_cast<size_t>(i)] = i % 3 == 0;
  for (auto _ : state) {
    double gb = 0;
    std::fill(g.begin(), g.end(), 0.0);
    const double loss = kernels::logistic_pass(x, nullptr, kRows, w.data(), 0.1, y.data(),
                                               static_cast<const double*>(nullptr), g.data(),
                                               &gb, z.data(), kCols);
    benchmark::DoNotOptimize(loss);
  }
  state.SetBytesProcessed(state.iterations() * bytes_of(x));
}

// The Hessian-vector product pass of Newton's conjugate-gradient steps.
template <class M>
void hessian_pass(benchmark::State& state, const M& x) {
  set_num_threads(static_cast<int>(state.range(0)));
  std::vector<double> u(kCols, 0.01), d(kRows, 0.2), out(kCols);
  for (auto _ : state) {
    std::fill(out.begin(), out.end(), 0.0);
    const double s = kernels::hess_pass(x, nullptr, kRows, u.data(), 0.0, d.data(), out.data(),
                                        kCols);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * bytes_of(x));
}

// The same pass over 256 rows (784 KB of float32), which stay in L2 from one iteration to the
// next: the kernel's arithmetic ceiling, without waiting on memory.
void BM_GradientPass_DenseF32_InCache(benchmark::State& state) {
  constexpr int64_t rows = 256;
  static const Tensor<float> x = [] {
    Tensor<float> t(Shape{rows, kCols});
    std::copy(dense_data<float>().data(), dense_data<float>().data() + rows * kCols, t.data());
    return t;
  }();
  set_num_threads(1);
  std::vector<double> w(kCols, 0.01), y(rows), g(kCols);
  for (int64_t i = 0; i < rows; ++i) y[static_cast<size_t>(i)] = i % 3 == 0;
  for (auto _ : state) {
    double gb = 0;
    std::fill(g.begin(), g.end(), 0.0);
    const double loss = kernels::logistic_pass(x, nullptr, rows, w.data(), 0.1, y.data(),
                                               static_cast<const double*>(nullptr), g.data(),
                                               &gb, nullptr, kCols);
    benchmark::DoNotOptimize(loss);
  }
  state.SetBytesProcessed(state.iterations() * bytes_of(x));
}

// What one core's vector units give: independent multiply-add chains (double, the widest
// vectors Highway targets here) and float32-to-double widenings, the two operations the dense
// float32 passes are made of (the widening is the kernels' own simd::load_double).
// items_per_second counts vector instructions. On the project's Xeon (AVX-512): 1.45-1.51
// multiply-adds per ns; on its AMD EPYC (AVX2): 2.2 multiply-adds and 2.4 widenings per ns.
// On both the fused pass's arithmetic alone is about as fast as memory; see DEVELOPERS.md.
namespace hn = hwy::HWY_NAMESPACE;
void BM_ArithmeticPeak_MulAddF64(benchmark::State& state) {
  const kernels::simd::D d;
  constexpr int kChains = 12;  // more than latency x ports, so throughput is what is measured
  hn::Vec<decltype(d)> a[kChains];
  for (int k = 0; k < kChains; ++k) a[k] = hn::Set(d, 1.0 + k * 1e-9);
  const auto m = hn::Set(d, 0.999999999), c = hn::Set(d, 1e-10);
  constexpr int kSteps = 1000;
  for (auto _ : state) {
    for (int step = 0; step < kSteps; ++step) {
      for (int k = 0; k < kChains; ++k) a[k] = hn::MulAdd(a[k], m, c);
      for (int k = 0; k < kChains; ++k) benchmark::DoNotOptimize(a[k]);
    }
  }
  state.SetItemsProcessed(state.iterations() * kSteps * kChains);
}

void BM_ArithmeticPeak_WidenF32(benchmark::State& state) {
  const kernels::simd::D d;
  alignas(64) float src[256];
  for (int i = 0; i < 256; ++i) src[i] = static_cast<float>(i) / 255;
  const auto N = static_cast<int>(hn::Lanes(d));
  constexpr int kChains = 8;
  hn::Vec<decltype(d)> a[kChains];
  for (auto& v : a) v = hn::Zero(d);
  float* escaped = src;
  benchmark::DoNotOptimize(escaped);  // so ClobberMemory makes every pass load and widen again
  for (auto _ : state) {
    for (int i = 0; i + kChains * N <= 256; i += kChains * N)
      for (int k = 0; k < kChains; ++k) a[k] = hn::Add(a[k], kernels::simd::load_double(d, src + i + k * N));
    benchmark::ClobberMemory();
  }
  double sum = 0;
  for (auto& v : a) sum += hn::GetLane(hn::SumOfLanes(d, v));
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * (256 / (kChains * N)) * kChains);
}

void BM_GradientPass_DenseF32(benchmark::State& s) { gradient_pass(s, dense_data<float>()); }
void BM_GradientPass_DenseF64(benchmark::State& s) { gradient_pass(s, dense_data<double>()); }
void BM_GradientPass_CsrF32(benchmark::State& s) { gradient_pass(s, csr_data<float>()); }
void BM_GradientPass_CsrF64(benchmark::State& s) { gradient_pass(s, csr_data<double>()); }
void BM_HessianPass_DenseF32(benchmark::State& s) { hessian_pass(s, dense_data<float>()); }
void BM_HessianPass_CsrF64(benchmark::State& s) { hessian_pass(s, csr_data<double>()); }

void threads(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1);
  if (omp_get_num_procs() > 1) b->Arg(omp_get_num_procs());
  b->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
}

void threads_streams(benchmark::internal::Benchmark* b) {
  b->ArgNames({"threads", "streams"});
  for (const int streams : {1, 4}) {
    b->Args({1, streams});
    if (omp_get_num_procs() > 1) b->Args({omp_get_num_procs(), streams});
  }
  b->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
}

BENCHMARK(BM_MemoryRead<float>)->Name("MemoryRead_F32")->Apply(threads_streams);
BENCHMARK(BM_GradientPass_DenseF32)->Apply(threads);
BENCHMARK(BM_GradientPass_DenseF32_InCache)->UseRealTime()->Unit(benchmark::kMicrosecond)->MinTime(0.5);
BENCHMARK(BM_ArithmeticPeak_MulAddF64)->MinTime(0.5);
BENCHMARK(BM_ArithmeticPeak_WidenF32)->MinTime(0.5);
BENCHMARK(BM_HessianPass_DenseF32)->Apply(threads);
BENCHMARK(BM_MemoryRead<double>)->Name("MemoryRead_F64")->Apply(threads_streams);
BENCHMARK(BM_GradientPass_DenseF64)->Apply(threads);
BENCHMARK(BM_GradientPass_CsrF32)->Apply(threads);
BENCHMARK(BM_GradientPass_CsrF64)->Apply(threads);
BENCHMARK(BM_HessianPass_CsrF64)->Apply(threads);

}  // namespace
}  // namespace lograd

BENCHMARK_MAIN();
