// The subcommands of the lograd tool; each registers itself on the top-level app.
#pragma once

#include <CLI/CLI.hpp>

#include "lograd/error.h"

namespace lograd::cli {

// Exit statuses, documented in the README and in `lograd --help` (kExitHelp there).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;      // bad data, a failed computation, a missing tool
inline constexpr int kExitUsage = 2;      // bad command line
inline constexpr int kExitDiverged = 3;   // training diverged: the model holds the last finite
                                          // parameters and was written
inline constexpr int kExitMemory = 4;     // the data would need more memory than --max-memory
inline constexpr int kExitSighup = 129;   // the same for SIGHUP (128 + 1), as SIGTERM
inline constexpr int kExitSigint = 130;   // training interrupted by SIGINT (128 + 2): the model
                                          // (and the checkpoint) written
inline constexpr int kExitSigterm = 143;  // the same for SIGTERM (128 + 15)

// The exit statuses in words, for `lograd --help`.
inline constexpr const char* kExitHelp =
    "Exit status: 0 success; 1 error (bad input, failed computation, missing tool); 2 bad "
    "command line; 3 training diverged (the model with the last finite parameters is written); "
    "4 the data would need more memory than --max-memory; 130 / 143 / 129 training interrupted "
    "by SIGINT / SIGTERM / SIGHUP (the model, and the checkpoint if one is set, are written).";

// A command line that cannot work, found after parsing (e.g. an output path that is an input):
// main prints it and exits with kExitUsage.
struct UsageError : Error {
  using Error::Error;
};

// Thrown by a subcommand that has printed its output and messages and must end with a non-zero
// status (main returns it).
struct ExitWith {
  int status;
};

void register_explain(CLI::App& app);
void register_graph(CLI::App& app);
void register_train(CLI::App& app);
// predict, eval and export.
void register_predict(CLI::App& app);
void register_convert(CLI::App& app);

}  // namespace lograd::cli
