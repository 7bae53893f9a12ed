#include "lograd/dot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lograd {
namespace {

std::string fmt_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

template <class T>
std::string fmt_tensor(const Tensor<T>& t, int max_values) {
  if (t.rank() == 0) return fmt_number(t[0]);
  std::string s = "[";
  const int64_t shown = std::min<int64_t>(t.numel(), max_values);
  for (int64_t i = 0; i < shown; ++i) s += (i ? ", " : "") + fmt_number(t[i]);
  if (shown < t.numel()) s += ", ...";
  return s + "]";
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

template <class T>
std::string to_dot(const Graph<T>& g, const DotOptions& options) {
  std::ostringstream os;
  os << "digraph lograd {\n"
     << "  rankdir=LR;\n"
     << "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n"
     << "  edge [color=\"#555555\"];\n";
  if (!options.title.empty())
    os << "  label=\"" << html_escape(options.title) << "\"; labelloc=b; fontname=\"Helvetica\";\n";
  for (int32_t id = 0; id < g.size(); ++id) {
    const Node<T>& n = g.node(id);
    const bool is_loss = id == options.loss_id;
    const char* fill = is_loss                              ? "#f4a582"   // loss: salmon
                       : n.op == OpKind::kParameter         ? "#92c5de"   // parameter: blue
                       : n.op == OpKind::kConstant          ? "#f0f0f0"   // constant: grey
                                                            : "#ffffff";  // computed
    std::string title(op_name(n.op));
    if (!n.name.empty()) title = n.name + " = " + title;
    if (is_loss) title += " (loss)";
    os << "  n" << id << " [label=<<table border=\"1\" cellborder=\"0\" cellspacing=\"0\" "
       << "cellpadding=\"3\" bgcolor=\"" << fill << "\">"
       << "<tr><td><b>" << html_escape(title) << "</b></td></tr>"
       << "<tr><td>" << dtype_name<T>() << " " << shape_str(n.value.shape()) << "</td></tr>"
       << "<tr><td>value " << html_escape(fmt_tensor(n.value, options.max_values)) << "</td></tr>";
    if (n.requires_grad)
      os << "<tr><td>grad " << html_escape(fmt_tensor(n.grad, options.max_values)) << "</td></tr>";
    os << "</table>>];\n";
    if (n.data)
      os << "  d" << id << " [label=<<table border=\"1\" cellborder=\"0\" bgcolor=\"#f0f0f0\">"
         << "<tr><td><b>data X</b></td></tr><tr><td>" << html_escape(n.data->describe())
         << "</td></tr></table>>];\n  d" << id << " -> n" << id << " [style=dashed];\n";
    for (int32_t src : n.in)
      if (src >= 0) os << "  n" << src << " -> n" << id << ";\n";
  }
  os << "  subgraph cluster_legend {\n"
     << "    label=\"legend\"; fontsize=9; color=\"#bbbbbb\";\n"
     << "    legend [label=<<table border=\"0\" cellspacing=\"2\">"
     << "<tr><td bgcolor=\"#92c5de\">parameter</td><td bgcolor=\"#f0f0f0\">constant</td>"
     << "<td bgcolor=\"#ffffff\" border=\"1\">computed</td><td bgcolor=\"#f4a582\">loss</td></tr>"
     << "</table>>];\n  }\n";
  os << "}\n";
  return os.str();
}

template std::string to_dot(const Graph<float>&, const DotOptions&);
template std::string to_dot(const Graph<double>&, const DotOptions&);

namespace {

bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::error_code ec;
    const auto p = std::filesystem::path(dir.empty() ? "." : dir) / tool;
    if (std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

void render_dot(const std::string& dot_text, const std::string& out_path) {
  const std::string ext = std::filesystem::path(out_path).extension().string();
  if (ext != ".svg" && ext != ".png" && ext != ".pdf")
    throw ValueError("cannot render '" + out_path +
                     "': the picture format comes from the extension, which must be .svg, "
                     ".png or .pdf (or .dot for the Graphviz text)");
  if (!on_path("dot"))
    throw MissingToolError("rendering '" + out_path +
                           "' needs Graphviz's `dot`, which is not installed: install it with "
                           "`apt-get install graphviz`, or write DOT text (a .dot file) instead");
  const std::string cmd = "dot -T" + ext.substr(1) + " -o " + shell_quote(out_path);
  FILE* pipe = ::popen(cmd.c_str(), "w");
  if (!pipe) throw Error("could not start `dot` to render '" + out_path + "'");
  std::fwrite(dot_text.data(), 1, dot_text.size(), pipe);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("`dot` failed to render '" + out_path + "' (is the directory writable?)");
}

}  // namespace lograd
