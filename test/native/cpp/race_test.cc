// Swap race: a thread exchanges a directory inside the root with a symlink to
// outside (renameat2 RENAME_EXCHANGE) while readers read through it.
#include <stdio.h>

#include <atomic>
#include <thread>

#include "helpers.h"
#include "runner.h"

using namespace capwire;
using namespace capwire_test;

namespace {

void RunSwapRace(bool fallback) {
  TempDir ws;
  ws.Mkdir("outside");
  ws.Write("outside/secret.txt", "OUTSIDE-SECRET");
  ws.Mkdir("data");
  ws.Mkdir("data/swap");
  ws.Write("data/swap/secret.txt", "inside");
  ws.Symlink("../outside", "data/swap-alt");
  auto e = OpenOrDie({{false, "o", "fs.read", ws / "data"}}, fallback);
  const int kSwaps = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> swaps{0};
  std::thread swapper([&] {
    std::string a = ws / "data/swap", b = ws / "data/swap-alt";
    for (int i = 0; i < kSwaps; ++i) {
      if (renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) swaps++;
    }
    done = true;
  });
  std::atomic<int> reads{0}, ok{0}, denied{0}, leaks{0}, other{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      std::string p = ws / "data/swap/secret.txt";
      while (!done) {
        auto r = e->ReadFile("o", p, 0, std::nullopt);
        reads++;
        if (r.ok()) {
          if (AsString(r.value) == "inside") ok++;
          else leaks++;
        } else if (r.status.code == Code::kPermissionDenied) {
          denied++;
        } else {
          other++;
        }
      }
    });
  }
  swapper.join();
  for (auto& t : readers) t.join();
  std::printf("RACE mode=%s swaps=%d reads=%d ok=%d denied=%d other=%d leaks=%d\n",
              fallback ? "fallback" : "openat2", swaps.load(), reads.load(), ok.load(), denied.load(), other.load(),
              leaks.load());
  EXPECT_EQ(leaks.load(), 0);
  EXPECT_EQ(swaps.load(), kSwaps);
  EXPECT_TRUE(reads.load() > 0);
}

}  // namespace

TEST_CASE("race: 20,000 dir<->symlink swaps during reads leak nothing (openat2)") { RunSwapRace(false); }
TEST_CASE("race: 20,000 dir<->symlink swaps during reads leak nothing (fallback)") { RunSwapRace(true); }
