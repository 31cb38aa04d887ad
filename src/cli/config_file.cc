// Config file defaults; see config_file.h.
#include "cli/config_file.h"

#include <cstdlib>
#include <fstream>

namespace promptjang {

std::optional<std::string> find_config_path(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) return std::string(argv[i + 1]);
    if (a.rfind("--config=", 0) == 0) return a.substr(9);
  }
  if (const char* env = std::getenv("PROMPTJANG_CONFIG"); env && *env) return std::string(env);
  return std::nullopt;
}

Status apply_config_file(CLI::App& cmd, const std::string& path) {
  std::ifstream in(path);
  if (!in) return invalid_argument("cannot read config file " + path);
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const std::exception& e) {
    return invalid_argument("config file " + path + ": " + e.what());
  }
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    std::string key = item.fullname();
    if (key == "config") continue;
    CLI::Option* opt = cmd.get_option_no_throw("--" + key);
    if (!opt) return invalid_argument("config file " + path + ": unknown setting '" + key + "'");
    std::string value;
    for (size_t i = 0; i < item.inputs.size(); ++i) value += (i ? "," : "") + item.inputs[i];
    try {
      opt->default_val(value);
    } catch (const std::exception& e) {
      return invalid_argument("config file " + path + ": bad value for '" + key + "': " + e.what());
    }
  }
  return Status::ok();
}

}  // namespace promptjang
