// Microbenchmarks of the data kernels (lograd/kernels.h) against a plain memory-read loop, in
// one binary, so the gradient pass is reported as a fraction of the bandwidth this machine
// gives right now.
//
//   build-bench/bench/lograd_bench --benchmark_counters_tabular=true      (make bench)
//
// Data: Fashion-MNIST's shape, 60,000 x 784, about half the entries zero, values in (0, 1],
// stored dense float32 (188 MB, far beyond the caches) and as CSR: synthetic (each entry zero
// or not at random), or Fashion-MNIST itself when LOGRAD_BENCH_DATA names a cache of it
// (`lograd convert fmnist.libsvm -o fmnist.lgb`; bench/compare passes its own), whose nonzero
// pixels come in runs, as real sparse rows often do. Arguments: thread count.
// bytes_per_second counts the bytes of X each iteration must read (dense: m n sizeof(S); CSR:
// values, column indices and row pointers), not the O(m + n) vectors.
//
// The kernels run on the best SIMD target the CPU supports (`lograd --version` names it;
// LOGRAD_SIMD=<target> picks another, here too). The memory-read and arithmetic-peak loops
// below are compiled for every target the same way and run on the same one.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/kernels_bench.cc"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <cstdint>

#include "kernels/cpu/dense_simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lograd::bench::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using kernels::HWY_NAMESPACE::simd::D;

// Sums p[begin, end) with four vector accumulators, so the loop waits on memory, not on its
// additions. streams 1 reads front to back; 4 reads four quarters side by side, as the dense
// kernels do with their four rows.
template <class S>
double read_block(const S* p, int64_t begin, int64_t end, int streams) {
  const hn::ScalableTag<S> d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;
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
  return double(hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)))));
}
double ReadF32(const float* p, int64_t begin, int64_t end, int streams) {
  return read_block(p, begin, end, streams);
}
double ReadF64(const double* p, int64_t begin, int64_t end, int streams) {
  return read_block(p, begin, end, streams);
}

// `steps` rounds of 12 independent multiply-add chains (double vectors): more chains than
// latency x ports, so throughput is what is measured. Returns the vector instructions issued.
int64_t MulAddPeak(int64_t steps) {
  const D d;
  constexpr int kChains = 12;
  hn::Vec<D> a[kChains];
  for (int k = 0; k < kChains; ++k) a[k] = hn::Set(d, 1.0 + k * 1e-9);
  const auto m = hn::Set(d, 0.999999999), c = hn::Set(d, 1e-10);
  for (int64_t step = 0; step < steps; ++step) {
    for (int k = 0; k < kChains; ++k) a[k] = hn::MulAdd(a[k], m, c);
    for (int k = 0; k < kChains; ++k) benchmark::DoNotOptimize(a[k]);
  }
  return steps * kChains;
}

// `rounds` passes of float32-to-double widenings (the kernels' own load_double) over 256 floats
// in L1, in 8 chains. Returns the vector widenings issued.
int64_t WidenPeak(const float* src, int64_t rounds) {
  const D d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  constexpr int kChains = 8;
  hn::Vec<D> a[kChains];
  for (auto& v : a) v = hn::Zero(d);
  for (int64_t r = 0; r < rounds; ++r) {
    for (int64_t i = 0; i + kChains * N <= 256; i += kChains * N)
      for (int k = 0; k < kChains; ++k)
        a[k] = hn::Add(a[k], kernels::HWY_NAMESPACE::simd::load_double(d, src + i + k * N));
    benchmark::ClobberMemory();
  }
  double sum = 0;
  for (auto& v : a) sum += hn::GetLane(hn::SumOfLanes(d, v));
  benchmark::DoNotOptimize(sum);
  return rounds * (256 / (kChains * N)) * kChains;
}

}  // namespace lograd::bench::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/cpu/blocks.h"
#include "lograd/binary_cache.h"
#include "lograd/csr.h"
#include "lograd/data_matrix.h"
#include "lograd/kernels.h"
#include "lograd/parallel.h"
#include "lograd/tensor.h"

namespace lograd::bench {
HWY_EXPORT(ReadF32);
HWY_EXPORT(ReadF64);
HWY_EXPORT(MulAddPeak);
HWY_EXPORT(WidenPeak);

namespace {

constexpr int64_t kRows = 60000, kCols = 784;

template <class S>
const Tensor<S>& dense_data() {
  static const Tensor<S> x = [] {
    Tensor<S> t(Shape{kRows, kCols});
    if (const char* path = std::getenv("LOGRAD_BENCH_DATA"); path && *path) {
      const DataMatrix m = read_binary_cache(path).x.to_dense();
      if (m.rows() != kRows || m.cols() != kCols) {
        std::fprintf(stderr, "LOGRAD_BENCH_DATA=%s: %lld x %lld, not Fashion-MNIST's %lld x %lld\n",
                     path, static_cast<long long>(m.rows()), static_cast<long long>(m.cols()),
                     static_cast<long long>(kRows), static_cast<long long>(kCols));
        std::exit(2);
      }
      m.visit([&](const auto& d) {
        if constexpr (requires { d.numel(); }) std::copy(d.data(), d.data() + d.numel(), t.data());
      });
      return t;
    }
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
  static const CsrMatrix<S> c = CsrMatrix<S>::from_dense([] {
    const Tensor<float>& x = dense_data<float>();
    Tensor<S> t(Shape{kRows, kCols});
    std::copy(x.data(), x.data() + x.numel(), t.data());
    return t;
  }());
  return c;
}

MatrixView view_of(const Tensor<float>& x) { return MatrixView::dense(x.data(), x.dim(0), x.dim(1)); }
MatrixView view_of(const Tensor<double>& x) { return MatrixView::dense(x.data(), x.dim(0), x.dim(1)); }
template <class S>
MatrixView view_of(const CsrMatrix<S>& x) {
  return MatrixView::csr(x.val.data(), x.row_ptr.data(), x.col.data(), x.rows, x.cols);
}

// The reference: every byte of X read once and summed, in the same per-thread blocks as the
// kernels. Arguments: threads, streams (1: each block front to back; 4: four quarters of it
// side by side, as the dense kernels read their four rows; the hardware prefetchers follow
// several streams, and one core may then read faster than through one).
template <class S>
void BM_MemoryRead(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  const int streams = static_cast<int>(state.range(1));
  const Tensor<S>& x = dense_data<S>();
  const int64_t count = x.numel();
  const int blocks = num_threads();
  std::vector<double> part(static_cast<size_t>(blocks));
  for (auto _ : state) {
    kernels::for_blocks(count, blocks, [&](int b, int64_t begin, int64_t end) {
      if constexpr (std::is_same_v<S, float>)
        part[static_cast<size_t>(b)] = HWY_DYNAMIC_DISPATCH(ReadF32)(x.data(), begin, end, streams);
      else
        part[static_cast<size_t>(b)] = HWY_DYNAMIC_DISPATCH(ReadF64)(x.data(), begin, end, streams);
    });
    benchmark::DoNotOptimize(part.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * view_of(x).bytes());
}

// The fused loss + gradient pass of every solver's fun_grad (and of the graph's logistic_loss).
void gradient_pass(benchmark::State& state, const MatrixView& x, int64_t rows) {
  set_num_threads(static_cast<int>(state.range(0)));
  std::vector<double> w(kCols, 0.01), y(static_cast<size_t>(rows)), g(kCols), z(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) y[static_cast<size_t>(i)] = i % 3 == 0;
  const double b = 0.1;
  for (auto _ : state) {
    double gb = 0;
    std::fill(g.begin(), g.end(), 0.0);
    kernels::LossGradArgs a;
    a.w = w.data();
    a.b = &b;
    a.y = y.data();
    a.grad_w = g.data();
    a.grad_b = &gb;
    a.z = z.data();
    const double loss = kernels::loss_grad(x, kernels::Rows{nullptr, rows}, kernels::Loss::kLogistic, a);
    benchmark::DoNotOptimize(loss);
  }
  MatrixView part = x;
  part.rows = rows;
  state.SetBytesProcessed(state.iterations() * part.bytes());
}

// The Hessian-vector product pass of Newton's conjugate-gradient steps.
void hessian_pass(benchmark::State& state, const MatrixView& x) {
  set_num_threads(static_cast<int>(state.range(0)));
  std::vector<double> u(kCols, 0.01), d(kRows, 0.2), out(kCols);
  const double c = 0;
  for (auto _ : state) {
    std::fill(out.begin(), out.end(), 0.0);
    double s = 0;
    kernels::HessVecArgs a;
    a.u = u.data();
    a.c = &c;
    a.d = d.data();
    a.out = out.data();
    a.out_c = &s;
    kernels::hess_vec(x, kernels::Rows::all(x), a);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * x.bytes());
}

// The same pass over 256 rows (784 KB of float32), which stay in L2 from one iteration to the
// next: the kernel's arithmetic ceiling, without waiting on memory (one thread).
void BM_GradientPass_DenseF32_InCache(benchmark::State& state) {
  state.SetLabel(kernels::simd_target());
  gradient_pass(state, view_of(dense_data<float>()), 256);
}

// What one core's vector units give: independent multiply-add chains (double, the widest
// vectors of the target in use) and float32-to-double widenings, the two operations the dense
// float32 passes are made of. items_per_second counts vector instructions. On the project's
// Xeon (AVX-512): 1.45-1.51 multiply-adds per ns; on its AMD EPYC (AVX2): 2.2 multiply-adds
// and 2.4 widenings per ns. On both the fused pass's arithmetic alone is about as fast as
// memory; see DEVELOPERS.md.
void BM_ArithmeticPeak_MulAddF64(benchmark::State& state) {
  state.SetLabel(kernels::simd_target());
  int64_t items = 0;
  for (auto _ : state) items += HWY_DYNAMIC_DISPATCH(MulAddPeak)(1000);
  state.SetItemsProcessed(items);
}

void BM_ArithmeticPeak_WidenF32(benchmark::State& state) {
  state.SetLabel(kernels::simd_target());
  alignas(64) float src[256];
  for (int i = 0; i < 256; ++i) src[i] = static_cast<float>(i) / 255;
  float* escaped = src;
  benchmark::DoNotOptimize(escaped);  // so ClobberMemory makes every pass load and widen again
  int64_t items = 0;
  for (auto _ : state) items += HWY_DYNAMIC_DISPATCH(WidenPeak)(src, 1);
  state.SetItemsProcessed(items);
}

void BM_GradientPass_DenseF32(benchmark::State& s) { gradient_pass(s, view_of(dense_data<float>()), kRows); }
void BM_GradientPass_DenseF64(benchmark::State& s) { gradient_pass(s, view_of(dense_data<double>()), kRows); }
void BM_GradientPass_CsrF32(benchmark::State& s) { gradient_pass(s, view_of(csr_data<float>()), kRows); }
void BM_GradientPass_CsrF64(benchmark::State& s) { gradient_pass(s, view_of(csr_data<double>()), kRows); }
void BM_HessianPass_DenseF32(benchmark::State& s) { hessian_pass(s, view_of(dense_data<float>())); }
void BM_HessianPass_CsrF32(benchmark::State& s) { hessian_pass(s, view_of(csr_data<float>())); }
void BM_HessianPass_CsrF64(benchmark::State& s) { hessian_pass(s, view_of(csr_data<double>())); }

// The two halves of the gradient pass apart: z = X w (gathers) and g += X^T u (updates).
void BM_MatVec_CsrF32(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  const MatrixView x = view_of(csr_data<float>());
  std::vector<double> w(kCols, 0.01), z(kRows);
  for (auto _ : state) kernels::matmul(x, kernels::Rows::all(x), 1, w.data(), nullptr, z.data());
  state.SetBytesProcessed(state.iterations() * x.bytes());
}
void BM_MatVecT_CsrF32(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  const MatrixView x = view_of(csr_data<float>());
  std::vector<double> u(kRows, 0.3), g(kCols);
  for (auto _ : state) kernels::matmul_t(x, kernels::Rows::all(x), 1, u.data(), g.data());
  state.SetBytesProcessed(state.iterations() * x.bytes());
}

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
BENCHMARK(BM_GradientPass_DenseF32_InCache)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond)->MinTime(0.5);
BENCHMARK(BM_ArithmeticPeak_MulAddF64)->MinTime(0.5);
BENCHMARK(BM_ArithmeticPeak_WidenF32)->MinTime(0.5);
BENCHMARK(BM_HessianPass_DenseF32)->Apply(threads);
BENCHMARK(BM_MemoryRead<double>)->Name("MemoryRead_F64")->Apply(threads_streams);
BENCHMARK(BM_GradientPass_DenseF64)->Apply(threads);
BENCHMARK(BM_GradientPass_CsrF32)->Apply(threads);
BENCHMARK(BM_GradientPass_CsrF64)->Apply(threads);
BENCHMARK(BM_HessianPass_CsrF32)->Apply(threads);
BENCHMARK(BM_MatVec_CsrF32)->Apply(threads);
BENCHMARK(BM_MatVecT_CsrF32)->Apply(threads);
BENCHMARK(BM_HessianPass_CsrF64)->Apply(threads);

}  // namespace
}  // namespace lograd::bench

int main(int argc, char** argv) {
  if (const char* target = std::getenv("LOGRAD_SIMD"); target && *target)
    lograd::kernels::set_simd_target(target);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
#endif  // HWY_ONCE
