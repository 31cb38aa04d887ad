// Endpoint signing secrets at rest: what both SQL back ends do to an
// endpoint's secret and previous_secret on the way into and out of the
// database, and the start-up check of what is stored.
//
// With a master key (a SecretBox handed to the store at open) every secret the
// store writes is sealed ("pjsb1:..."); every secret it reads is opened, so
// everything above the store sees plaintext "whsec_..." as before. Without a
// key secrets are written as they are. A read meets:
//   - plaintext: returned as it is (a key configured for the first time; the
//     start-up check seals them);
//   - sealed, and a key that opens it (the current one or, while the master
//     key is being rotated, a previous one): the plaintext;
//   - sealed, and no key or another key: FailedPrecondition naming the
//     setting. The endpoint cannot be used (the dispatcher leaves its events
//     waiting): nothing is ever sent unsigned or signed with garbage.
// Pure functions; thread-safe (SecretBox is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/secret_box.h"
#include "model/endpoint.h"
#include "store/store.h"

namespace promptjang::secrets {

// The settings an operator sets the master key with, for error messages.
inline constexpr std::string_view kMasterKeySettings = "PROMPTJANG_MASTER_KEY or --master-key-file";

// `e` as it is written: its secrets sealed when `box` is set.
Endpoint for_storage(const SecretBox* box, Endpoint e);

// Opens the secrets of `e` as read from the database (see above).
Status open_stored(const SecretBox* box, Endpoint& e);

// An endpoint's stored secrets, as Store::check_endpoint_secrets reads them.
struct StoredSecrets {
  std::string id;
  std::string secret;
  std::optional<std::string> previous_secret;
};
struct Rewrite {
  StoredSecrets before;  // written only where the row still holds these
  StoredSecrets after;
};
// Checks every stored value, counted into *check, and returns the rows to
// rewrite: with `box` and `seal`, plaintext values sealed, and values sealed
// with a previous master key sealed again with the current one.
// FailedPrecondition naming the setting for a sealed value without a key or
// that opens with none of the box's keys.
Result<std::vector<Rewrite>> check_all(const SecretBox* box, const std::vector<StoredSecrets>& rows,
                                       bool seal, SecretsCheck* check);

}  // namespace promptjang::secrets
