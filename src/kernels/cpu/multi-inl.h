// Internal, per SIMD target: the passes with k >= 2 outputs per example (multinomial
// regression), behind lograd/kernels.h. Included once per target by kernels.cc, after
// passes-inl.h (whose DenseRows, CsrRows, row_at and blocks it uses).
//
// Layout: the kernels work on W (n, k) padded to (n, kp), kp = k rounded up to the vector
// length, the pad columns 0, so every row of W and of the gradient is whole vectors: z_i =
// W^T x_i + b is x_i's entries broadcast and multiplied-added into kp / lanes accumulators
// (a dense tile of four rows shares each load of W's row j), and the update G += x_i c_i^T
// is the same in reverse. A CSR entry (c, v) reads and writes the contiguous row c of W and
// G: no gathers. Sums run in a fixed order (j ascending, rows in order within a block, blocks
// in order), so results repeat from run to run for a thread count and target; targets differ
// only in fused versus separate multiply-adds (tests/kernels/targets_test.cc bounds it).

#if defined(LOGRAD_KERNELS_MULTI_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOGRAD_KERNELS_MULTI_INL_H_
#undef LOGRAD_KERNELS_MULTI_INL_H_
#else
#define LOGRAD_KERNELS_MULTI_INL_H_
#endif

#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/blocks.h"
#include "lograd/loss.h"

HWY_BEFORE_NAMESPACE();
namespace lograd::kernels::HWY_NAMESPACE::multi {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<double>;

// k rounded up to whole vectors.
inline int64_t padded(int64_t k) {
  const auto lanes = static_cast<int64_t>(hn::Lanes(D()));
  return (k + lanes - 1) / lanes * lanes;
}

// a (rows, k) copied into (rows, kp) with zero pad columns, in scratch slot `slot` (a null
// gives zeros).
inline const double* pad(int slot, const double* a, int64_t rows, int64_t k, int64_t kp) {
  double* out = scratch(slot, static_cast<size_t>(rows * kp), /*zero=*/true);
  if (a)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < k; ++j) out[r * kp + j] = a[r * k + j];
  return out;
}

// c (kp) = the k values at src, pad lanes 0; whether any is non-zero (a row to update).
inline bool row_coefficients(const double* src, int64_t k, int64_t kp, double* c) {
  bool any = false;
  for (int64_t q = 0; q < k; ++q) any |= (c[q] = src[q]) != 0;
  for (int64_t q = k; q < kp; ++q) c[q] = 0;
  return any;
}

// z (NR, kp) = X_tile Wp + bp for NR (1 or 4) dense rows xr[q] of n entries.
// xr: NR x (n), wp: (n, kp), bp: (kp) or null -> z: (NR, kp)
template <int NR, class S>
HWY_INLINE void dense_tile_z(const S* const* xr, int64_t n, int64_t kp, const double* HWY_RESTRICT wp,
                             const double* bp, double* HWY_RESTRICT z) {
  const D d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const S* x0 = xr[0];
  const S* x1 = NR > 1 ? xr[1] : xr[0];
  const S* x2 = NR > 1 ? xr[2] : xr[0];
  const S* x3 = NR > 1 ? xr[3] : xr[0];
  for (int64_t v = 0; v < kp; v += lanes) {
    const auto b = bp ? hn::LoadU(d, bp + v) : hn::Zero(d);
    auto a0 = b, a1 = b, a2 = b, a3 = b;
    for (int64_t j = 0; j < n; ++j) {
      const auto w = hn::LoadU(d, wp + j * kp + v);
      a0 = hn::MulAdd(hn::Set(d, double(x0[j])), w, a0);
      if constexpr (NR > 1) {
        a1 = hn::MulAdd(hn::Set(d, double(x1[j])), w, a1);
        a2 = hn::MulAdd(hn::Set(d, double(x2[j])), w, a2);
        a3 = hn::MulAdd(hn::Set(d, double(x3[j])), w, a3);
      }
    }
    hn::StoreU(a0, d, z + v);
    if constexpr (NR > 1) {
      hn::StoreU(a1, d, z + kp + v);
      hn::StoreU(a2, d, z + 2 * kp + v);
      hn::StoreU(a3, d, z + 3 * kp + v);
    }
  }
}

// The value an update multiplies by: x, or x^2 for diag(X^T D X).
template <bool Sq, class S>
HWY_INLINE double upd(S v) {
  return Sq ? double(v) * double(v) : double(v);
}

// g (n, kp) += sum_q xr[q] c[q]^T (Sq: xr[q]^2) for NR dense rows, rows added in order q.
// xr: NR x (n), c: (NR, kp) -> g: (n, kp) +=
template <int NR, bool Sq, class S>
HWY_INLINE void dense_tile_update(const S* const* xr, int64_t n, int64_t kp,
                                  const double* HWY_RESTRICT c, double* HWY_RESTRICT g) {
  const D d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const S* x0 = xr[0];
  const S* x1 = NR > 1 ? xr[1] : xr[0];
  const S* x2 = NR > 1 ? xr[2] : xr[0];
  const S* x3 = NR > 1 ? xr[3] : xr[0];
  for (int64_t v = 0; v < kp; v += lanes) {
    const auto c0 = hn::LoadU(d, c + v);
    const auto c1 = NR > 1 ? hn::LoadU(d, c + kp + v) : c0;
    const auto c2 = NR > 1 ? hn::LoadU(d, c + 2 * kp + v) : c0;
    const auto c3 = NR > 1 ? hn::LoadU(d, c + 3 * kp + v) : c0;
    for (int64_t j = 0; j < n; ++j) {
      double* gj = g + j * kp + v;
      auto a = hn::MulAdd(hn::Set(d, upd<Sq>(x0[j])), c0, hn::LoadU(d, gj));
      if constexpr (NR > 1) {
        a = hn::MulAdd(hn::Set(d, upd<Sq>(x1[j])), c1, a);
        a = hn::MulAdd(hn::Set(d, upd<Sq>(x2[j])), c2, a);
        a = hn::MulAdd(hn::Set(d, upd<Sq>(x3[j])), c3, a);
      }
      hn::StoreU(a, d, gj);
    }
  }
}

// z (kp) = Wp^T x + bp for one CSR row.   v, col: (len), wp: (n, kp) -> z: (kp)
template <class S>
HWY_INLINE void csr_row_z(const S* HWY_RESTRICT val, const int32_t* HWY_RESTRICT col, int64_t len,
                          int64_t kp, const double* HWY_RESTRICT wp, const double* bp,
                          double* HWY_RESTRICT z) {
  const D d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t v = 0; v < kp; v += lanes) {
    auto a = bp ? hn::LoadU(d, bp + v) : hn::Zero(d);
    for (int64_t e = 0; e < len; ++e)
      a = hn::MulAdd(hn::Set(d, double(val[e])), hn::LoadU(d, wp + col[e] * kp + v), a);
    hn::StoreU(a, d, z + v);
  }
}

// g (n, kp) += x c^T (Sq: x^2) for one CSR row.   val, col: (len), c: (kp) -> g: (n, kp) +=
template <bool Sq, class S>
HWY_INLINE void csr_row_update(const S* HWY_RESTRICT val, const int32_t* HWY_RESTRICT col,
                               int64_t len, int64_t kp, const double* HWY_RESTRICT c,
                               double* HWY_RESTRICT g) {
  const D d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t v = 0; v < kp; v += lanes) {
    const auto cv = hn::LoadU(d, c + v);
    for (int64_t e = 0; e < len; ++e) {
      double* gj = g + col[e] * kp + v;
      hn::StoreU(hn::MulAdd(hn::Set(d, upd<Sq>(val[e])), cv, hn::LoadU(d, gj)), d, gj);
    }
  }
}

// Positions [begin, end) of R: z_i = Wp^T x_i + bp (skipped when wp is null: z is then
// null), coef(i, z, c) fills the update coefficients c (kp) of position i (pad lanes 0) and
// returns whether the row has an update, and g (n, kp) += x_i c^T (Sq: x_i^2 elementwise;
// g null: none). Dense rows go in tiles of four (one read of W's row j serves four rows).
template <bool Sq = false, class S, class F>
void multi_rows(const DenseRows<S>& x, const int64_t* rows, int64_t begin, int64_t end,
                int64_t kp, const double* wp, const double* bp, double* g, F&& coef) {
  std::vector<double> z(static_cast<size_t>(4 * kp)), c(static_cast<size_t>(4 * kp));
  int64_t i = begin;
  for (; i + 4 <= end; i += 4) {
    const S* xr[4];
    for (int q = 0; q < 4; ++q) xr[q] = x.row(row_at(rows, i + q));
    if (wp) dense_tile_z<4>(xr, x.n, kp, wp, bp, z.data());
    bool any = false;
    for (int q = 0; q < 4; ++q) {
      double* cq = c.data() + q * kp;
      if (!coef(i + q, wp ? z.data() + q * kp : nullptr, cq)) std::fill(cq, cq + kp, 0.0);
      else any = true;
    }
    if (g && any) dense_tile_update<4, Sq>(xr, x.n, kp, c.data(), g);
  }
  for (; i < end; ++i) {
    const S* xr[1] = {x.row(row_at(rows, i))};
    if (wp) dense_tile_z<1>(xr, x.n, kp, wp, bp, z.data());
    if (coef(i, wp ? z.data() : nullptr, c.data()) && g)
      dense_tile_update<1, Sq>(xr, x.n, kp, c.data(), g);
  }
}

template <bool Sq = false, class S, class F>
void multi_rows(const CsrRows<S>& x, const int64_t* rows, int64_t begin, int64_t end,
                int64_t kp, const double* wp, const double* bp, double* g, F&& coef) {
  std::vector<double> z(static_cast<size_t>(kp)), c(static_cast<size_t>(kp));
  for (int64_t i = begin; i < end; ++i) {
    const int64_t r = row_at(rows, i), b = x.ptr[r], len = x.ptr[r + 1] - b;
    if (wp) csr_row_z(x.val + b, x.col + b, len, kp, wp, bp, z.data());
    if (coef(i, wp ? z.data() : nullptr, c.data()) && g)
      csr_row_update<Sq>(x.val + b, x.col + b, len, kp, c.data(), g);
  }
}

template <class M>
int multi_blocks(const M& x, int64_t count, int64_t k) {
  return blocks_for_work(count, x.entries_per_row() * static_cast<double>(k));
}

// Per-block sums of [G (n, kp), extra (e)] in scratch slot 0, added in block order; G is
// unpadded into out (n, k) +=, and the extra values are returned.
class MultiSums {
 public:
  MultiSums(int blocks, int64_t n, int64_t kp, int64_t extra)
      : blocks_(blocks), n_(n), kp_(kp), width_(n * kp + extra),
        data_(scratch(0, static_cast<size_t>(blocks * width_), /*zero=*/true)) {}
  double* block(int b) { return data_ + b * width_; }
  std::vector<double> finish(int64_t k, double* out) {
    for (int b = 1; b < blocks_; ++b) {  // into block 0, in block order
      const double* src = block(b);
      for (int64_t j = 0; j < width_; ++j) data_[j] += src[j];
    }
    if (out)
      for (int64_t j = 0; j < n_; ++j)
        for (int64_t q = 0; q < k; ++q) out[j * k + q] += data_[j * kp_ + q];
    return std::vector<double>(data_ + n_ * kp_, data_ + width_);
  }

 private:
  int blocks_;
  int64_t n_, kp_, width_;
  double* data_;
};

// ---- the passes (k >= 2) ----

// Fused softmax loss and gradient over R:  z_i = W^T x_i + b,  p_i = softmax(z_i),
//   loss = sum_i s_i l(z_i, y_i),  gw += sum_i s_i x_i (p_i - e_{y_i})^T,  gb += the same
//   without x_i;  z_out (count, k) receives z_i if non-null.
// X: (m, n), w: (n, k), b: (k) or null, y (class indices), s: (m) by row (s null: all 1)
template <class M>
double loss_grad_pass(const M& x, const int64_t* rows, int64_t count, int64_t k, const double* w,
                      const double* b, const double* y, const double* s, double* gw, double* gb,
                      double* z_out) {
  const int64_t n = x.n, kp = padded(k);
  const double* wp = pad(1, w, n, k, kp);
  const double* bp = pad(2, b, 1, k, kp);
  const int blocks = multi_blocks(x, count, k);
  MultiSums acc(blocks, n, kp, kp + 1);  // [G (n, kp), gb (kp), loss] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double* db = a + n * kp;
    std::vector<double> p(static_cast<size_t>(k));
    double loss = 0;
    multi_rows(x, rows, begin, end, kp, wp, bp, gw ? a : nullptr,
               [&](int64_t i, const double* z, double* c) {
                 const int64_t r = row_at(rows, i);
                 const auto cls = static_cast<int64_t>(y[r]);
                 const double si = s ? s[r] : 1.0;
                 loss += si * softmax_term(z, k, cls, p.data());
                 for (int64_t q = 0; q < k; ++q) {
                   c[q] = si * (p[q] - (q == cls ? 1.0 : 0.0));
                   db[q] += c[q];
                 }
                 for (int64_t q = k; q < kp; ++q) c[q] = 0;
                 if (z_out) std::copy(z, z + k, z_out + i * k);
                 return si != 0;
               });
    a[n * kp + kp] = loss;
  });
  const std::vector<double> extra = acc.finish(k, gw);
  if (gb)
    for (int64_t q = 0; q < k; ++q) gb[q] += extra[static_cast<size_t>(q)];
  return extra[static_cast<size_t>(kp)];
}

// Columns [q0, q0 + g) of a (rows, k) copied into (rows, gp) with zero pad columns, in
// scratch slot `slot` (a null gives zeros).
inline const double* pad_columns(int slot, const double* a, int64_t rows, int64_t k, int64_t q0,
                                 int64_t g, int64_t gp) {
  double* out = scratch(slot, static_cast<size_t>(rows * gp), /*zero=*/true);
  if (a)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < g; ++j) out[r * gp + j] = a[r * k + q0 + j];
  return out;
}

// Padded copies of V larger than this go through matmul_pass in groups of columns.
constexpr int64_t kMatmulPadBytes = int64_t{4} << 20;

// out (count, k) = X_R V + c.   X: (m, n), v: (n, k), c: (k) or null
// (prediction: Model::decision). The padded copy of V stays in a scratch buffer after the
// call; where it would pass kMatmulPadBytes (news20: 62,061 x 24 doubles, 12 MB), the columns
// go through in groups of whole vectors that fit it, one pass over X_R per group. Each z_iq
// depends on column q alone (the lanes never mix), so the groups give the same bits.
template <class M>
void matmul_pass(const M& x, const int64_t* rows, int64_t count, int64_t k, const double* v,
                 const double* c, double* out) {
  const auto lanes = static_cast<int64_t>(hn::Lanes(D()));
  int64_t group = k;
  const auto row_bytes = static_cast<int64_t>(sizeof(double)) * std::max<int64_t>(x.n, 1);
  if (padded(k) * row_bytes > kMatmulPadBytes)
    group = std::max(lanes, kMatmulPadBytes / row_bytes / lanes * lanes);
  for (int64_t q0 = 0; q0 < k; q0 += group) {
    const int64_t g = std::min(group, k - q0), gp = padded(g);
    const double* vp = pad_columns(1, v, x.n, k, q0, g, gp);
    const double* cp = pad_columns(2, c, 1, k, q0, g, gp);
    for_blocks(count, multi_blocks(x, count, g), [&](int, int64_t begin, int64_t end) {
      multi_rows(x, rows, begin, end, gp, vp, cp, nullptr,
                 [&](int64_t i, const double* z, double*) {
                   std::copy(z, z + g, out + i * k + q0);
                   return false;
                 });
    });
  }
}

// out (n, k) += X_R^T U.   X: (m, n), u: (count, k) by position
template <class M>
void matmul_t_pass(const M& x, const int64_t* rows, int64_t count, int64_t k, const double* u,
                   double* out) {
  const int64_t kp = padded(k);
  const int blocks = multi_blocks(x, count, k);
  MultiSums acc(blocks, x.n, kp, 0);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    multi_rows(x, rows, begin, end, kp, nullptr, nullptr, acc.block(blk),
               [&](int64_t i, const double*, double* c) {
                 return row_coefficients(u + i * k, k, kp, c);
               });
  });
  acc.finish(k, out);
}

// The softmax Hessian-vector pass: r_i = U^T x_i + c,  t_i = d_i (p_i o r_i - p_i (p_i . r_i)),
//   out += sum_i x_i t_i^T,  out_c += sum_i t_i.
// X: (m, n), u: (n, k), c: (k) or null, d: (count), p: (count, k) by position
template <class M>
void hess_vec_pass(const M& x, const int64_t* rows, int64_t count, int64_t k, const double* u,
                   const double* c, const double* d, const double* p, double* out, double* out_c) {
  const int64_t n = x.n, kp = padded(k);
  const double* up = pad(1, u, n, k, kp);
  const double* cp = pad(2, c, 1, k, kp);
  const int blocks = multi_blocks(x, count, k);
  MultiSums acc(blocks, n, kp, kp);  // [out (n, kp), out_c (kp)] per block
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    double* a = acc.block(blk);
    double* dc = a + n * kp;
    multi_rows(x, rows, begin, end, kp, up, cp, a,
               [&](int64_t i, const double* r, double* t) {
                 if (d[i] == 0) return false;
                 const double* pi = p + i * k;
                 double pr = 0;
                 for (int64_t q = 0; q < k; ++q) pr += pi[q] * r[q];
                 for (int64_t q = 0; q < k; ++q) {
                   t[q] = d[i] * pi[q] * (r[q] - pr);
                   dc[q] += t[q];
                 }
                 for (int64_t q = k; q < kp; ++q) t[q] = 0;
                 return true;
               });
  });
  const std::vector<double> extra = acc.finish(k, out);
  if (out_c)
    for (int64_t q = 0; q < k; ++q) out_c[q] += extra[static_cast<size_t>(q)];
}

// out (n, k) += sum_i (x_i o x_i) d_i^T: the diagonal of X_R^T D X_R for each of the k
// columns.   X: (m, n), d: (count, k) by position
template <class M>
void diag_xtdx_pass(const M& x, const int64_t* rows, int64_t count, int64_t k, const double* d,
                    double* out) {
  const int64_t kp = padded(k);
  const int blocks = multi_blocks(x, count, k);
  MultiSums acc(blocks, x.n, kp, 0);
  for_blocks(count, blocks, [&](int blk, int64_t begin, int64_t end) {
    multi_rows<true>(x, rows, begin, end, kp, nullptr, nullptr, acc.block(blk),
                     [&](int64_t i, const double*, double* c) {
                       return row_coefficients(d + i * k, k, kp, c);
                     });
  });
  acc.finish(k, out);
}

}  // namespace lograd::kernels::HWY_NAMESPACE::multi
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
