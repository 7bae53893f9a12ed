// The multinomial (softmax) regression objective, built on the engine's graph around the fused
// softmax_loss op, as the logistic objective is around logistic_loss. Parameters: W (n, K)
// row-major, then b (K). Hessian-vector products reuse the Z = X W + b that the last full
// forward saved: per row the curvature is s_i / m (diag(p_i) - p_i p_i^T), p_i = softmax(z_i).
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

class SoftmaxObjective final : public Objective {
 public:
  SoftmaxObjective(std::shared_ptr<const DataMatrix> x, int64_t classes, std::vector<double> y,
                   std::vector<double> s, const LogisticSpec& spec)
      : x_(std::move(x)), xv_(x_->view()), m_(x_->rows()), n_(x_->cols()), k_(classes),
        spec_(spec) {
    if (k_ < 2) throw ValueError("the softmax objective needs at least 2 classes");
    inv_scale_ = detail::check_linear_problem("softmax objective", m_, n_, y.size(), s, spec);
    standardized_ = !inv_scale_.empty();
    centered_ = standardized_ && !spec.mean.empty() && spec.fit_bias;
    for (double c : y)
      if (!(c >= 0 && c < double(k_)) || c != std::floor(c))
        throw ValueError("softmax objective: target " + std::to_string(c) +
                         " is not a class index in [0, " + std::to_string(k_) + ")");
    s_ = s;
    y_ = y;
    build_graph(std::move(y), std::move(s));
  }

  int64_t dim() const override { return n_ * k_ + (spec_.fit_bias ? k_ : 0); }
  int64_t examples() const override { return m_; }
  double l1() const override { return spec_.l1; }
  double l2() const override { return spec_.l2; }
  int64_t penalized() const override { return n_ * k_; }
  // Newton's conjugate gradients without a preconditioner (the identity). The softmax couples
  // the K scores of a row (diag(p) - p p^T), and moving W's K columns together changes no
  // score difference (curvature: the ridge alone); the diagonal leaks the conjugate gradients
  // into that subspace. Measured with `lograd train news20.libsvm --solver newton`: the
  // diagonal stalled (objective 0.257 after 1,000 iterations), its mean over each feature's
  // classes too (0.295), the identity converged (841 iterations); on USPS all take 14.
  // (The identity itself, not mixed with the ridge: a radius set from ||g|| in the first
  // iteration as for the diagonal; USPS converges in 14 iterations so, in 44 with 0.01 I.)
  bool preconditioner(std::span<double> d) override {
    std::fill(d.begin(), d.end(), 1.0);
    return false;
  }
  double passes() const override { return passes_; }

  void keep_segments(bool keep) override { seg_.set_keep(keep); }

  double fun_grad(std::span<const double> w, std::span<double> g) override {
    passes_ += 1;
    if (seg_.keep) seg_.record(w, [&] { return logistic_loss_state(loss_).z; });
    return eval(f_, w, g);
  }

  // Z(t) = Z0 + t (Z1 - Z0) exactly for the affine Z, so no pass over X (as the logistic one).
  double fun_on_last_segment(double t) override {
    if (!seg_.have_segment) return std::numeric_limits<double>::quiet_NaN();
    const double* z1 = logistic_loss_state(loss_).z.data();
    std::vector<double> z(static_cast<size_t>(k_)), p(static_cast<size_t>(k_));
    double loss = 0;
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t q = 0; q < k_; ++q) {
        const size_t at = static_cast<size_t>(i * k_ + q);
        z[static_cast<size_t>(q)] = seg_.z0[at] + t * (z1[at] - seg_.z0[at]);
      }
      loss += s_[i] * softmax_term(z.data(), k_, static_cast<int64_t>(y_[i]), p.data());
    }
    double ridge = 0;
    for (int64_t j = 0; j < n_ * k_; ++j) {
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
    const std::vector<double>& z = logistic_loss_state(loss_).z;
    p_.resize(static_cast<size_t>(m_ * k_));
    d_.resize(static_cast<size_t>(m_));
    const double inv_m = 1.0 / static_cast<double>(m_);
    null_ = 0;
    for (int64_t i = 0; i < m_; ++i) {
      softmax_term(z.data() + i * k_, k_, static_cast<int64_t>(y_[i]), p_.data() + i * k_);
      d_[i] = s_[i] * inv_m;
      null_ += d_[i] / double(k_);  // the size of the bias block's curvature at p = 1/K
    }
  }

  // A = [(X - 1 mean^T) diag(inv_scale), 1] per class column: HV = A^T T + l2 [V, 0], with
  // t_i = d_i (diag(p_i) - p_i p_i^T) (V^T a_i). One pass over X.
  void hess_vec(std::span<const double> v, std::span<double> hv) override {
    std::vector<double> u(v.begin(), v.begin() + n_ * k_), c(static_cast<size_t>(k_), 0.0);
    if (spec_.fit_bias) std::copy(v.begin() + n_ * k_, v.begin() + n_ * k_ + k_, c.begin());
    if (standardized_)
      for (int64_t j = 0; j < n_; ++j)
        for (int64_t q = 0; q < k_; ++q) u[j * k_ + q] *= inv_scale_[j];
    if (centered_)
      for (int64_t j = 0; j < n_; ++j)
        for (int64_t q = 0; q < k_; ++q) c[q] -= spec_.mean[j] * u[j * k_ + q];
    std::vector<double> acc(static_cast<size_t>(n_ * k_)), sum_t(static_cast<size_t>(k_));
    kernels::HessVecArgs a;
    a.k = k_;
    a.u = u.data();
    a.c = c.data();
    a.d = d_.data();
    a.p = p_.data();
    a.out = acc.data();
    a.out_c = sum_t.data();
    kernels::hess_vec(xv_, kernels::Rows::all(xv_), a);
    for (int64_t j = 0; j < n_; ++j)
      for (int64_t q = 0; q < k_; ++q) {
        double h = acc[j * k_ + q];
        if (centered_) h -= spec_.mean[j] * sum_t[q];
        if (standardized_) h *= inv_scale_[j];
        hv[j * k_ + q] = h + spec_.l2 * v[j * k_ + q];
      }
    if (spec_.fit_bias) {
      // f does not change when every bias moves by the same amount (softmax(z + c 1) =
      // softmax(z)), so the Hessian is singular along (0, 1); curvature null_ on that direction
      // keeps Newton's steps out of it (the gradient has no component there, so the optimum
      // and the steps are unchanged otherwise).
      double along = 0;
      for (int64_t q = 0; q < k_; ++q) along += v[n_ * k_ + q];
      for (int64_t q = 0; q < k_; ++q) hv[n_ * k_ + q] = sum_t[q] + null_ * along / double(k_);
    }
    passes_ += 1;
  }

  // The diagonal: entry (j, q) is sum_i d_i p_iq (1 - p_iq) a_ij^2 (+ l2).
  void hess_diag(std::span<double> d) override {
    std::vector<double> e(static_cast<size_t>(m_ * k_)), sum_e(static_cast<size_t>(k_));
    for (int64_t i = 0; i < m_; ++i)
      for (int64_t q = 0; q < k_; ++q) {
        const double p = p_[i * k_ + q];
        sum_e[q] += (e[i * k_ + q] = d_[i] * p * (1 - p));
      }
    std::vector<double> sq(static_cast<size_t>(n_ * k_)), lin;
    kernels::diag_xtdx(xv_, kernels::Rows::all(xv_), k_, e.data(), sq.data());
    if (centered_) {
      lin.assign(sq.size(), 0.0);
      kernels::matmul_t(xv_, kernels::Rows::all(xv_), k_, e.data(), lin.data());
    }
    detail::weight_diagonal(sq, lin, sum_e, n_, k_, spec_, inv_scale_, centered_, 1.0, d);
    if (spec_.fit_bias)
      for (int64_t q = 0; q < k_; ++q) d[n_ * k_ + q] = sum_e[q] + null_ / double(k_);
    passes_ += centered_ ? 2 : 1;
  }

 private:
  // W_eff = diag(inv_scale) W, b_eff = b - mean^T W_eff: the standardised model in raw space.
  void build_graph(std::vector<double> y_values, std::vector<double> s_values) {
    w_ = g_.parameter(Tensor<double>(Shape{n_, k_}), "W");
    b_ = spec_.fit_bias ? g_.parameter(Tensor<double>(Shape{1, k_}), "b")
                        : g_.constant(Tensor<double>(Shape{1, k_}), "b (not fitted)");
    const Var<double> y = g_.constant(Tensor<double>::vector(std::move(y_values)), "y");
    const Var<double> s = g_.constant(Tensor<double>::vector(std::move(s_values)), "s");
    Var<double> w_eff = w_, b_eff = b_;
    if (standardized_) {
      Tensor<double> scale(Shape{n_, k_});
      for (int64_t j = 0; j < n_; ++j)
        for (int64_t q = 0; q < k_; ++q) scale[j * k_ + q] = inv_scale_[j];
      w_eff = w_ * g_.constant(std::move(scale), "1/scale");
      g_.set_name(w_eff, "W / scale");
    }
    if (centered_) {
      Tensor<double> mean(Shape{1, n_});
      std::copy(spec_.mean.begin(), spec_.mean.end(), mean.data());
      b_eff = b_ - matmul(g_.constant(std::move(mean), "mean"), w_eff);
      g_.set_name(b_eff, "b - mean . W / scale");
    }
    auto regularised = [&](Var<double> loss) {
      return spec_.l2 > 0 ? loss + (spec_.l2 / 2) * sum_squares(w_) : loss;
    };
    loss_ = softmax_loss<double>(x_, w_eff, b_eff, y, s);
    g_.set_name(loss_, "mean loss");
    f_ = regularised(loss_);
    batch_rows_ = std::make_shared<std::vector<int64_t>>(1, 0);
    batch_f_ = regularised(softmax_loss<double>(x_, w_eff, b_eff, y, s, batch_rows_));
  }

  double eval(Var<double> root, std::span<const double> w, std::span<double> g) {
    g_.set_value(w_, w.first(static_cast<size_t>(n_ * k_)));
    if (spec_.fit_bias) {
      Tensor<double> bt(Shape{1, k_});
      std::copy(w.begin() + n_ * k_, w.begin() + n_ * k_ + k_, bt.data());
      g_.set_value(b_, std::move(bt));
    }
    g_.forward(root);
    g_.zero_grad();
    g_.backward(root);
    const Tensor<double>& gw = w_.grad();
    std::copy(gw.data(), gw.data() + n_ * k_, g.begin());
    if (spec_.fit_bias) std::copy(b_.grad().data(), b_.grad().data() + k_, g.begin() + n_ * k_);
    return root.item();
  }

  std::shared_ptr<const DataMatrix> x_;
  MatrixView xv_;
  int64_t m_, n_, k_;
  LogisticSpec spec_;
  bool standardized_ = false, centered_ = false;
  std::vector<double> inv_scale_, s_, y_, d_, p_;
  double null_ = 0;  // curvature given to the bias direction (1, ..., 1) (hess_vec)
  detail::SegmentCache seg_;  // the last two points, for fun_on_last_segment
  Graph<double> g_;
  Var<double> w_, b_, loss_, f_, batch_f_;
  std::shared_ptr<std::vector<int64_t>> batch_rows_;
  double passes_ = 0;
};

}  // namespace

std::unique_ptr<Objective> make_softmax_objective(std::shared_ptr<const DataMatrix> x,
                                                  int64_t classes, std::vector<double> y,
                                                  std::vector<double> s, const LogisticSpec& spec) {
  if (!x) throw ValueError("softmax objective: no data matrix");
  return std::make_unique<SoftmaxObjective>(std::move(x), classes, std::move(y), std::move(s), spec);
}

}  // namespace lograd
