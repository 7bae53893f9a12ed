// check_paths: an output may not be an input (through links too), every output must be
// writable where it is named, "-" only where standard streams are accepted.
#include "lograd/paths.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace lograd {
namespace {

namespace fs = std::filesystem;

class PathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lograd_paths_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(p("in.svm")) << "+1 1:0.5\n-1 2:1\n";
  }
  void TearDown() override {
    ::chmod(dir_.c_str(), 0755);
    fs::remove_all(dir_);
  }
  std::string p(const std::string& name) const { return (dir_ / name).string(); }

  // The PathError check_paths throws (fails the test when it throws none).
  PathError refused(const std::vector<InputPath>& in, const std::vector<OutputPath>& out) {
    try {
      check_paths(in, out);
    } catch (const PathError& e) {
      return e;
    }
    ADD_FAILURE() << "check_paths accepted the paths";
    return PathError("", -1, -1);
  }

  fs::path dir_;
};

TEST_F(PathsTest, AnOutputThatIsAnInputIsRefused) {
  const PathError e = refused({{p("in.svm"), "training data"}}, {{p("in.svm"), "model"}});
  EXPECT_EQ(e.output, 0);
  EXPECT_EQ(e.input, -1);
  const std::string m = e.what();
  EXPECT_NE(m.find("the output path '" + p("in.svm") + "' (the model) is the same file as the "
                   "training data '" + p("in.svm") + "'"), std::string::npos) << m;
  EXPECT_NE(m.find("choose another output path"), std::string::npos) << m;
  EXPECT_EQ(m.find("-o"), std::string::npos) << "the library names no option: " << m;
}

TEST_F(PathsTest, LinksAndOtherSpellingsOfAnInputAreRefused) {
  fs::create_symlink(p("in.svm"), p("link.svm"));
  fs::create_hard_link(p("in.svm"), p("hard.svm"));
  fs::create_directories(dir_ / "sub");
  for (const std::string& out : {p("link.svm"), p("hard.svm"), p("sub/../in.svm")}) {
    const PathError e = refused({{p("in.svm"), "data"}}, {{out, "binary cache"}});
    EXPECT_EQ(e.output, 0) << out;
  }
  // And the other way round: the input through the link.
  EXPECT_EQ(refused({{p("link.svm"), "data"}}, {{p("in.svm"), "model"}}).output, 0);
}

TEST_F(PathsTest, TheIndexOfTheOutputAtFaultIsGiven) {
  const PathError e = refused({{p("in.svm"), "data"}, {p("m.json"), "model"}},
                              {{p("out.json"), "model"}, {p("in.svm"), "checkpoint"}});
  EXPECT_EQ(e.output, 1);
}

TEST_F(PathsTest, AnOutputMayRewriteTheInputItNames) {
  std::ofstream(p("run.ckpt")) << "{}";
  EXPECT_NO_THROW(check_paths({{p("in.svm"), "data"}, {p("run.ckpt"), "checkpoint"}},
                              {{p("run.ckpt"), "checkpoint", {}, false, /*rewrites=*/1}}));
  // ... but no other output may.
  EXPECT_EQ(refused({{p("in.svm"), "data"}, {p("run.ckpt"), "checkpoint"}},
                    {{p("run.ckpt"), "checkpoint", {}, false, 1}, {p("run.ckpt"), "model"}})
                .output,
            1);
}

TEST_F(PathsTest, TwoOutputsNamingOneFileAreRefused) {
  // Neither exists yet: compared by their resolved names.
  const PathError e =
      refused({{p("in.svm"), "data"}}, {{p("m.json"), "model"}, {p("./m.json"), "loss curve"}});
  EXPECT_EQ(e.output, 1);
  EXPECT_NE(std::string(e.what()).find("one would overwrite the other"), std::string::npos);
}

TEST_F(PathsTest, AnOutputInAMissingOrReadOnlyDirectoryIsRefused) {
  const PathError e = refused({}, {{p("nonexistent/m.json"), "model"}});
  EXPECT_NE(std::string(e.what()).find("its directory '" + p("nonexistent") + "' does not exist"),
            std::string::npos)
      << e.what();
  EXPECT_EQ(refused({}, {{p("in.svm/m.json"), "model"}}).output, 0);  // a file as directory
  EXPECT_NE(std::string(refused({}, {{dir_.string(), "model"}}).what()).find("is a directory"),
            std::string::npos);
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(dir_ / "ro");
    ::chmod((dir_ / "ro").c_str(), 0555);
    EXPECT_NE(std::string(refused({}, {{p("ro/m.json"), "model"}}).what())
                  .find("cannot create files in its directory"),
              std::string::npos);
  }
}

TEST_F(PathsTest, AnOutputWithoutAKnownExtensionIsRefused) {
  const OutputPath curve{p("curve.txt"), "loss curve", {".csv", ".svg"}};
  const PathError e = refused({}, {curve});
  EXPECT_NE(std::string(e.what()).find("must end in .csv or .svg"), std::string::npos) << e.what();
  EXPECT_NO_THROW(check_paths({}, {{p("curve.svg"), "loss curve", {".csv", ".svg"}}}));
}

TEST_F(PathsTest, StandardStreamsOnlyWhereAccepted) {
  EXPECT_TRUE(is_standard_stream("-"));
  EXPECT_FALSE(is_standard_stream("./-"));
  EXPECT_NO_THROW(check_paths({{"-", "data"}}, {{"-", "predictions", {}, true}}));
  EXPECT_EQ(refused({{"-", "checkpoint", false}}, {}).input, 0);
  EXPECT_EQ(refused({}, {{"-", "model"}}).output, 0);
  const PathError twice = refused({{"-", "training data"}, {"-", "test data"}}, {});
  EXPECT_EQ(twice.input, 1);
  EXPECT_NE(std::string(twice.what()).find("read only once"), std::string::npos);
}

TEST_F(PathsTest, GoodPathsAndUnsetOptionsPass) {
  std::ofstream(p("old.model.json")) << "{}";
  EXPECT_NO_THROW(check_paths({{p("in.svm"), "data"}, {"", "test data"}},
                              {{p("old.model.json"), "model"},  // replaced: fine
                               {"", "loss curve", {".csv"}},
                               {p("new.lgb"), "binary cache"}}));
}

}  // namespace
}  // namespace lograd
