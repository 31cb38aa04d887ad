// Time-sortable prefixed ids.
#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace promptjang {
namespace {

class CountingRandom final : public Random {
 public:
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = static_cast<uint8_t>(n_++);
  }

 private:
  int n_ = 7;
};

TEST(IdsTest, PrefixedAndWellFormed) {
  FakeClock clock;
  CountingRandom rnd;
  IdGenerator ids(clock, rnd);
  std::string id = ids.next(id_prefix::kEvent);
  EXPECT_EQ(id.size(), 4u + 26u);
  EXPECT_TRUE(is_well_formed_id(id, id_prefix::kEvent));
  EXPECT_FALSE(is_well_formed_id(id, id_prefix::kEndpoint));
  EXPECT_FALSE(is_well_formed_id("evt_short", id_prefix::kEvent));
  EXPECT_FALSE(is_well_formed_id("evt_" + std::string(26, 'U'), id_prefix::kEvent));
}

TEST(IdsTest, SortInCreationOrderWithinAndAcrossMilliseconds) {
  FakeClock clock;
  CountingRandom rnd;
  IdGenerator ids(clock, rnd);
  std::string prev = ids.next("evt_");
  for (int i = 0; i < 2000; ++i) {
    if (i % 100 == 0) clock.advance(std::chrono::milliseconds(1));
    std::string id = ids.next("evt_");
    EXPECT_LT(prev, id);
    prev = id;
  }
}

TEST(IdsTest, ClockSteppingBackKeepsOrder) {
  FakeClock clock;
  CountingRandom rnd;
  IdGenerator ids(clock, rnd);
  std::string a = ids.next("evt_");
  clock.advance(-std::chrono::seconds(5));
  std::string b = ids.next("evt_");
  EXPECT_LT(a, b);
}

TEST(IdsTest, Unique) {
  SystemClock clock;
  CountingRandom rnd;
  IdGenerator ids(clock, rnd);
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(ids.next("ep_")).second);
}

}  // namespace
}  // namespace promptjang
