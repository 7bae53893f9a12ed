// lograd: the command-line tool. The one place where errors become messages and exit codes.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <string>

#include "commands.h"
#include "lograd/error.h"
#include "lograd/memory.h"

int main(int argc, char** argv) {
  using namespace lograd::cli;
  CLI::App app{std::string("lograd: logistic regression by gradient descent on a reverse-mode "
                           "computation graph.\n") +
               kExitHelp};
  app.name("lograd");
  app.set_version_flag("--version", std::string("lograd ") + LOGRAD_VERSION);
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
  } catch (const lograd::MemoryLimitError& e) {
    std::cerr << "lograd: error: " << e.what() << "\n";
    return kExitMemory;
  } catch (const std::bad_alloc&) {
    std::cerr << "lograd: error: not enough memory: an allocation failed (the data or the model "
                 "is larger than the memory available). Give --max-memory the memory this run "
                 "may use to have data over it refused with an estimate, use a machine with "
                 "more memory, or train on a subsample\n";
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
