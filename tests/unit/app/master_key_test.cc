// Loading the master key from its settings (app/master_key.h): the
// environment value or a file, a previous key for a rotation, and the errors,
// which name the setting and never echo a key.
#include "app/master_key.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "crypto/base64.h"

namespace promptjang {
namespace {

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pj-key-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  const std::string a_ = base64_encode(std::string(32, 'a'));
  const std::string b_ = base64_encode(std::string(32, 'b'));
  std::filesystem::path dir_;
};

TEST_F(MasterKeyTest, NoSettingNoKey) {
  auto box = load_master_key({});
  ASSERT_TRUE(box);
  EXPECT_EQ(*box, nullptr);
}

TEST_F(MasterKeyTest, TheValueAndTheFileGiveTheSameKey) {
  auto from_value = load_master_key({.value = a_});
  auto from_file = load_master_key({.file = write("k", a_ + "\n")});
  ASSERT_TRUE(from_value) << from_value.status().to_string();
  ASSERT_TRUE(from_file) << from_file.status().to_string();
  EXPECT_EQ(*(*from_file)->open((*from_value)->seal("whsec_x")), "whsec_x");
}

TEST_F(MasterKeyTest, APreviousKeyOpensWhatItSealed) {
  auto old_box = load_master_key({.value = a_});
  auto rotating = load_master_key({.value = b_, .previous_file = write("old", a_)});
  ASSERT_TRUE(rotating) << rotating.status().to_string();
  bool by_previous = false;
  EXPECT_EQ(*(*rotating)->open((*old_box)->seal("s"), &by_previous), "s");
  EXPECT_TRUE(by_previous);
  EXPECT_FALSE((*old_box)->open((*rotating)->seal("s")));
}

TEST_F(MasterKeyTest, BadSettingsNameTheSettingAndNeverTheKey) {
  struct Case {
    MasterKeySettings settings;
    std::string says;
  };
  const std::string short_key = base64_encode(std::string(16, 's'));
  const std::vector<Case> cases{
      {{.value = a_, .file = write("k", a_)}, "both PROMPTJANG_MASTER_KEY and --master-key-file"},
      {{.value = short_key}, "PROMPTJANG_MASTER_KEY: the master key must be base64 of 32 bytes"},
      {{.value = "not-base64-" + short_key}, "PROMPTJANG_MASTER_KEY: the master key is not base64"},
      {{.file = (dir_ / "missing").string()}, "--master-key-file"},
      {{.file = write("empty", "\n")}, "the master key is empty"},
      {{.previous_value = a_}, "without a current one"},
      {{.value = a_, .previous_value = short_key}, "PROMPTJANG_PREVIOUS_MASTER_KEY:"},
      {{.value = a_, .previous_value = b_, .previous_file = write("p", b_)},
       "both PROMPTJANG_PREVIOUS_MASTER_KEY and --previous-master-key-file"},
  };
  for (const auto& c : cases) {
    auto box = load_master_key(c.settings);
    ASSERT_FALSE(box) << c.says;
    EXPECT_EQ(box.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(box.status().message().find(c.says), std::string::npos) << box.status().message();
    EXPECT_EQ(box.status().message().find(short_key), std::string::npos);
    EXPECT_EQ(box.status().message().find(a_), std::string::npos);
  }
}

TEST_F(MasterKeyTest, AFileSettingIsNamedInItsThreeSpellingsWithTheFile) {
  const std::string missing = (dir_ / "missing").string();
  auto box = load_master_key({.file = missing});
  ASSERT_FALSE(box);
  EXPECT_EQ(box.status().message(),
            "--master-key-file (PROMPTJANG_MASTER_KEY_FILE, \"master-key-file\" in the config "
            "file) must name a readable file (No such file or directory), got '" +
                missing + "'");
  const std::string short_file = write("short", base64_encode(std::string(16, 's')));
  box = load_master_key({.value = a_, .previous_file = short_file});
  ASSERT_FALSE(box);
  EXPECT_EQ(box.status().message(),
            "--previous-master-key-file (PROMPTJANG_PREVIOUS_MASTER_KEY_FILE, "
            "\"previous-master-key-file\" in the config file) must name a file holding a master "
            "key (the master key must be base64 of 32 bytes, not of 16), got '" +
                short_file + "'");
  box = load_master_key({.previous_file = write("p", a_)});
  ASSERT_FALSE(box);
  EXPECT_EQ(box.status().message(),
            "a previous master key is set without a current one: --previous-master-key-file "
            "(PROMPTJANG_PREVIOUS_MASTER_KEY_FILE, \"previous-master-key-file\" in the config "
            "file) is set, but neither PROMPTJANG_MASTER_KEY nor --master-key-file "
            "(PROMPTJANG_MASTER_KEY_FILE, \"master-key-file\" in the config file)");
}

}  // namespace
}  // namespace promptjang
