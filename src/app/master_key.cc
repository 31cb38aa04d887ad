// Loading the master key; see master_key.h.
#include "app/master_key.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "app/setting_error.h"

namespace promptjang {
namespace {

// Why a file could not be read: " (No such file or directory)", or "" when
// the library left no errno.
std::string reason(int err) { return err ? " (" + std::string(std::strerror(err)) + ")" : ""; }

// The raw key of one setting pair: `value_name`, an environment variable, or
// `file_flag`, a flag of a file (with its environment variable and config file
// key); "" when neither is set. Errors name the settings, and the file, never
// the key.
Result<std::string> read_key(const std::string& value, const std::string& file,
                             const std::string& value_name, const std::string& file_flag) {
  if (!value.empty() && !file.empty())
    return invalid_argument("both " + value_name + " and " + setting_names(file_flag) +
                            " are set; set only one");
  if (value.empty() && file.empty()) return std::string();
  std::string text = value;
  if (!file.empty()) {
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) return setting_error(file_flag, "must name a readable file" + reason(errno), file);
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return setting_error(file_flag, "must name a readable file", file);
    text = content.str();
  }
  auto key = decode_master_key(text);
  std::fill(text.begin(), text.end(), '\0');
  if (!key) {
    if (file.empty()) return invalid_argument(value_name + ": " + key.status().message());
    return setting_error(
        file_flag, "must name a file holding a master key (" + key.status().message() + ")", file);
  }
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
          "a previous master key is set without a current one: " +
          (settings.previous_file.empty() ? std::string("PROMPTJANG_PREVIOUS_MASTER_KEY")
                                          : setting_names("--previous-master-key-file")) +
          " is set, but neither PROMPTJANG_MASTER_KEY nor " + setting_names("--master-key-file"));
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
