// lograd/dot.h: the computation graph as a Graphviz picture.
#pragma once

#include <cstdint>
#include <string>

#include "lograd/graph.h"

namespace lograd {

struct DotOptions {
  std::string title;       // caption under the graph; empty for none
  int32_t loss_id = -1;    // node drawn as the loss (the root of backward); -1 for none
  int max_values = 4;      // elements of a tensor shown before eliding with "..."
};

// Graphviz DOT text for g: one box per node with its op, shape, value and gradient;
// parameters, constants and the loss are drawn in distinct colours.
template <class T>
std::string to_dot(const Graph<T>& g, const DotOptions& options = {});

// Renders DOT text to `out_path` with Graphviz's `dot`, the format taken from the extension
// (.svg, .png or .pdf). Throws MissingToolError if `dot` is not installed, ValueError on an
// unknown extension, Error if dot fails.
void render_dot(const std::string& dot_text, const std::string& out_path);

}  // namespace lograd
