// lograd: the command-line tool. The one place where errors become messages and exit codes.
#include <cstdlib>
#include <iostream>
#include <new>
#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <string>

#include "commands.h"
#include "mpi_world.h"
#include "usage.h"
#include "lograd/error.h"
#include "lograd/kernels.h"
#include "lograd/memory.h"
#include "lograd/atomic_file.h"

namespace {

// The subcommand of that name, or nullptr.
const CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
  try {
    return app.get_subcommand(name);
  } catch (const CLI::Error&) {
    return nullptr;
  }
}

}  // namespace

namespace {
int run_main(int argc, char** argv);
}  // namespace

// Under mpirun (LOGRAD_WITH_MPI builds) every rank runs the same command; a rank that ends
// with an error takes the others down with it (MPI_Abort), since they may be waiting for it
// in a sum. Interruptions stop every rank together (cli/mpi_world.h) and end normally, as does
// divergence (every rank's solver sees the same sums and diverges at the same step).
int main(int argc, char** argv) {
  using namespace lograd::cli;
  init_world(&argc, &argv);
  if (const char* w = world_warning(); *w) std::cerr << "lograd: warning: " << w << "\n";
  const int status = run_main(argc, argv);
  if (status != kExitOk && status != kExitSigint && status != kExitSigterm &&
      status != kExitSighup && status != kExitDiverged) {
    std::cerr.flush();
    abort_world(status);
  }
  finalize_world();
  return status;
}

namespace {

int run_main(int argc, char** argv) {
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
  // An unknown command: say which one was meant (CLI11 would only say one is required).
  if (argc > 1 && argv[1][0] != '-' &&
      find_subcommand(app, argv[1]) == nullptr) {
    std::cerr << "lograd: usage error: unknown command '" << argv[1] << "'"
              << command_hint(app, argv[1])
              << "; the commands are explain, graph, train, predict, eval, export, convert "
                 "(lograd --help)\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    app.exit(e);
    // The arguments follow the ": " of CLI11's message, separated by spaces.
    const std::string what = e.what();
    std::vector<std::string> extras;
    if (const size_t colon = what.find(": "); colon != std::string::npos) {
      std::string rest = what.substr(colon + 2);
      for (size_t i = 0; i < rest.size();) {
        const size_t j = std::min(rest.find(' ', i), rest.size());
        if (j > i) extras.push_back(rest.substr(i, j - i));
        i = j + 1;
      }
    }
    const CLI::App* sub = find_subcommand(app, e.get_name());
    for (const std::string& h : option_hints(sub != nullptr ? *sub : app, extras))
      std::cerr << "lograd: hint: " << h << "\n";
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const ExitWith& e) {
    return e.status;
  } catch (const UsageError& e) {
    std::cerr << "lograd: error: " << lograd::cli::in_cli_terms(e.what()) << "\n";
    return kExitUsage;
  } catch (const lograd::MemoryLimitError& e) {
    std::cerr << "lograd: error: " << lograd::cli::in_cli_terms(e.what()) << "\n";
    return kExitMemory;
  } catch (const std::bad_alloc&) {
    std::cerr << "lograd: error: not enough memory: an allocation failed (the data or the model "
                 "is larger than the memory available). Give --max-memory the memory this run "
                 "may use to have data over it refused with an estimate, use a machine with "
                 "more memory, or train on a subsample\n";
    return kExitMemory;
  } catch (const lograd::Error& e) {
    std::cerr << "lograd: error: " << lograd::cli::in_cli_terms(e.what()) << "\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "lograd: internal error: " << e.what()
              << "\n(please report this with the command that caused it)\n";
    return kExitError;
  }
  return kExitOk;
}

}  // namespace
