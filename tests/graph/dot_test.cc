#include "lograd/dot.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "lograd/lecture.h"

namespace lograd {
namespace {

TEST(Dot, EveryNodeAppearsWithShapeValueAndGradient) {
  Graph<double> g;
  const auto lg = build_lecture_graph(g, default_lecture_example(), LossForm::kPrimitive);
  g.backward(lg.loss);
  DotOptions o;
  o.loss_id = lg.loss.id;
  const std::string dot = to_dot(g, o);
  EXPECT_EQ(dot.rfind("digraph lograd {", 0), 0u);
  for (int32_t id = 0; id < g.size(); ++id)
    EXPECT_NE(dot.find("  n" + std::to_string(id) + " [label="), std::string::npos) << id;
  EXPECT_NE(dot.find("<b>w1 = parameter</b>"), std::string::npos);
  EXPECT_NE(dot.find("<b>L = neg (loss)</b>"), std::string::npos);
  EXPECT_NE(dot.find("bgcolor=\"#92c5de\""), std::string::npos);  // parameter colour
  EXPECT_NE(dot.find("bgcolor=\"#f4a582\""), std::string::npos);  // loss colour
  EXPECT_NE(dot.find("float64 ()"), std::string::npos);
  // db = dz = a - y for the default example.
  std::ostringstream db;
  db << "grad " << std::setprecision(6) << lg.b.grad().item();
  EXPECT_NE(dot.find(db.str()), std::string::npos) << db.str();
}

TEST(Dot, RenderNeedsAKnownExtension) {
  EXPECT_THROW(render_dot("digraph {}", "/tmp/out.jpeg"), ValueError);
}

TEST(Dot, RenderWithoutGraphvizSaysWhatToInstall) {
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", "/nonexistent", 1);
  try {
    render_dot("digraph {}", "/tmp/lograd_dot_test.svg");
    setenv("PATH", saved.c_str(), 1);
    FAIL() << "expected MissingToolError";
  } catch (const MissingToolError& e) {
    setenv("PATH", saved.c_str(), 1);
    EXPECT_NE(std::string(e.what()).find("apt-get install graphviz"), std::string::npos);
  }
}

TEST(Dot, RendersAnSvgThatGraphvizAccepts) {
  Graph<double> g;
  const auto lg = build_lecture_graph(g, default_lecture_example(), LossForm::kFused);
  g.backward(lg.loss);
  const auto path = std::filesystem::temp_directory_path() / "lograd_dot_test.svg";
  std::filesystem::remove(path);
  render_dot(to_dot(g), path.string());  // make test installs graphviz
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_NE(s.str().find("<svg"), std::string::npos);
  EXPECT_NE(s.str().find("bce_with_logits"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace lograd
