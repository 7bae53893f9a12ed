// The logistic (k = 1) and softmax (k = K >= 2) objectives with sums that no split of the
// examples changes (models/exact_sums.h): every sum over examples in f, ∇f, Hv, the Hessian
// diagonal and the line-search values is exact over every rank and rounded once, then divided
// by the global count. Per row, the same loss.h terms as the graph's fused ops. The minibatch
// f and ∇f (fun_grad_rows) are the ordinary objective's, built when first asked for.
#include <cmath>
#include <limits>
#include <string>

#include "lograd/loss.h"
#include "lograd/objective.h"
#include "models/exact_sums.h"
#include "models/linear_problem.h"

namespace lograd {
namespace {

class ExactObjective final : public Objective {
 public:
  ExactObjective(std::shared_ptr<const DataMatrix> x, int64_t k, std::vector<double> y,
                 std::vector<double> s, const LogisticSpec& spec, int64_t examples,
                 std::shared_ptr<Collective> c)
      : x_(std::move(x)), m_(x_->rows()), n_(x_->cols()), k_(k), all_(examples), spec_(spec),
        y_(std::move(y)), s_(std::move(s)) {
    inv_scale_ = detail::check_linear_problem(k_ == 1 ? "logistic objective" : "softmax objective",
                                              m_, n_, y_.size(), s_, spec);
    standardized_ = !inv_scale_.empty();
    centered_ = standardized_ && !spec.mean.empty() && spec.fit_bias;
    if (k_ > 1)
      for (double c : y_)
        if (!(c >= 0 && c < double(k_)) || c != std::floor(c))
          throw ValueError("softmax objective: target " + std::to_string(c) +
                           " is not a class index in [0, " + std::to_string(k_) + ")");
    if (all_ < m_) throw ValueError("exact objective: fewer examples in all than on this rank");
    // Last: the one collective call here, once every local check has passed.
    sums_ = std::make_unique<detail::ExactSums>(x_->view(), k_, std::move(c));
  }

  int64_t dim() const override { return n_ * k_ + (spec_.fit_bias ? k_ : 0); }
  int64_t examples() const override { return m_; }
  double l1() const override { return spec_.l1; }
  double l2() const override { return spec_.l2; }
  int64_t penalized() const override { return n_ * k_; }
  double passes() const override { return passes_ + (batch_ ? batch_->passes() : 0.0); }
  bool global_sums() const override { return true; }
  void keep_segments(bool keep) override { seg_.set_keep(keep); }

  bool preconditioner(std::span<double> d) override {
    if (k_ == 1) return Objective::preconditioner(d);
    std::fill(d.begin(), d.end(), 1.0);  // as the softmax objective (softmax_objective.cc)
    return false;
  }

  double fun_grad(std::span<const double> w, std::span<double> g) override {
    passes_ += 1;
    if (seg_.keep) seg_.record(w, [&] { return z_; });
    std::vector<double> we, be;
    effective(w, we, be);
    z_.resize(static_cast<size_t>(m_ * k_));
    sums_->scores(we.data(), be.data(), z_.data());
    std::vector<double> loss(static_cast<size_t>(m_)), u(static_cast<size_t>(m_ * k_));
    std::vector<double> p(static_cast<size_t>(k_));
    for (int64_t i = 0; i < m_; ++i) {
      if (k_ == 1) {
        const LogisticTerm t = logistic_term(z_[i], y_[i]);
        loss[i] = s_[i] * t.loss;
        u[i] = s_[i] * t.dz;
      } else {
        const auto yi = static_cast<int64_t>(y_[i]);
        loss[i] = s_[i] * softmax_term(z_.data() + i * k_, k_, yi, p.data());
        for (int64_t q = 0; q < k_; ++q) u[i * k_ + q] = s_[i] * (p[q] - (q == yi ? 1.0 : 0.0));
      }
    }
    const double inv_all = 1.0 / static_cast<double>(all_);
    const double f = sums_->sum(loss.data(), m_) * inv_all;
    std::vector<double> gw(static_cast<size_t>(n_ * k_)), gb(static_cast<size_t>(k_));
    sums_->xt(u.data(), false, gw.data(), gb.data());
    chain(gw, gb, inv_all, w, g);
    return f + ridge(w);
  }

  double fun_on_last_segment(double t) override {
    if (!seg_.have_segment) return std::numeric_limits<double>::quiet_NaN();
    std::vector<double> loss(static_cast<size_t>(m_)), z(static_cast<size_t>(k_)),
        p(static_cast<size_t>(k_));
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t q = 0; q < k_; ++q) {
        const size_t at = static_cast<size_t>(i * k_ + q);
        z[q] = seg_.z0[at] + t * (z_[at] - seg_.z0[at]);
      }
      loss[i] = s_[i] * (k_ == 1 ? logistic_loss(z[0], y_[i])
                                 : softmax_term(z.data(), k_, static_cast<int64_t>(y_[i]), p.data()));
    }
    double r = 0;
    for (int64_t j = 0; j < n_ * k_; ++j) {
      const double wj = seg_.w0[j] + t * (seg_.w1[j] - seg_.w0[j]);
      r += wj * wj;
    }
    return sums_->sum(loss.data(), m_) / static_cast<double>(all_) + spec_.l2 / 2 * r;
  }

  double fun_grad_rows(std::span<const double> w, std::span<double> g,
                       std::span<const int64_t> rows) override {
    if (!batch_)
      batch_ = k_ == 1 ? make_logistic_objective(x_, y_, s_, spec_)
                       : make_softmax_objective(x_, k_, y_, s_, spec_);
    return batch_->fun_grad_rows(w, g, rows);
  }

  void set_hessian_point() override {
    // Per row: k = 1, d_i = s_i sigma(z) sigma(-z); k > 1, p_i = softmax(z_i) and d_i = s_i.
    d_.resize(static_cast<size_t>(m_));
    if (k_ > 1) p_.resize(static_cast<size_t>(m_ * k_));
    for (int64_t i = 0; i < m_; ++i) {
      if (k_ == 1) {
        d_[i] = s_[i] * logistic_term(z_[i], y_[i]).d2;
      } else {
        softmax_term(z_.data() + i * k_, k_, static_cast<int64_t>(y_[i]), p_.data() + i * k_);
        d_[i] = s_[i];
      }
    }
    // The bias direction's curvature (softmax_objective.cc): (sum_i s_i / m) / K.
    if (k_ > 1) null_ = sums_->sum(s_.data(), m_) / static_cast<double>(all_) / double(k_);
  }

  void hess_vec(std::span<const double> v, std::span<double> hv) override {
    std::vector<double> ue, ce;
    effective(v, ue, ce);
    std::vector<double> r(static_cast<size_t>(m_ * k_));
    sums_->scores(ue.data(), ce.data(), r.data());
    for (int64_t i = 0; i < m_; ++i) {
      double* ri = r.data() + i * k_;
      if (k_ == 1) {
        ri[0] *= d_[i];
        continue;
      }
      const double* pi = p_.data() + i * k_;
      double pr = 0;
      for (int64_t q = 0; q < k_; ++q) pr += pi[q] * ri[q];
      for (int64_t q = 0; q < k_; ++q) ri[q] = d_[i] * pi[q] * (ri[q] - pr);
    }
    std::vector<double> acc(static_cast<size_t>(n_ * k_)), sum_t(static_cast<size_t>(k_));
    sums_->xt(r.data(), false, acc.data(), sum_t.data());
    const std::vector<double> vv(v.begin(), v.end());  // hv may be v
    chain(acc, sum_t, 1.0 / static_cast<double>(all_), vv, hv);
    if (spec_.fit_bias && k_ > 1) {
      double along = 0;
      for (int64_t q = 0; q < k_; ++q) along += vv[n_ * k_ + q];
      for (int64_t q = 0; q < k_; ++q) hv[n_ * k_ + q] += null_ * along / double(k_);
    }
    passes_ += 1;
  }

  // Entry (j, q): sum_i e_iq a_ij^2, e_iq = d_i (k = 1) or d_i p_iq (1 - p_iq), over the count.
  void hess_diag(std::span<double> d) override {
    std::vector<double> e(static_cast<size_t>(m_ * k_));
    for (int64_t i = 0; i < m_; ++i)
      for (int64_t q = 0; q < k_; ++q) {
        const double p = k_ == 1 ? 0.0 : p_[i * k_ + q];
        e[i * k_ + q] = k_ == 1 ? d_[i] : d_[i] * p * (1 - p);
      }
    const double inv_all = 1.0 / static_cast<double>(all_);
    std::vector<double> sq(static_cast<size_t>(n_ * k_)), lin, sum_e(static_cast<size_t>(k_));
    sums_->xt(e.data(), true, sq.data(), sum_e.data());
    if (centered_) {
      lin.resize(sq.size());
      sums_->xt(e.data(), false, lin.data(), nullptr);
    }
    detail::weight_diagonal(sq, lin, sum_e, n_, k_, spec_, inv_scale_, centered_, inv_all, d);
    if (spec_.fit_bias)
      for (int64_t q = 0; q < k_; ++q)
        d[n_ * k_ + q] = sum_e[q] * inv_all + (k_ > 1 ? null_ / double(k_) : 0.0);
    passes_ += centered_ ? 2 : 1;
  }

 private:
  // The model in raw feature space: W_eff = diag(inv_scale) W, b_eff = b - mean^T W_eff
  // (centred), b, or 0 without a fitted bias.
  void effective(std::span<const double> w, std::vector<double>& we, std::vector<double>& be) const {
    we.assign(w.begin(), w.begin() + n_ * k_);
    be.assign(static_cast<size_t>(k_), 0.0);
    if (spec_.fit_bias) std::copy(w.begin() + n_ * k_, w.begin() + n_ * k_ + k_, be.begin());
    if (standardized_)
      for (int64_t j = 0; j < n_; ++j)
        for (int64_t q = 0; q < k_; ++q) we[j * k_ + q] *= inv_scale_[j];
    if (centered_)
      for (int64_t j = 0; j < n_; ++j)
        for (int64_t q = 0; q < k_; ++q) be[q] -= spec_.mean[j] * we[j * k_ + q];
  }

  // out = the derivative in (W, b) of the sums G = A_raw^T U (n, k) and Gb = sum_i u_i (k),
  // each times `scale`, plus the ridge l2 W: the chain rule through effective().
  void chain(const std::vector<double>& gw, const std::vector<double>& gb, double scale,
             std::span<const double> w, std::span<double> out) const {
    for (int64_t j = 0; j < n_; ++j)
      for (int64_t q = 0; q < k_; ++q) {
        double a = gw[j * k_ + q];
        if (centered_) a -= spec_.mean[j] * gb[q];
        if (standardized_) a *= inv_scale_[j];
        out[j * k_ + q] = a * scale + spec_.l2 * w[j * k_ + q];
      }
    if (spec_.fit_bias)
      for (int64_t q = 0; q < k_; ++q) out[n_ * k_ + q] = gb[q] * scale;
  }

  double ridge(std::span<const double> w) const {
    if (!(spec_.l2 > 0)) return 0;
    double r = 0;
    for (int64_t j = 0; j < n_ * k_; ++j) r += w[j] * w[j];
    return spec_.l2 / 2 * r;
  }

  std::shared_ptr<const DataMatrix> x_;
  int64_t m_, n_, k_, all_;
  LogisticSpec spec_;
  std::vector<double> y_, s_, inv_scale_, z_, d_, p_;
  bool standardized_ = false, centered_ = false;
  double null_ = 0;
  std::unique_ptr<detail::ExactSums> sums_;
  detail::SegmentCache seg_;
  std::unique_ptr<Objective> batch_;  // the ordinary objective, for minibatches
  double passes_ = 0;
};

}  // namespace

std::unique_ptr<Objective> make_exact_objective(std::shared_ptr<const DataMatrix> x, int64_t k,
                                                std::vector<double> y, std::vector<double> s,
                                                const LogisticSpec& spec, int64_t examples,
                                                std::shared_ptr<Collective> collective) {
  if (!x) throw ValueError("exact objective: no data matrix");
  if (k < 1) throw ValueError("exact objective: k must be >= 1");
  if (!collective) collective = local_collective();
  return std::make_unique<ExactObjective>(std::move(x), k, std::move(y), std::move(s), spec,
                                          examples, std::move(collective));
}

}  // namespace lograd
