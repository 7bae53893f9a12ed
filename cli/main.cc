// lograd: the command-line tool. The one place where errors become messages and exit codes.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "lograd/error.h"
#include "lograd/kernels.h"
#include "lograd/memory.h"
#include "lograd/atomic_file.h"

int main(int argc, char** argv) {
  using namespace lograd::cli;
  // A signal that ends lograd while it writes a file leaves no temporary file behind.
  lograd::remove_temporary_files_on_signals();
  CLI::App app{std::string("lograd: logistic regression by gradient descent on a reverse-mode "
                           "computation graph.\n") +
               kExitHelp};
  app.name("lograd");
  // LOGRAD_SIMD=<target> runs the kernels on another compiled-in target than the best one
  // (to compare targets, or to rule the SIMD code out when chasing a problem).
  if (const char* target = std::getenv("LOGRAD_SIMD"); target && *target) {
    try {
      lograd::kernels::set_simd_target(target);
    } catch (const lograd::Error& e) {
      std::cerr << "lograd: error: LOGRAD_SIMD: " << e.what() << "\n";
      return kExitUsage;
    }
  }
  app.set_version_flag("--version", [] {
    std::string targets;
    for (const std::string& t : lograd::kernels::simd_targets()) targets += " " + t;
    return std::string("lograd ") + LOGRAD_VERSION + "\nSIMD target: " +
           lograd::kernels::simd_target() + " (compiled in and supported here:" + targets +
           "; LOGRAD_SIMD=<target> picks another)";
  });
  app.require_subcommand(1);
  register_explain(app);
  register_graph(app);
  register_train(app);
  register_predict(app);
  register_convert(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const ExitWith& e) {
    return e.status;
  } catch (const UsageError& e) {
    std::cerr << "lograd: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const lograd::MemoryLimitError& e) {
    std::cerr << "lograd: error: " << e.what() << "\n";
    return kExitMemory;
  } catch (const lograd::Error& e) {
    std::cerr << "lograd: error: " << e.what() << "\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "lograd: internal error: " << e.what()
              << "\n(please report this with the command that caused it)\n";
    return kExitError;
  }
  return kExitOk;
}
