// The master key that seals endpoint signing secrets at rest
// (crypto/secret_box.h, store/endpoint_secrets.h), from its settings:
//   - PROMPTJANG_MASTER_KEY: the key itself, base64 of 32 bytes (an
//     environment variable only, never a flag, so it is not in `ps` output);
//   - --master-key-file FILE (PROMPTJANG_MASTER_KEY_FILE, `master-key-file`
//     in the config file): a file holding the same text.
// and, while the master key is being rotated, the key it replaces:
//   - PROMPTJANG_PREVIOUS_MASTER_KEY or --previous-master-key-file FILE
//     (PROMPTJANG_PREVIOUS_MASTER_KEY_FILE, `previous-master-key-file`).
// Setting both forms of one key is an error (which one would win is not
// obvious to an operator), and so is a previous key without a current one.
// Errors name the setting and never echo a key.
// Thread safety: pure functions (files are read once, at start-up).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "crypto/secret_box.h"

namespace promptjang {

struct MasterKeySettings {
  std::string value{};           // PROMPTJANG_MASTER_KEY, "" when unset
  std::string file{};            // --master-key-file, "" when unset
  std::string previous_value{};  // PROMPTJANG_PREVIOUS_MASTER_KEY
  std::string previous_file{};   // --previous-master-key-file
};

// The SecretBox of the configured key (and previous key); null when no key is
// given. InvalidArgument for a bad combination, an unreadable file or a value
// that is not base64 of 32 bytes.
Result<std::shared_ptr<const SecretBox>> load_master_key(const MasterKeySettings& settings);

}  // namespace promptjang
