// The objective of one rank's shard in data-parallel training. With m_r examples on rank r
// and m in all, the full objective is f(w) = sum_r (m_r / m) f_r(w), where f_r is the ordinary
// objective of rank r's examples (mean over its m_r, plus the whole penalty): the penalties add
// up to one since sum_r m_r / m = 1. So each rank wraps its local objective, weights every
// quantity by m_r / m and sums over ranks in a fixed order (Collective::sum); gradients,
// Hessian-vector products, Hessian diagonals and line-search values are linear in f_r alike.
#include <algorithm>
#include <cmath>

#include "lograd/error.h"
#include "lograd/objective.h"

namespace lograd {
namespace {

class ShardObjective final : public Objective {
 public:
  ShardObjective(std::unique_ptr<Objective> local, int64_t examples, std::shared_ptr<Collective> c)
      : local_(std::move(local)),
        c_(std::move(c)),
        examples_(examples),
        weight_(static_cast<double>(local_->examples()) / static_cast<double>(examples)),
        buf_(static_cast<size_t>(local_->dim()) + 1) {}

  int64_t dim() const override { return local_->dim(); }
  int64_t examples() const override { return examples_; }
  double l2() const override { return local_->l2(); }
  double l1() const override { return local_->l1(); }
  int64_t penalized() const override { return local_->penalized(); }
  double passes() const override { return local_->passes(); }

  double fun_grad(std::span<const double> w, std::span<double> g) override {
    buf_[0] = local_->fun_grad(w, g);
    std::copy(g.begin(), g.end(), buf_.begin() + 1);
    reduce(buf_);
    std::copy(buf_.begin() + 1, buf_.end(), g.begin());
    return buf_[0];
  }

  double fun_grad_rows(std::span<const double>, std::span<double>,
                       std::span<const int64_t>) override {
    throw ValueError("minibatch solvers (sgd, momentum, adam) do not run data-parallel yet: use "
                     "newton, lbfgs or gd");
  }

  void set_hessian_point() override { local_->set_hessian_point(); }

  void hess_vec(std::span<const double> v, std::span<double> hv) override {
    local_->hess_vec(v, hv);
    reduce(hv);
  }

  void hess_diag(std::span<double> d) override {
    local_->hess_diag(d);
    reduce(d);
  }

  bool preconditioner(std::span<double> d) override {
    const bool diagonal = local_->preconditioner(d);
    if (diagonal) reduce(d);  // a Hessian diagonal adds up; a fixed preconditioner does not
    return diagonal;
  }

  void keep_segments(bool keep) override { local_->keep_segments(keep); }

  double fun_on_last_segment(double t) override {
    double v = local_->fun_on_last_segment(t);
    if (std::isnan(v)) return v;  // every rank's objective keeps the same kind of cache
    reduce(std::span<double>(&v, 1));
    return v;
  }

 private:
  void reduce(std::span<double> v) {
    for (double& x : v) x *= weight_;
    c_->sum(v);
  }

  std::unique_ptr<Objective> local_;
  std::shared_ptr<Collective> c_;
  int64_t examples_;
  double weight_;
  std::vector<double> buf_;
};

}  // namespace

std::unique_ptr<Objective> make_shard_objective(std::unique_ptr<Objective> local,
                                                int64_t examples,
                                                std::shared_ptr<Collective> collective) {
  if (!local || !collective) throw ValueError("shard objective: no local objective or collective");
  if (local->examples() < 1 || examples < local->examples())
    throw ValueError("shard objective: this rank has " + std::to_string(local->examples()) +
                     " examples of " + std::to_string(examples) + "; every rank needs at least one");
  return std::make_unique<ShardObjective>(std::move(local), examples, std::move(collective));
}

}  // namespace lograd
