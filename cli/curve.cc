// Hand-written SVG: Debian has no small C++ plotting library, and two polylines need none.
#include "curve.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lograd/error.h"

namespace lograd::cli {
namespace {

struct Panel {
  std::string label;
  std::vector<double> y;
};

void plot_panel(std::ostringstream& os, const Panel& p, const std::vector<double>& x, double left,
                double top, double width, double height) {
  double ymin = INFINITY, ymax = -INFINITY;
  for (double v : p.y)
    if (std::isfinite(v)) ymin = std::min(ymin, v), ymax = std::max(ymax, v);
  if (!std::isfinite(ymin)) ymin = 0, ymax = 1;
  if (ymax - ymin < 1e-300) ymax = ymin + 1;
  const double xmax = std::max(1.0, x.empty() ? 1.0 : x.back());
  auto px = [&](double v) { return left + width * v / xmax; };
  auto py = [&](double v) { return top + height * (1 - (v - ymin) / (ymax - ymin)); };
  os << "<rect x='" << left << "' y='" << top << "' width='" << width << "' height='" << height
     << "' fill='none' stroke='#999'/>\n";
  os << "<text x='" << left << "' y='" << top - 8 << "' font-size='13'>" << p.label << "</text>\n";
  char buf[64];
  for (int k = 0; k <= 4; ++k) {
    const double v = ymin + (ymax - ymin) * k / 4;
    std::snprintf(buf, sizeof buf, "%.6g", v);
    os << "<text x='" << left - 6 << "' y='" << py(v) + 4 << "' font-size='10' text-anchor='end'>"
       << buf << "</text>\n";
  }
  std::snprintf(buf, sizeof buf, "%.0f", xmax);
  os << "<text x='" << left + width << "' y='" << top + height + 14
     << "' font-size='10' text-anchor='end'>" << buf << "</text>\n";
  os << "<text x='" << left << "' y='" << top + height + 14 << "' font-size='10'>0</text>\n";
  os << "<polyline fill='none' stroke='#2166ac' stroke-width='1.5' points='";
  for (size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(p.y[i])) os << px(x[i]) << "," << py(p.y[i]) << " ";
  os << "'/>\n";
}

}  // namespace

void write_curve(const std::string& path, const std::vector<IterationInfo>& history,
                 double grad_norm0, const std::string& title) {
  const std::string ext = std::filesystem::path(path).extension().string();
  std::ostringstream os;
  os.precision(17);
  if (ext == ".csv") {
    os << "iteration,objective,grad_norm,seconds\n";
    for (const auto& h : history)
      os << h.iter << "," << h.objective << "," << h.grad_norm << "," << h.seconds << "\n";
  } else if (ext == ".svg") {
    std::vector<double> x;
    Panel f{"objective F(w)", {}}, g{"log10 ||grad F(w)|| / ||grad F(0)||", {}};
    for (const auto& h : history) {
      x.push_back(static_cast<double>(h.iter));
      f.y.push_back(h.objective);
      g.y.push_back(grad_norm0 > 0 && h.grad_norm > 0 ? std::log10(h.grad_norm / grad_norm0) : NAN);
    }
    os.precision(6);
    os << "<svg xmlns='http://www.w3.org/2000/svg' width='720' height='560' "
          "font-family='Helvetica,Arial,sans-serif'>\n<rect width='720' height='560' fill='white'/>\n";
    os << "<text x='360' y='24' font-size='15' text-anchor='middle'>" << title << "</text>\n";
    plot_panel(os, f, x, 90, 60, 600, 180);
    plot_panel(os, g, x, 90, 320, 600, 180);
    os << "<text x='390' y='545' font-size='12' text-anchor='middle'>iteration</text>\n</svg>\n";
  } else {
    throw ValueError("--curve writes .csv (data) or .svg (a picture), got '" + path + "'");
  }
  std::ofstream out(path);
  if (!(out << os.str()) || !out.flush())
    throw Error("cannot write '" + path + "': check that the directory exists and is writable");
}

}  // namespace lograd::cli
