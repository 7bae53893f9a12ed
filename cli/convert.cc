// `lograd convert`: parse a dataset once and write lograd's binary cache (.lgb).
#include <chrono>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "data_options.h"
#include "io_paths.h"
#include "lograd/binary_cache.h"
#include "lograd/memory.h"

namespace lograd::cli {
namespace {

struct ConvertCli {
  std::string data, out;
  DataOptions data_opts;
};

void run(const ConvertCli& o) {
  check_command_paths({{"", {o.data, "data"}}}, {{"-o", {o.out, "binary cache"}}});
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset d = read_dataset(o.data, read_options(o.data_opts));
  const double parse = seconds_since(t0);
  warn_skipped_rows(d, o.data);
  const auto t1 = std::chrono::steady_clock::now();
  write_binary_cache(d, o.out);
  std::printf("%s: %lld examples x %lld features, %s, parsed in %.2f s; wrote %s (%s) in %.2f s\n",
              o.data.c_str(), static_cast<long long>(d.rows()), static_cast<long long>(d.cols()),
              d.x.describe().c_str(), parse, o.out.c_str(),
              format_bytes(static_cast<double>(d.x.bytes())).c_str(), seconds_since(t1));
  std::printf("use it in place of the text file: lograd train %s ...\n", o.out.c_str());
}

}  // namespace

void register_convert(CLI::App& app) {
  auto o = std::make_shared<ConvertCli>();
  CLI::App* cmd = app.add_subcommand(
      "convert",
      "Parse LIBSVM or CSV data once and write lograd's binary cache, which train, predict and "
      "eval read at disk speed (detected by its content, whatever its name). The cache keeps "
      "the storage chosen at conversion (--storage, --dtype).");
  cmd->add_option("data", o->data, "the LIBSVM or CSV file (optionally gzip-compressed)")->required();
  cmd->add_option("-o,--out", o->out, "the cache file to write, e.g. data.lgb")->required();
  add_data_options(cmd, o->data_opts, /*with_weights=*/true);
  cmd->callback([o] { run(*o); });
}

}  // namespace lograd::cli
