// The logistic-regression objective, built on the engine's graph around the fused
// logistic_loss op. f and ∇f come from forward/backward on the graph; Hessian-vector products
// reuse the z = Xw + b that the last full forward saved (LIBLINEAR's D = s σ(z) σ(-z) / m).
#include <cmath>
#include <limits>
#include <string>

#include "lograd/kernels.h"
#include "lograd/loss.h"
#include "lograd/objective.h"
#include "lograd/ops.h"
#include "models/linear_problem.h"

namespace lograd {
namespace {

class LogisticObjective final : public Objective {
 public:
  LogisticObjective(std::shared_ptr<const DataMatrix> x, std::vector<double> y,
                    std::vector<double> s, const LogisticSpec& spec)
      : x_(std::move(x)), xv_(x_->view()), m_(x_->rows()), n_(x_->cols()), spec_(spec) {
    inv_scale_ = detail::check_linear_problem("logistic objective", m_, n_, y.size(), s, spec);
    standardized_ = !inv_scale_.empty();
    centered_ = standardized_ && !spec.mean.empty() && spec.fit_bias;
    s_ = s;
    y_ = y;
    build_graph(std::move(y), std::move(s));
  }

  int64_t dim() const override { return n_ + (spec_.fit_bias ? 1 : 0); }
  int64_t examples() const override { return m_; }
  double l1() const override { return spec_.l1; }
  double l2() const override { return spec_.l2; }
  int64_t penalized() const override { return n_; }
  double passes() const override { return passes_; }

  void keep_segments(bool keep) override { seg_.set_keep(keep); }

  double fun_grad(std::span<const double> w, std::span<double> g) override {
    passes_ += 1;
    if (seg_.keep) seg_.record(w, [&] { return logistic_loss_state(loss_).z; });
    return eval(f_, w, g);
  }

  // z(t) = z0 + t (z1 - z0) is exact for the affine z = A w (up to rounding), so the loss along
  // the segment needs no pass over X; the ridge term is a polynomial in t over w0 and w1 - w0.
  double fun_on_last_segment(double t) override {
    if (!seg_.have_segment) return std::numeric_limits<double>::quiet_NaN();
    const double* z1 = logistic_loss_state(loss_).z.data();
    double loss = 0;
    for (int64_t i = 0; i < m_; ++i) {
      const double z = seg_.z0[i] + t * (z1[i] - seg_.z0[i]);
      loss += s_[i] * logistic_loss(z, y_[i]);
    }
    double ridge = 0;
    for (int64_t j = 0; j < n_; ++j) {
      const double wj = seg_.w0[j] + t * (seg_.w1[j] - seg_.w0[j]);
      ridge += wj * wj;
    }
    return loss / static_cast<double>(m_) + spec_.l2 / 2 * ridge;
  }

  double fun_grad_rows(std::span<const double> w, std::span<double> g,
                       std::span<const int64_t> rows) override {
    batch_rows_->assign(rows.begin(), rows.end());
    passes_ += static_cast<double>(rows.size()) / static_cast<double>(m_);
    return eval(batch_f_, w, g);
  }

  void set_hessian_point() override {
    // z of the last full forward, kept by the fused op.
    const std::vector<double>& z = logistic_loss_state(loss_).z;
    d_.resize(static_cast<size_t>(m_));
    const double inv_m = 1.0 / static_cast<double>(m_);
    for (int64_t i = 0; i < m_; ++i) d_[i] = s_[i] * logistic_term(z[i], y_[i]).d2 * inv_m;
  }

  // A = [(X - 1 mean^T) diag(inv_scale), 1]: Hv = A^T D A v + l2 [v_w, 0]. One pass over X.
  // The pass reads v itself unless standardized and accumulates into hv itself (zeroed), unless
  // hv is v: no vectors of n beside those of the solver.
  void hess_vec(std::span<const double> v, std::span<double> hv) override {
    std::vector<double> u;
    const double* up = v.data();
    double c = spec_.fit_bias ? v[n_] : 0.0;
    if (standardized_) {
      u.assign(v.begin(), v.begin() + n_);
      for (int64_t j = 0; j < n_; ++j) u[j] *= inv_scale_[j];
      up = u.data();
    }
    if (centered_)
      for (int64_t j = 0; j < n_; ++j) c -= spec_.mean[j] * up[j];
    std::vector<double> own;
    double* acc = hv.data();
    if (hv.data() == v.data()) {
      own.resize(static_cast<size_t>(n_));
      acc = own.data();
    } else {
      std::fill(hv.begin(), hv.begin() + n_, 0.0);
    }
    double sum_t = 0;
    kernels::HessVecArgs a;
    a.u = up;
    a.c = &c;
    a.d = d_.data();
    a.out = acc;
    a.out_c = &sum_t;
    kernels::hess_vec(xv_, kernels::Rows::all(xv_), a);
    for (int64_t j = 0; j < n_; ++j) {
      double a = acc[j];
      if (centered_) a -= spec_.mean[j] * sum_t;
      if (standardized_) a *= inv_scale_[j];
      hv[j] = a + spec_.l2 * v[j];
    }
    if (spec_.fit_bias) hv[n_] = sum_t;
    passes_ += 1;
  }

  void hess_diag(std::span<double> d) override {
    std::vector<double> q(static_cast<size_t>(n_)), p(centered_ ? static_cast<size_t>(n_) : 0);
    double sum_d = 0;
    for (double v : d_) sum_d += v;
    kernels::diag_xtdx(xv_, kernels::Rows::all(xv_), d_.data(), q.data());
    if (centered_) kernels::matmul_t(xv_, kernels::Rows::all(xv_), 1, d_.data(), p.data());
    detail::weight_diagonal(q, p, {sum_d}, n_, 1, spec_, inv_scale_, centered_, 1.0, d);
    if (spec_.fit_bias) d[n_] = sum_d;
    passes_ += centered_ ? 2 : 1;
  }

 private:
  // w_eff = w * inv_scale, b_eff = b - sum(w_eff * mean): the standardised model in raw space.
  void build_graph(std::vector<double> y_values, std::vector<double> s_values) {
    w_ = g_.parameter(Tensor<double>(Shape{n_}), "w");
    b_ = spec_.fit_bias ? g_.parameter(Tensor<double>::scalar(0), "b")
                        : g_.constant(Tensor<double>::scalar(0), "b (not fitted)");
    const Var<double> y = g_.constant(Tensor<double>::vector(std::move(y_values)), "y");
    const Var<double> s = g_.constant(Tensor<double>::vector(std::move(s_values)), "s");
    Var<double> w_eff = w_, b_eff = b_;
    if (standardized_) {
      w_eff = w_ * g_.constant(Tensor<double>::vector(inv_scale_), "1/scale");
      g_.set_name(w_eff, "w / scale");
    }
    if (centered_) {
      b_eff = b_ - sum(w_eff * g_.constant(Tensor<double>::vector(spec_.mean), "mean"));
      g_.set_name(b_eff, "b - mean . w / scale");
    }
    auto regularised = [&](Var<double> loss) {
      return spec_.l2 > 0 ? loss + (spec_.l2 / 2) * sum_squares(w_) : loss;
    };
    loss_ = logistic_loss<double>(x_, w_eff, b_eff, y, s);
    g_.set_name(loss_, "mean loss");
    f_ = regularised(loss_);
    batch_rows_ = std::make_shared<std::vector<int64_t>>(1, 0);
    batch_f_ = regularised(logistic_loss<double>(x_, w_eff, b_eff, y, s, batch_rows_));
  }

  double eval(Var<double> root, std::span<const double> w, std::span<double> g) {
    g_.set_value(w_, w.first(static_cast<size_t>(n_)));
    if (spec_.fit_bias) g_.set_value(b_, Tensor<double>::scalar(w[n_]));
    g_.forward(root);
    g_.zero_grad();
    g_.backward(root);
    const Tensor<double>& gw = w_.grad();
    std::copy(gw.data(), gw.data() + n_, g.begin());
    if (spec_.fit_bias) g[n_] = b_.grad().item();
    return root.item();
  }

  std::shared_ptr<const DataMatrix> x_;
  MatrixView xv_;  // x_'s storage, for the kernels
  int64_t m_, n_;
  LogisticSpec spec_;
  bool standardized_ = false, centered_ = false;
  std::vector<double> inv_scale_, s_, y_, d_;
  detail::SegmentCache seg_;  // the last two points, for fun_on_last_segment
  Graph<double> g_;
  Var<double> w_, b_, loss_, f_, batch_f_;
  std::shared_ptr<std::vector<int64_t>> batch_rows_;
  double passes_ = 0;
};

}  // namespace

std::unique_ptr<Objective> make_logistic_objective(std::shared_ptr<const DataMatrix> x,
                                                   std::vector<double> y, std::vector<double> s,
                                                   const LogisticSpec& spec) {
  if (!x) throw ValueError("logistic objective: no data matrix");
  return std::make_unique<LogisticObjective>(std::move(x), std::move(y), std::move(s), spec);
}

}  // namespace lograd
