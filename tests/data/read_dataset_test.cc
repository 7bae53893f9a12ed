// read_dataset from pipes and standard input ("-"): what format sniffing peeks is kept for the
// reader, and a second pass (a value float32 cannot hold) replays the bytes already read.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>

#include "reader_test_util.h"
#include "lograd/binary_cache.h"
#include "lograd/error.h"
#include "lograd/readers.h"

namespace lograd {
namespace {

using testing::dense_values;
using testing::TempDir;

// LIBSVM text of `rows` lines with a line ending exactly at byte 8191 (where an 8 KiB stdio
// buffer's first read ends) and one value beyond float32's range when `wide`.
std::string libsvm_text(int rows, bool wide) {
  std::string text;
  for (int i = 0; i < rows; ++i) {
    std::string line = (i % 3 == 0 ? "+1" : "-1") + std::string(" 1:") + std::to_string(i % 7) +
                       " 3:0.25 " + std::to_string(4 + i % 5) + ":1";
    if (wide && i == rows - 2) line += " 20:1e39";
    if (text.size() < 8191 && text.size() + line.size() + 1 > 8191 - 20) {
      // Pad this line with a comment so that it ends at byte 8191.
      const size_t pad = 8191 - (text.size() + line.size() + 1);
      if (pad >= 2) line += " #" + std::string(pad - 2, 'x');
    }
    text += line + "\n";
  }
  return text;
}

// Feeds bytes into a pipe from a thread; the read end is given to the test.
class Pipe {
 public:
  explicit Pipe(std::string bytes) : bytes_(std::move(bytes)) {
    ::signal(SIGPIPE, SIG_IGN);  // a reader that stops early must not end the test
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    read_ = fds[0];
    writer_ = std::thread([this, w = fds[1]] {
      for (size_t done = 0; done < bytes_.size();) {
        const ssize_t k = ::write(w, bytes_.data() + done, bytes_.size() - done);
        if (k <= 0) break;
        done += static_cast<size_t>(k);
      }
      ::close(w);
    });
  }
  ~Pipe() {
    if (read_ >= 0) ::close(read_);
    writer_.join();
  }
  int read_end() const { return read_; }

 private:
  std::string bytes_;
  int read_ = -1;
  std::thread writer_;
};

// The pipe on standard input while it lives.
class PipeOnStdin {
 public:
  explicit PipeOnStdin(std::string bytes) : pipe_(std::move(bytes)), saved_(::dup(0)) {
    ::dup2(pipe_.read_end(), 0);
  }
  ~PipeOnStdin() {
    ::dup2(saved_, 0);  // closes our copy of the pipe's read end, so the writer may finish
    ::close(saved_);
  }

 private:
  Pipe pipe_;
  int saved_;
};

void expect_same(const Dataset& got, const Dataset& want) {
  EXPECT_EQ(got.rows(), want.rows());
  EXPECT_EQ(got.cols(), want.cols());
  EXPECT_EQ(got.x.dtype(), want.x.dtype());
  EXPECT_EQ(got.classes, want.classes);
  EXPECT_EQ(got.label, want.label);
  EXPECT_EQ(dense_values(got.x), dense_values(want.x));
}

TEST(ReadDataset, TextThroughAPipeLosesNoBytes) {
  TempDir dir;
  const std::string text = libsvm_text(3000, false);
  ASSERT_EQ(text[8190], '\n');  // a line ends at byte 8191
  const Dataset want = read_dataset(dir.write("a.svm", text));
  ASSERT_EQ(want.rows(), 3000);
  // A named pipe: sniffed for a cache and for the format before the reader reads it.
  const std::string fifo = dir.path("a.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << text; });
  const Dataset got = read_dataset(fifo);
  writer.join();
  expect_same(got, want);
}

TEST(ReadDataset, DashIsStandardInputPlainOrGzip) {
  TempDir dir;
  const std::string text = libsvm_text(3000, false);
  const Dataset want = read_dataset(dir.write("a.svm", text));
  {
    PipeOnStdin in(text);
    expect_same(read_dataset("-"), want);
  }
  const std::string gz = dir.write_gz("a.svm.gz", text);
  std::ifstream f(gz, std::ios::binary);
  const std::string gz_bytes((std::istreambuf_iterator<char>(f)), {});
  {
    PipeOnStdin in(gz_bytes);
    expect_same(read_dataset("-"), want);
  }
}

TEST(ReadDataset, AWideValueInAPipeIsReadAgainFromTheKeptBytes) {
  TempDir dir;
  const std::string text = libsvm_text(3000, true);
  const Dataset want = read_dataset(dir.write("wide.svm", text));
  ASSERT_EQ(want.x.dtype(), std::string("float64"));
  ASSERT_EQ(want.rows(), 3000);
  PipeOnStdin in(text);
  expect_same(read_dataset("-"), want);
}

TEST(ReadDataset, CsvThroughStandardInput) {
  TempDir dir;
  std::string text = "a,b,y\n";
  for (int i = 0; i < 2000; ++i)
    text += std::to_string(i % 11) + "," + std::to_string(i % 5) + ".5," + (i % 2 ? "yes" : "no") + "\n";
  const Dataset want = read_dataset(dir.write("a.csv", text));
  PipeOnStdin in(text);
  expect_same(read_dataset("-"), want);
}

TEST(ReadDataset, ABinaryCacheThroughAPipeIsAClearError) {
  TempDir dir;
  const Dataset d = read_dataset(dir.write("a.svm", libsvm_text(50, false)));
  write_binary_cache(d, dir.path("a.lgb"));
  std::ifstream f(dir.path("a.lgb"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), {});
  PipeOnStdin in(bytes);
  try {
    read_dataset("-");
    ADD_FAILURE() << "a cache on a pipe was read";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("binary cache"), std::string::npos) << e.what();
  }
}

TEST(ReadDataset, NoCacheForStandardInput) {
  TempDir dir;
  bool hit = false;
  EXPECT_THROW(read_dataset_cached("-", dir.path("c.lgb"), ReadOptions{}, &hit), ValueError);
}

}  // namespace
}  // namespace lograd
