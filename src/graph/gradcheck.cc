#include "lograd/gradcheck.h"

#include <cmath>
#include <sstream>

namespace lograd {

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor<double>>& inputs,
                          const GradcheckOptions& options) {
  Graph<double> g;
  std::vector<Var<double>> params;
  for (size_t i = 0; i < inputs.size(); ++i)
    params.push_back(g.parameter(inputs[i], "input" + std::to_string(i)));
  const Var<double> out = fn(g, params);
  const int64_t n_out = out.value().numel();

  // Analytic Jacobian, one backward per output element: jac[i][k * numel_i + j].
  std::vector<std::vector<double>> jac(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    jac[i].resize(static_cast<size_t>(n_out * inputs[i].numel()));
  for (int64_t k = 0; k < n_out; ++k) {
    Tensor<double> seed(out.value().shape());
    seed[k] = 1;
    g.zero_grad();
    g.backward(out, seed);
    for (size_t i = 0; i < inputs.size(); ++i)
      for (int64_t j = 0; j < inputs[i].numel(); ++j)
        jac[i][static_cast<size_t>(k * inputs[i].numel() + j)] = params[i].grad()[j];
  }

  // Numeric Jacobian by central differences, replaying the tape.
  GradcheckResult result;
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (int64_t j = 0; j < inputs[i].numel(); ++j) {
      Tensor<double> x = inputs[i];
      x[j] = inputs[i][j] + options.eps;
      g.set_value(params[i], x);
      g.forward();
      const Tensor<double> plus = out.value();
      x[j] = inputs[i][j] - options.eps;
      g.set_value(params[i], x);
      g.forward();
      const Tensor<double> minus = out.value();
      g.set_value(params[i], inputs[i]);
      for (int64_t k = 0; k < n_out; ++k) {
        const double numeric = (plus[k] - minus[k]) / (2 * options.eps);
        const double analytic = jac[i][static_cast<size_t>(k * inputs[i].numel() + j)];
        const double err = std::abs(analytic - numeric);
        ++result.entries;
        if (!(err <= result.max_abs_error)) result.max_abs_error = err;  // NaN propagates
        if (result.ok && !(err <= options.atol + options.rtol * std::abs(numeric))) {
          result.ok = false;
          std::ostringstream os;
          os.precision(10);
          os << "d output[" << k << "] / d input" << i << "[" << j << "]: analytic " << analytic
             << ", numeric " << numeric << " (|diff| " << err << " > atol " << options.atol
             << " + rtol " << options.rtol << " * |numeric|)";
          result.message = os.str();
        }
      }
    }
  }
  g.forward();
  return result;
}

}  // namespace lograd
