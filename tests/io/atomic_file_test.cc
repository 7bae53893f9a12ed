// write_file_atomically: unique temporary names (no two writers share one, whatever their PID
// namespaces), no temporary file left by errors, signals or writers that died.
#include "io/atomic_file.h"

#include <gtest/gtest.h>

#include <functional>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lograd/error.h"

namespace lograd {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lograd_atomic_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    io::set_write_failure_after_bytes_for_testing(-1);
    io::set_before_rename_hook_for_testing(nullptr);
    fs::remove_all(dir_);
  }
  // The names in the directory that are not `keep`.
  std::vector<std::string> others(const std::string& keep) const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename() != keep) v.push_back(e.path().filename().string());
    return v;
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, AnotherWritersTemporaryFileIsNeverTouched) {
  // Another process (in another PID namespace, with our PID) is writing its temporary file
  // under the name the PID would give, and holds its lock.
  const fs::path target = dir_ / "m.json";
  const fs::path theirs = dir_ / (".m.json.tmp." + std::to_string(::getpid()));
  std::ofstream(theirs) << "their half-written model";
  const int fd = ::open(theirs.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  write_file_atomically(target.string(), "our model");
  EXPECT_EQ(slurp(target), "our model");
  EXPECT_EQ(slurp(theirs), "their half-written model");
  ::close(fd);
}

TEST_F(AtomicFileTest, TemporaryNamesAreUniqueAndHidden) {
  std::vector<std::string> seen;
  io::set_before_rename_hook_for_testing(+[](const char* p) {
    std::ofstream(fs::path(p).parent_path() / "names.log", std::ios::app) << p << "\n";
  });
  for (int i = 0; i < 20; ++i) write_file_atomically((dir_ / "m.json").string(), "x");
  std::ifstream log(dir_ / "names.log");
  for (std::string line; std::getline(log, line);) seen.push_back(fs::path(line).filename());
  ASSERT_EQ(seen.size(), 20u);
  for (const std::string& n : seen) EXPECT_EQ(n.rfind(".m.json.tmp.", 0), 0u) << n;
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << "a name came twice";
  EXPECT_EQ(others("m.json"), std::vector<std::string>{"names.log"});
}

TEST_F(AtomicFileTest, AFailedWriteLeavesTheOldFileAndNoTemporaryFile) {
  const fs::path target = dir_ / "m.json";
  write_file_atomically(target.string(), "old");
  io::set_write_failure_after_bytes_for_testing(2);
  EXPECT_THROW(write_file_atomically(target.string(), "new content"), Error);
  EXPECT_EQ(slurp(target), "old");
  EXPECT_TRUE(others("m.json").empty());
}

// Content made in pieces: the file is their concatenation; a failure partway (the producer
// throws, or the disk fills across pieces) leaves the old file and no temporary file.
TEST_F(AtomicFileTest, ContentInPiecesIsWrittenWholeOrNotAtAll) {
  const fs::path target = dir_ / "m.json";
  write_file_atomically(target.string(), [](const std::function<void(std::string_view)>& write) {
    write("one ");
    write("");
    write("two");
  });
  EXPECT_EQ(slurp(target), "one two");
  EXPECT_THROW(write_file_atomically(target.string(),
                                     [](const std::function<void(std::string_view)>& write) {
                                       write("half a model");
                                       throw Error("the producer failed");
                                     }),
               Error);
  EXPECT_EQ(slurp(target), "one two");
  EXPECT_TRUE(others("m.json").empty());
  io::set_write_failure_after_bytes_for_testing(5);  // inside the second piece
  try {
    write_file_atomically(target.string(), [](const std::function<void(std::string_view)>& write) {
      write("abc");
      write("defg");
      ADD_FAILURE() << "the write after a full disk should have thrown";
    });
    ADD_FAILURE() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  io::set_write_failure_after_bytes_for_testing(-1);
  EXPECT_EQ(slurp(target), "one two");
  EXPECT_TRUE(others("m.json").empty());
}

TEST_F(AtomicFileTest, TemporaryFilesOfDeadWritersAreRemovedByTheNextSave) {
  const fs::path target = dir_ / "m.json";
  std::ofstream(dir_ / ".m.json.tmp.AAAAAAAAAAAA") << "left by kill -9";
  std::ofstream(dir_ / ".m.json.tmp.4242") << "left by an older lograd";
  std::ofstream(dir_ / ".other.json.tmp.BBBBBBBBBBBB") << "another file's";
  write_file_atomically(target.string(), "new");
  EXPECT_EQ(slurp(target), "new");
  EXPECT_EQ(others("m.json"), std::vector<std::string>{".other.json.tmp.BBBBBBBBBBBB"});
}

// The child process writes with a hook that raises `sig` before the rename, as a signal
// arriving mid-save; SIGINT, SIGTERM and SIGHUP must remove the temporary file, then end it.
void expect_signal_removes_temporary_file(const fs::path& dir, int sig) {
  const fs::path target = dir / "m.json";
  write_file_atomically(target.string(), "old");
  static int g_sig;
  g_sig = sig;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    remove_temporary_files_on_signals();
    io::set_before_rename_hook_for_testing(+[](const char* p) {
      if (::access(p, F_OK) != 0) ::_exit(3);  // the temporary file should exist here
      ::raise(g_sig);
    });
    try {
      write_file_atomically(target.string(), "new");
    } catch (...) {
    }
    ::_exit(4);  // not reached: the signal ends the process
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), sig);
  EXPECT_EQ(slurp(target), "old");
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename(), "m.json") << "left behind: " << e.path();
}

TEST_F(AtomicFileTest, SignalsRemoveTheTemporaryFile) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    SCOPED_TRACE(sig);
    expect_signal_removes_temporary_file(dir_, sig);
  }
}

TEST_F(AtomicFileTest, AFifoIsWrittenInPlaceNotReplaced) {
  const fs::path fifo = dir_ / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(rd, 0);
  write_file_atomically(fifo.string(), "through the pipe");
  char buf[64] = {};
  EXPECT_EQ(::read(rd, buf, sizeof buf), 16);
  EXPECT_EQ(std::string(buf), "through the pipe");
  ::close(rd);
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

}  // namespace
}  // namespace lograd
