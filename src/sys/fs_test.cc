#include "sys/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "sys/fault_fs.h"
#include "sys/file_lock.h"

namespace mailcert::sys {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailcert-fs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { (void)RealFs().RemoveAll(dir_); }
  std::string dir_;
};

TEST_F(FsTest, AtomicWriteReplacesContentWithModeAndLeavesNoTemp) {
  Fs& fs = RealFs();
  const std::string path = JoinPath(dir_, "key.pem");
  ASSERT_TRUE(WriteFileAtomic(fs, path, "old", 0644));
  ::umask(0);  // a permissive umask must not widen the requested mode
  ASSERT_TRUE(WriteFileAtomic(fs, path, "new secret", 0600));
  ::umask(022);
  EXPECT_EQ(fs.ReadFile(path).value(), "new secret");
  EXPECT_EQ(fs.Stat(path)->mode, 0600u);
  EXPECT_EQ(fs.ListDir(dir_).value(), std::vector<std::string>{"key.pem"});
}

TEST_F(FsTest, AtomicWriteInterruptedAtEveryStepLeavesOldOrNewWhole) {
  const std::string path = JoinPath(dir_, "cert.pem");
  ASSERT_TRUE(WriteFileAtomic(RealFs(), path, "old certificate", 0644));
  FaultFs probe(RealFs());
  ASSERT_TRUE(WriteFileAtomic(probe, path, "new certificate", 0644));
  const int steps = probe.step_count();
  EXPECT_EQ(steps, 3);  // write temp, rename, sync directory
  for (int crash = 1; crash <= steps; ++crash) {
    ASSERT_TRUE(WriteFileAtomic(RealFs(), path, "old certificate", 0644));
    FaultFs fault(RealFs());
    fault.CrashAtStep(crash);
    EXPECT_FALSE(WriteFileAtomic(fault, path, "new certificate", 0644));
    std::string content = RealFs().ReadFile(path).value();
    EXPECT_TRUE(content == "old certificate" || content == "new certificate")
        << "crash at step " << crash << " left: " << content;
  }
}

TEST_F(FsTest, ErrorsNameThePathAndTheReason) {
  auto missing = RealFs().ReadFile(JoinPath(dir_, "nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "read " + JoinPath(dir_, "nope") + ": No such file or directory");
}

TEST_F(FsTest, MakeDirsAndRemoveAll) {
  Fs& fs = RealFs();
  const std::string deep = JoinPath(dir_, "a/b/c");
  ASSERT_TRUE(fs.MakeDirs(deep, 0700));
  ASSERT_TRUE(fs.MakeDirs(deep, 0700));  // idempotent
  ASSERT_TRUE(WriteFileAtomic(fs, JoinPath(deep, "f"), "x", 0600));
  ASSERT_TRUE(fs.RemoveAll(JoinPath(dir_, "a")));
  EXPECT_EQ(fs.Stat(JoinPath(dir_, "a")).error().code, util::ErrorCode::kNotFound);
}

TEST_F(FsTest, PathHelpers) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
}

TEST_F(FsTest, SecondLockOnSameFileIsRefusedUntilReleased) {
  const std::string path = JoinPath(dir_, ".lock");
  auto first = FileLock::TryAcquire(path);
  ASSERT_TRUE(first);
  // flock locks belong to the open file description, so a second open in the same process
  // conflicts just as another process would.
  auto second = FileLock::TryAcquire(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, util::ErrorCode::kConflict);
  { FileLock released = std::move(*first); }
  EXPECT_TRUE(FileLock::TryAcquire(path));
}

TEST_F(FsTest, AcquireWaitsForAHolderToFinishAndGivesUpAfterItsTimeout) {
  const std::string path = JoinPath(dir_, ".lock");
  auto held = FileLock::TryAcquire(path);
  ASSERT_TRUE(held);
  int waits = 0;
  auto gave_up = FileLock::Acquire(path, std::chrono::milliseconds(150), [&] { ++waits; });
  ASSERT_FALSE(gave_up);
  EXPECT_EQ(gave_up.error().code, util::ErrorCode::kConflict);
  EXPECT_EQ(waits, 1) << "said once that it waits";

  std::thread holder([held = std::move(*held)]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    FileLock released = std::move(held);
  });
  auto taken = FileLock::Acquire(path, std::chrono::seconds(10));
  holder.join();
  EXPECT_TRUE(taken) << "acquired once the holder let go";

  waits = 0;
  auto free_lock = FileLock::Acquire(JoinPath(dir_, "other.lock"), std::chrono::seconds(1),
                                     [&] { ++waits; });
  EXPECT_TRUE(free_lock);
  EXPECT_EQ(waits, 0) << "a free lock is taken without a word";
}

}  // namespace
}  // namespace mailcert::sys
