// Sums over the examples that no split or order changes (exact_sums.h). Scalar code: the
// option that asks for them trades speed for bits that one process and K ranks share.
#include "models/exact_sums.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "data/exact_sum.h"
#include "lograd/error.h"
#include "lograd/parallel.h"

namespace lograd::detail {
namespace {

// f(j, x_ij) for each stored entry of row i, in column order; a dense row's zeros are
// skipped as CSR does not store them (they add nothing, exactly, to either kind of sum).
template <class F>
void for_row(const MatrixView& x, int64_t i, F&& f) {
  if (x.sparse) {
    const int64_t begin = x.row_ptr[i], end = x.row_ptr[i + 1];
    if (x.dtype == Dtype::kFloat32) {
      const float* v = static_cast<const float*>(x.values);
      for (int64_t e = begin; e < end; ++e) f(int64_t{x.col[e]}, double(v[e]));
    } else {
      const double* v = static_cast<const double*>(x.values);
      for (int64_t e = begin; e < end; ++e) f(int64_t{x.col[e]}, v[e]);
    }
    return;
  }
  const int64_t stride = x.stride > 0 ? x.stride : x.cols;
  if (x.dtype == Dtype::kFloat32) {
    const float* v = static_cast<const float*>(x.values) + i * stride;
    for (int64_t j = 0; j < x.cols; ++j)
      if (v[j] != 0) f(j, double(v[j]));
  } else {
    const double* v = static_cast<const double*>(x.values) + i * stride;
    for (int64_t j = 0; j < x.cols; ++j)
      if (v[j] != 0) f(j, v[j]);
  }
}

// x_i . w in four chains, entry e of the row's stored entries (CSR) or column e (dense) going
// to chain e mod 4, added (c0 + c1) + (c2 + c3): a function of the row alone, with four times
// the throughput of one chain.   v: (len), c: (len) or null (dense: column e), w: (n)
template <class S>
double chains4(const S* v, const int32_t* c, int64_t len, const double* w) {
  const auto col = [&](int64_t e) { return c ? int64_t{c[e]} : e; };
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t e = 0;
  for (; e + 4 <= len; e += 4) {
    a0 += double(v[e]) * w[col(e)];
    a1 += double(v[e + 1]) * w[col(e + 1)];
    a2 += double(v[e + 2]) * w[col(e + 2)];
    a3 += double(v[e + 3]) * w[col(e + 3)];
  }
  if (e < len) a0 += double(v[e]) * w[col(e)];
  if (e + 1 < len) a1 += double(v[e + 1]) * w[col(e + 1)];
  if (e + 2 < len) a2 += double(v[e + 2]) * w[col(e + 2)];
  return (a0 + a1) + (a2 + a3);
}

double row_dot(const MatrixView& x, int64_t i, const double* w) {
  const int32_t* dense = nullptr;
  if (x.sparse) {
    const int64_t b = x.row_ptr[i], len = x.row_ptr[i + 1] - b;
    if (x.dtype == Dtype::kFloat32)
      return chains4(static_cast<const float*>(x.values) + b, x.col + b, len, w);
    return chains4(static_cast<const double*>(x.values) + b, x.col + b, len, w);
  }
  const int64_t at = i * (x.stride > 0 ? x.stride : x.cols);
  if (x.dtype == Dtype::kFloat32)
    return chains4(static_cast<const float*>(x.values) + at, dense, x.cols, w);
  return chains4(static_cast<const double*>(x.values) + at, dense, x.cols, w);
}

// An E with b < 2^E for a finite b >= 0: the smallest, raised to -960 at least so that the
// scales 2^-E and 2^(62 - E) stay normal doubles (below 2^-960 the quantum is merely coarser
// than it could be). The callers keep b below 2^900.
int exponent_above(double b) {
  int e = 0;
  std::frexp(b, &e);  // b = f 2^e, f in [0.5, 1): b < 2^e (b = 0: e = 0)
  return b == 0 ? -960 : std::max(e, -960);
}

// Features at least this large are refused: their squares must stay far below DBL_MAX.
constexpr double kLargestFeature = 0x1p448;
// Sums of terms at least this large are NaN (as a diverged point's): see xt.
constexpr double kLargestTerm = 0x1p900;

// Threads for a pass over `entries` stored entries: one per ~million, at most num_threads().
int blocks_for(int64_t entries) {
  return static_cast<int>(std::clamp<int64_t>(entries >> 20, 1, num_threads()));
}

}  // namespace

ExactSums::ExactSums(const MatrixView& x, int64_t k, std::shared_ptr<Collective> c)
    : x_(x), k_(k), c_(std::move(c)) {
  std::vector<double> big(static_cast<size_t>(x.cols), 0.0);
  for (int64_t i = 0; i < x.rows; ++i)
    for_row(x, i, [&](int64_t j, double v) { big[j] = std::max(big[j], std::fabs(v)); });
  max_over_ranks(big);  // every rank the same maxima, so every rank throws or none
  ex_.resize(big.size());
  ex2_.resize(big.size());
  for (size_t j = 0; j < big.size(); ++j) {
    if (!(big[j] < kLargestFeature))
      throw ValueError("exact sums: feature " + std::to_string(j + 1) + " has a value of magnitude " +
                       std::to_string(big[j]) + " (at least 2^448); rescale it, or train without exact sums");
    ex_[j] = exponent_above(big[j]);
    ex2_[j] = std::max(2 * ex_[j], -960);  // |x| < 2^ex, so x^2 < 2^(2 ex)
  }
}

void ExactSums::max_over_ranks(std::vector<double>& v) {
  for (double& a : v)
    if (std::isnan(a)) a = std::numeric_limits<double>::infinity();
  if (!c_ || c_->size() == 1) return;
  const std::string mine(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  for (const std::string& theirs : c_->gather({mine})) {
    if (theirs.size() != mine.size()) throw std::logic_error("exact sums: ranks differ in shape");
    for (size_t j = 0; j < v.size(); ++j) {
      double t;
      std::memcpy(&t, theirs.data() + j * sizeof(double), sizeof(double));
      v[j] = std::max(v[j], t);
    }
  }
}

void ExactSums::scores(const double* w, const double* b, double* z) const {
  const int64_t m = x_.rows, k = k_;
  const int blocks = blocks_for(x_.stored());
#pragma omp parallel for num_threads(blocks) schedule(static)
  for (int64_t i = 0; i < m; ++i) {
    double* zi = z + i * k;
    std::fill(zi, zi + k, 0.0);
    if (k == 1)
      zi[0] = row_dot(x_, i, w);
    else
      for_row(x_, i, [&](int64_t j, double v) {
        const double* wj = w + j * k;
        for (int64_t q = 0; q < k; ++q) zi[q] += v * wj[q];
      });
    if (b)
      for (int64_t q = 0; q < k; ++q) zi[q] += b[q];
  }
}

void ExactSums::xt(const double* u, bool squared, double* out, double* out_c) {
  const int64_t m = x_.rows, n = x_.cols, k = k_;
  // The bounds: |u_iq| < 2^eu[q] over every rank.
  std::vector<double> big(static_cast<size_t>(k), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t q = 0; q < k; ++q) {
      const double a = std::fabs(u[i * k + q]);
      big[q] = std::isnan(a) ? std::numeric_limits<double>::infinity() : std::max(big[q], a);
    }
  max_over_ranks(big);
  for (double a : big)
    if (!(a < kLargestTerm)) {  // NaN or infinite somewhere (or absurdly large): every rank sees it
      std::fill(out, out + n * k, std::numeric_limits<double>::quiet_NaN());
      if (out_c) std::fill(out_c, out_c + k, std::numeric_limits<double>::quiet_NaN());
      return;
    }
  std::vector<int> eu(static_cast<size_t>(k));
  std::vector<double> su(static_cast<size_t>(k)), sx(static_cast<size_t>(n));
  for (int64_t q = 0; q < k; ++q) {
    eu[q] = exponent_above(big[q]);
    su[q] = std::ldexp(1.0, 62 - eu[q]);
  }
  const std::vector<int>& ex = squared ? ex2_ : ex_;
  for (int64_t j = 0; j < n; ++j) sx[j] = std::ldexp(1.0, -ex[j]);

  // Each term t = (f(x_ij) 2^-ex) (u_iq 2^(62 - eu)) is below 2^62 in magnitude, since
  // |f(x_ij)| < 2^ex and |u_iq| < 2^eu (the scalings are exact but for subnormals, and the
  // first factor stays below 1 so nothing overflows on the way), so its integer part (the
  // truncation, deterministic) fits 64 bits; the integers add exactly in 128 bits.
  const size_t width = static_cast<size_t>(n * k + k);
  // One accumulator of `width` per block: no more blocks than there is work per accumulator.
  const int blocks = static_cast<int>(
      std::min<int64_t>(blocks_for(x_.stored() * k), std::max<int64_t>(1, x_.stored() * k / int64_t(width))));
  if (blocks_.size() < static_cast<size_t>(blocks)) blocks_.resize(static_cast<size_t>(blocks));
#pragma omp parallel for num_threads(blocks) schedule(static, 1)
  for (int b = 0; b < blocks; ++b) {
    std::vector<Fixed>& mine = blocks_[static_cast<size_t>(b)];
    mine.assign(width, 0);  // each thread its own pages
    Fixed* a = mine.data();
    Fixed* ac = a + n * k;
    std::vector<double> us(static_cast<size_t>(k));
    for (int64_t i = m * b / blocks; i < m * (b + 1) / blocks; ++i) {
      for (int64_t q = 0; q < k; ++q) {
        us[q] = u[i * k + q] * su[q];
        ac[q] += static_cast<int64_t>(us[q]);
      }
      if (k == 1) {
        const double u0 = us[0];
        if (u0 == 0) continue;
        for_row(x_, i, [&](int64_t j, double v) {
          a[j] += static_cast<int64_t>((squared ? v * v : v) * sx[j] * u0);
        });
        continue;
      }
      for_row(x_, i, [&](int64_t j, double v) {
        const double f = (squared ? v * v : v) * sx[j];
        Fixed* aj = a + j * k;
        for (int64_t q = 0; q < k; ++q) aj[q] += static_cast<int64_t>(f * us[q]);
      });
    }
  }
  std::vector<Fixed>& total = blocks_[0];
  for (int b = 1; b < blocks; ++b)
    for (size_t e = 0; e < width; ++e) total[e] += blocks_[static_cast<size_t>(b)][e];
  if (c_ && c_->size() > 1) {
    const std::string mine(reinterpret_cast<const char*>(total.data()), width * sizeof(Fixed));
    std::fill(total.begin(), total.end(), 0);
    for (const std::string& theirs : c_->gather({mine})) {
      if (theirs.size() != mine.size()) throw std::logic_error("exact sums: ranks differ in shape");
      for (size_t e = 0; e < width; ++e) {
        Fixed t;
        std::memcpy(&t, theirs.data() + e * sizeof(Fixed), sizeof(Fixed));
        total[e] += t;
      }
    }
  }
  for (int64_t j = 0; j < n; ++j)
    for (int64_t q = 0; q < k; ++q)
      out[j * k + q] = std::ldexp(static_cast<double>(total[j * k + q]), ex[j] + eu[q] - 62);
  if (out_c)
    for (int64_t q = 0; q < k; ++q)
      out_c[q] = std::ldexp(static_cast<double>(total[n * k + q]), eu[q] - 62);
}

double ExactSums::sum(const double* v, int64_t len) {
  ExactSum s;
  double bad = 0;  // the sum of the non-finite terms (NaN or infinite), 0 if none
  for (int64_t i = 0; i < len; ++i) {
    if (std::isfinite(v[i])) s.add(v[i]);
    else bad += v[i];
  }
  std::string mine(reinterpret_cast<const char*>(&bad), sizeof bad);
  s.serialize(mine);
  if (!c_ || c_->size() == 1) return bad != 0 ? bad : s.mean(1);  // NaN != 0 too
  ExactSum all;
  double all_bad = 0;
  for (const std::string& theirs : c_->gather({mine})) {
    std::string_view in(theirs);
    double b;
    std::memcpy(&b, in.data(), sizeof b);
    in.remove_prefix(sizeof b);
    all_bad += b;
    ExactSum part;
    if (!part.parse(in)) throw std::logic_error("exact sums: a rank sent a malformed sum");
    all.merge(part);
  }
  return all_bad != 0 ? all_bad : all.mean(1);
}

}  // namespace lograd::detail
