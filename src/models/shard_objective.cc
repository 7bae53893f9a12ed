// The objective of one rank's shard in data-parallel training. With m_r examples on rank r
// and m in all, the full objective is f(w) = sum_r (m_r / m) f_r(w), where f_r is the ordinary
// objective of rank r's examples (mean over its m_r, plus the whole penalty): the penalties add
// up to one since sum_r m_r / m = 1. So each rank wraps its local objective, weights every
// quantity by m_r / m and sums over ranks in a fixed order (Collective::sum); gradients,
// Hessian-vector products, Hessian diagonals and line-search values are linear in f_r alike.
// A minibatch B of global example numbers splits into the ranks' parts B_r, and its mean loss
// is sum_r (|B_r| / |B|) (mean over B_r): each rank with a part evaluates it, weighted so.
// An objective that already sums over every rank (make_exact_objective) is passed through,
// but for its minibatches.
#include <algorithm>
#include <cmath>

#include "lograd/error.h"
#include "lograd/objective.h"

namespace lograd {
namespace {

class ShardObjective final : public Objective {
 public:
  ShardObjective(std::unique_ptr<Objective> local, int64_t examples, std::shared_ptr<Collective> c,
                 ShardRows rows)
      : local_(std::move(local)),
        c_(std::move(c)),
        rows_(rows),
        examples_(examples),
        weight_(static_cast<double>(local_->examples()) / static_cast<double>(examples)),
        global_(local_->global_sums()),
        buf_(static_cast<size_t>(local_->dim()) + 1) {}

  int64_t dim() const override { return local_->dim(); }
  int64_t examples() const override { return examples_; }
  double l2() const override { return local_->l2(); }
  double l1() const override { return local_->l1(); }
  int64_t penalized() const override { return local_->penalized(); }
  double passes() const override { return local_->passes(); }

  bool global_sums() const override { return true; }  // a shard is the whole objective

  double fun_grad(std::span<const double> w, std::span<double> g) override {
    if (global_) {
      const double f = local_->fun_grad(w, g);
      poll();
      return f;
    }
    buf_[0] = local_->fun_grad(w, g);
    std::copy(g.begin(), g.end(), buf_.begin() + 1);
    reduce(buf_);
    std::copy(buf_.begin() + 1, buf_.end(), g.begin());
    return buf_[0];
  }

  double fun_grad_rows(std::span<const double> w, std::span<double> g,
                       std::span<const int64_t> rows) override {
    // This rank's part of the minibatch, in local numbering and in the minibatch's order.
    const int64_t step = std::max<int64_t>(rows_.stride, 1), mine = local_->examples();
    local_rows_.clear();
    for (const int64_t r : rows) {
      const int64_t d = r - rows_.first;
      if (d >= 0 && d % step == 0 && d / step < mine) local_rows_.push_back(d / step);
    }
    buf_[0] = 0;
    std::fill(buf_.begin() + 1, buf_.end(), 0.0);
    if (!local_rows_.empty()) {
      const double share = static_cast<double>(local_rows_.size()) / static_cast<double>(rows.size());
      buf_[0] = share * local_->fun_grad_rows(w, g, local_rows_);
      for (size_t j = 0; j < g.size(); ++j) buf_[j + 1] = share * g[j];
    }
    c_->sum(buf_);
    std::copy(buf_.begin() + 1, buf_.end(), g.begin());
    return buf_[0];
  }

  void set_hessian_point() override { local_->set_hessian_point(); }

  void hess_vec(std::span<const double> v, std::span<double> hv) override {
    local_->hess_vec(v, hv);
    if (!global_) reduce(hv);
    else poll();
  }

  void hess_diag(std::span<double> d) override {
    local_->hess_diag(d);
    if (!global_) reduce(d);
  }

  bool preconditioner(std::span<double> d) override {
    const bool diagonal = local_->preconditioner(d);
    if (diagonal && !global_) reduce(d);  // a Hessian diagonal adds up; a fixed one does not
    return diagonal;
  }

  void keep_segments(bool keep) override { local_->keep_segments(keep); }

  bool any_rank(bool mine) override {
    double v = mine ? 1.0 : 0.0;
    c_->sum(std::span<double>(&v, 1));
    return v > 0;
  }

  double fun_on_last_segment(double t) override {
    double v = local_->fun_on_last_segment(t);
    if (std::isnan(v) || global_) return v;  // every rank's objective keeps the same kind of cache
    reduce(std::span<double>(&v, 1));
    return v;
  }

 private:
  // One sum of nothing, for what every sum carries besides (under mpirun, each rank's stop
  // flag: a signal to any rank stops all), where the local objective sums over the ranks
  // through gathers alone.
  void poll() {
    double nothing = 0;
    c_->sum(std::span<double>(&nothing, 1));
  }

  void reduce(std::span<double> v) {
    for (double& x : v) x *= weight_;
    c_->sum(v);
  }

  std::unique_ptr<Objective> local_;
  std::shared_ptr<Collective> c_;
  ShardRows rows_;
  int64_t examples_;
  double weight_;
  bool global_;  // local_ already sums over every rank (make_exact_objective): pass through
  std::vector<double> buf_;
  std::vector<int64_t> local_rows_;
};

}  // namespace

std::unique_ptr<Objective> make_shard_objective(std::unique_ptr<Objective> local,
                                                int64_t examples,
                                                std::shared_ptr<Collective> collective,
                                                ShardRows rows) {
  if (!local || !collective) throw ValueError("shard objective: no local objective or collective");
  if (local->examples() < 1 || examples < local->examples())
    throw ValueError("shard objective: this rank has " + std::to_string(local->examples()) +
                     " examples of " + std::to_string(examples) + "; every rank needs at least one");
  if (rows.first < 0 || rows.stride < 0)
    throw ValueError("shard objective: negative first example or stride");
  return std::make_unique<ShardObjective>(std::move(local), examples, std::move(collective), rows);
}

}  // namespace lograd
