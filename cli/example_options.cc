#include "example_options.h"

namespace lograd::cli {

void add_example_options(CLI::App* cmd, ExampleOptions& opts, bool with_lr) {
  const LectureExample d = default_lecture_example();
  cmd->add_option("--x", opts.x, "features of the example, comma-separated (default 1,2)")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--y", opts.y, "target, 0 or 1 (any value in [0,1] is accepted; default 1)");
  cmd->add_option("--w", opts.w,
                  "weights, one per feature (default 0.1,-0.2; zeros if --x alone changes the "
                  "width); write --w=-0.1,0.2 when the first is negative")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--b", opts.b, "bias (default 0.05)");
  if (with_lr) cmd->add_option("--lr", opts.lr, "learning rate alpha of the update (default 0.1)");
  (void)d;
}

LectureExample resolve_example(const ExampleOptions& opts) {
  LectureExample ex = default_lecture_example();
  if (!opts.x.empty()) {
    if (opts.w.empty() && opts.x.size() != ex.w.size()) ex.w.assign(opts.x.size(), 0.0);
    ex.x = opts.x;
  }
  if (!opts.w.empty()) ex.w = opts.w;
  if (opts.y) ex.y = *opts.y;
  if (opts.b) ex.b = *opts.b;
  if (opts.lr) ex.lr = *opts.lr;
  validate(ex);
  return ex;
}

}  // namespace lograd::cli
