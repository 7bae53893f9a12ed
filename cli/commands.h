// The subcommands of the lograd tool; each registers itself on the top-level app.
#pragma once

#include <CLI/CLI.hpp>

namespace lograd::cli {

// Exit statuses, documented in the README and in `lograd --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // bad data, a failed computation, a missing tool
inline constexpr int kExitUsage = 2;  // bad command line

void register_explain(CLI::App& app);
void register_graph(CLI::App& app);
void register_train(CLI::App& app);
// predict, eval and export.
void register_predict(CLI::App& app);

}  // namespace lograd::cli
