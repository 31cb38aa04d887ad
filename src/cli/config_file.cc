// Config file defaults; see config_file.h.
#include "cli/config_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cli/serve_options.h"

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
  const std::string file = "config file " + promptjang::quoted(path);
  errno = 0;
  std::ifstream in(path);
  if (!in) {
    const std::string why = errno ? std::string(" (") + std::strerror(errno) + ")" : "";
    return invalid_argument("cannot read the " + file + " named by --config or PROMPTJANG_CONFIG" +
                            why);
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const std::exception& e) {
    return invalid_argument(file + ": " + e.what());
  }
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    std::string key = item.fullname();
    if (key == "config") continue;
    CLI::Option* opt = cmd.get_option_no_throw("--" + key);
    if (!opt)
      return invalid_argument(file + ": unknown setting \"" + key +
                              "\" (the keys are the flags without \"--\", as in "
                              "promptjang.example.toml)");
    std::string value;
    for (size_t i = 0; i < item.inputs.size(); ++i) value += (i ? "," : "") + item.inputs[i];
    // `key =` with nothing after it reads as "", which CLI11 would take as 0
    // for a number.
    if (value.empty() && opt->get_type_name() != "TEXT")
      return invalid_argument(file + ": " + unreadable_value(*opt, value).message());
    try {
      opt->default_val(value);
    } catch (const CLI::Error&) {
      return invalid_argument(file + ": " + unreadable_value(*opt, value).message());
    } catch (const std::exception& e) {
      return invalid_argument(file + ": bad value for \"" + key + "\": " + e.what());
    }
  }
  return Status::ok();
}

}  // namespace promptjang
