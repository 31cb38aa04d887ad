// Loading the master key; see master_key.h.
#include "app/master_key.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace promptjang {
namespace {

// The raw key of one setting pair (value or file); "" when neither is set.
Result<std::string> read_key(const std::string& value, const std::string& file,
                             const std::string& value_name, const std::string& file_name) {
  if (!value.empty() && !file.empty())
    return invalid_argument("both " + value_name + " and " + file_name + " are set; set only one");
  std::string text = value;
  std::string setting = value_name;
  if (!file.empty()) {
    setting = file_name + " " + file;
    std::ifstream in(file, std::ios::binary);
    if (!in) return invalid_argument(setting + ": cannot read the file");
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return invalid_argument(setting + ": cannot read the file");
    text = content.str();
  }
  if (value.empty() && file.empty()) return std::string();
  auto key = decode_master_key(text);
  std::fill(text.begin(), text.end(), '\0');
  if (!key) return invalid_argument(setting + ": " + key.status().message());
  return key;
}

}  // namespace

Result<std::shared_ptr<const SecretBox>> load_master_key(const MasterKeySettings& settings) {
  auto current =
      read_key(settings.value, settings.file, "PROMPTJANG_MASTER_KEY", "--master-key-file");
  if (!current) return current.status();
  auto previous = read_key(settings.previous_value, settings.previous_file,
                           "PROMPTJANG_PREVIOUS_MASTER_KEY", "--previous-master-key-file");
  if (!previous) return previous.status();
  if (current->empty()) {
    if (!previous->empty())
      return invalid_argument(
          "a previous master key is set without a current one (PROMPTJANG_MASTER_KEY or "
          "--master-key-file)");
    return std::shared_ptr<const SecretBox>();
  }
  std::vector<std::string> previous_keys;
  if (!previous->empty()) previous_keys.push_back(*previous);
  auto box = SecretBox::create(*current, previous_keys);
  std::fill(current->begin(), current->end(), '\0');
  for (auto& k : previous_keys) std::fill(k.begin(), k.end(), '\0');
  std::fill(previous->begin(), previous->end(), '\0');
  return box;
}

}  // namespace promptjang
