#include "lograd/collective.h"

namespace lograd {
namespace {

class LocalCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(std::span<double>) override {}
  std::vector<std::string> gather(const std::vector<std::string>& mine) override { return mine; }
};

}  // namespace

std::shared_ptr<Collective> local_collective() { return std::make_shared<LocalCollective>(); }

double sum_over_ranks(Collective& c, double v) {
  c.sum(std::span<double>(&v, 1));
  return v;
}

}  // namespace lograd
