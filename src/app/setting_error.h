// The errors of `promptjang serve`'s settings. Each setting has three
// spellings, all derived from its flag: `--lease` is also the environment
// variable PROMPTJANG_LEASE and the key `lease` of the TOML config file. An
// operator may have used any of them, so every error about a setting names all
// three, what the setting takes, and the value it got:
//
//   --lease (PROMPTJANG_LEASE, "lease" in the config file) must be 1 to 3600 seconds, got 0.5
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "core/status.h"

namespace promptjang {

// "--lease" -> `--lease (PROMPTJANG_LEASE, "lease" in the config file)`.
std::string setting_names(std::string_view flag);

// A value as an error message shows it: text in single quotes (control
// characters escaped as \xNN), numbers in their shortest exact form (0.5, 3601,
// nan, inf).
std::string shown_value(std::string_view text);
std::string shown_value(double number);
std::string shown_value(long long number);
std::string shown_value(unsigned long long number);

// InvalidArgument "<setting_names(flag)> <rule>, got <shown_value(got)>". A
// `rule` says what the setting takes: "must be 1 to 3600 seconds".
template <typename T>
Status setting_error(std::string_view flag, std::string_view rule, const T& got) {
  std::string value;
  if constexpr (std::is_floating_point_v<T>)
    value = shown_value(static_cast<double>(got));
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    value = shown_value(static_cast<long long>(got));
  else if constexpr (std::is_integral_v<T>)
    value = shown_value(static_cast<unsigned long long>(got));
  else
    value = shown_value(std::string_view(got));
  std::string message = setting_names(flag);
  message.append(" ").append(rule).append(", got ").append(value);
  return invalid_argument(std::move(message));
}

}  // namespace promptjang
