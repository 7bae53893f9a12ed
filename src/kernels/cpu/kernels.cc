// The CPU kernels of lograd/kernels.h: the passes of passes-inl.h compiled for every SIMD
// target Highway offers (hwy/foreach_target.h re-includes this file once per target) and
// chosen at run time by HWY_DYNAMIC_DISPATCH: the best target the CPU supports, or the one
// set_simd_target names.
#include "lograd/kernels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/kernels.cc"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include "kernels/cpu/passes-inl.h"
// after passes-inl.h, whose row types it uses
#include "kernels/cpu/multi-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lograd::kernels::HWY_NAMESPACE {

// Calls f with X's storage as DenseRows<S> or CsrRows<S>.
template <class F>
decltype(auto) visit(const MatrixView& x, F&& f) {
  if (x.sparse) {
    if (x.dtype == Dtype::kFloat32)
      return f(CsrRows<float>{static_cast<const float*>(x.values), x.row_ptr, x.col, x.rows, x.cols});
    return f(CsrRows<double>{static_cast<const double*>(x.values), x.row_ptr, x.col, x.rows, x.cols});
  }
  const int64_t stride = x.stride > 0 ? x.stride : x.cols;
  if (x.dtype == Dtype::kFloat32)
    return f(DenseRows<float>{static_cast<const float*>(x.values), x.cols, stride});
  return f(DenseRows<double>{static_cast<const double*>(x.values), x.cols, stride});
}

double LossGrad(const MatrixView& x, const Rows& rows, const LossGradArgs& a) {
  const double loss = visit(x, [&](const auto& m) {
    return loss_grad_pass(m, rows.index, rows.count, a.w, a.b ? a.b[0] : 0.0, a.y, a.s,
                          a.grad_w, a.grad_b, a.z);
  });
#if defined(LOGRAD_BREAK_SIMD_FOR_TEST) && HWY_TARGET != HWY_SCALAR
  return loss * (1 + 1e-9);  // tests/kernels/targets_test.cc must notice this
#else
  return loss;
#endif
}

void MatVec(const MatrixView& x, const Rows& rows, const double* v, double c, double* out) {
  visit(x, [&](const auto& m) { matvec_pass(m, rows.index, rows.count, v, c, out); });
}

void MatVecT(const MatrixView& x, const Rows& rows, const double* u, double* out) {
  visit(x, [&](const auto& m) { matvec_t_pass(m, rows.index, rows.count, u, out); });
}

void HessVec(const MatrixView& x, const Rows& rows, const HessVecArgs& a) {
  const double sum_t = visit(x, [&](const auto& m) {
    return hess_vec_pass(m, rows.index, rows.count, a.u, a.c ? a.c[0] : 0.0, a.d, a.out);
  });
  if (a.out_c) a.out_c[0] += sum_t;
}

// k >= 2 (multi-inl.h).
double MultiLossGrad(const MatrixView& x, const Rows& rows, const LossGradArgs& a) {
  return visit(x, [&](const auto& m) {
    return multi::loss_grad_pass(m, rows.index, rows.count, a.k, a.w, a.b, a.y, a.s, a.grad_w,
                                 a.grad_b, a.z);
  });
}

void MultiMatmul(const MatrixView& x, const Rows& rows, int64_t k, const double* v,
                 const double* c, double* out) {
  visit(x, [&](const auto& m) { multi::matmul_pass(m, rows.index, rows.count, k, v, c, out); });
}

void MultiMatmulT(const MatrixView& x, const Rows& rows, int64_t k, const double* u, double* out) {
  visit(x, [&](const auto& m) { multi::matmul_t_pass(m, rows.index, rows.count, k, u, out); });
}

void MultiHessVec(const MatrixView& x, const Rows& rows, const HessVecArgs& a) {
  visit(x, [&](const auto& m) {
    multi::hess_vec_pass(m, rows.index, rows.count, a.k, a.u, a.c, a.d, a.p, a.out, a.out_c);
  });
}

void DiagXtDX(const MatrixView& x, const Rows& rows, const double* d, double* out) {
  visit(x, [&](const auto& m) { diag_xtdx_pass(m, rows.index, rows.count, d, out); });
}

void MultiDiagXtDX(const MatrixView& x, const Rows& rows, int64_t k, const double* d, double* out) {
  visit(x, [&](const auto& m) { multi::diag_xtdx_pass(m, rows.index, rows.count, k, d, out); });
}

// The target this copy was compiled for (HWY_SCALAR, HWY_AVX2, ...).
int64_t Target() { return HWY_TARGET; }

}  // namespace lograd::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <cctype>

#include "lograd/error.h"

namespace lograd::kernels {

HWY_EXPORT(LossGrad);
HWY_EXPORT(MatVec);
HWY_EXPORT(MatVecT);
HWY_EXPORT(HessVec);
HWY_EXPORT(DiagXtDX);
HWY_EXPORT(MultiLossGrad);
HWY_EXPORT(MultiMatmul);
HWY_EXPORT(MultiMatmulT);
HWY_EXPORT(MultiHessVec);
HWY_EXPORT(MultiDiagXtDX);
HWY_EXPORT(Target);

namespace {

void check_k(int64_t k, const char* what) {
  if (k < 1)
    throw ValueError(std::string(what) + ": " + std::to_string(k) +
                     " outputs per example; k must be >= 1");
}

void check_rows(const MatrixView& x, const Rows& rows, const char* what) {
  if (rows.count < 0 || (!rows.index && rows.count > x.rows))
    throw ShapeError(std::string(what) + ": " + std::to_string(rows.count) + " rows of a matrix with " +
                     std::to_string(x.rows));
}

// The targets compiled in and supported by the CPU, best first (lowest bit first); read once,
// before set_simd_target can narrow what hwy::SupportedTargets reports.
const std::vector<int64_t>& usable_targets() {
  static const std::vector<int64_t> targets = [] {
    std::vector<int64_t> out;
    for (int64_t t = hwy::SupportedTargets() & HWY_TARGETS; t != 0; t &= t - 1) out.push_back(t & -t);
    return out;
  }();
  return targets;
}

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

double loss_grad(const MatrixView& x, Rows rows, Loss loss, const LossGradArgs& a) {
  check_k(a.k, "loss_grad");
  check_rows(x, rows, "loss_grad");
  if (loss == Loss::kLogistic && a.k == 1) return HWY_DYNAMIC_DISPATCH(LossGrad)(x, rows, a);
  if (loss == Loss::kSoftmax && a.k >= 2) return HWY_DYNAMIC_DISPATCH(MultiLossGrad)(x, rows, a);
  throw ValueError("loss_grad: the logistic loss needs k = 1 and the softmax loss k >= 2, got k = " +
                   std::to_string(a.k));
}

void matmul(const MatrixView& x, Rows rows, int64_t k, const double* v, const double* c,
            double* out) {
  check_k(k, "matmul");
  check_rows(x, rows, "matmul");
  if (k == 1) HWY_DYNAMIC_DISPATCH(MatVec)(x, rows, v, c ? c[0] : 0.0, out);
  else HWY_DYNAMIC_DISPATCH(MultiMatmul)(x, rows, k, v, c, out);
}

void matmul_t(const MatrixView& x, Rows rows, int64_t k, const double* u, double* out) {
  check_k(k, "matmul_t");
  check_rows(x, rows, "matmul_t");
  if (k == 1) HWY_DYNAMIC_DISPATCH(MatVecT)(x, rows, u, out);
  else HWY_DYNAMIC_DISPATCH(MultiMatmulT)(x, rows, k, u, out);
}

void hess_vec(const MatrixView& x, Rows rows, const HessVecArgs& a) {
  check_k(a.k, "hess_vec");
  check_rows(x, rows, "hess_vec");
  if (a.k == 1) HWY_DYNAMIC_DISPATCH(HessVec)(x, rows, a);
  else if (!a.p) throw ValueError("hess_vec: k > 1 needs the probabilities p");
  else HWY_DYNAMIC_DISPATCH(MultiHessVec)(x, rows, a);
}

void diag_xtdx(const MatrixView& x, Rows rows, const double* d, double* out) {
  check_rows(x, rows, "diag_xtdx");
  HWY_DYNAMIC_DISPATCH(DiagXtDX)(x, rows, d, out);
}

void diag_xtdx(const MatrixView& x, Rows rows, int64_t k, const double* d, double* out) {
  check_k(k, "diag_xtdx");
  check_rows(x, rows, "diag_xtdx");
  if (k == 1) HWY_DYNAMIC_DISPATCH(DiagXtDX)(x, rows, d, out);
  else HWY_DYNAMIC_DISPATCH(MultiDiagXtDX)(x, rows, k, d, out);
}

std::vector<std::string> simd_targets() {
  std::vector<std::string> names;
  for (int64_t t : usable_targets()) names.emplace_back(hwy::TargetName(t));
  return names;
}

std::string simd_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(Target)()); }

void set_simd_target(const std::string& name) {
  if (name.empty()) {
    hwy::SetSupportedTargetsForTest(0);
    return;
  }
  std::string choices;
  for (int64_t t : usable_targets()) {
    if (upper(name) == hwy::TargetName(t)) {
      hwy::SetSupportedTargetsForTest(t);
      return;
    }
    choices += (choices.empty() ? "" : ", ") + std::string(hwy::TargetName(t));
  }
  throw ValueError("SIMD target '" + name + "' is not compiled in or not supported by this CPU; "
                   "choose one of: " + choices);
}

}  // namespace lograd::kernels
#endif  // HWY_ONCE
