// Endpoint secrets at rest; see endpoint_secrets.h.
#include "store/endpoint_secrets.h"

namespace promptjang::secrets {
namespace {

Status no_key(std::string_view endpoint_id) {
  return failed_precondition("endpoint " + std::string(endpoint_id) +
                             ": its signing secret is sealed with a master key, and no master key "
                             "is configured (set " +
                             std::string(kMasterKeySettings) + ")");
}

Status wrong_key(std::string_view endpoint_id) {
  return failed_precondition("endpoint " + std::string(endpoint_id) +
                             ": its signing secret opens with none of the configured master keys "
                             "(" +
                             std::string(kMasterKeySettings) +
                             "): it was sealed with another key, or altered");
}

Result<std::string> open_value(const SecretBox* box, const std::string& stored,
                               std::string_view endpoint_id) {
  if (!SecretBox::is_sealed(stored)) return stored;
  if (box == nullptr) return no_key(endpoint_id);
  auto plain = box->open(stored);
  if (!plain) return wrong_key(endpoint_id);
  return plain;
}

}  // namespace

Endpoint for_storage(const SecretBox* box, Endpoint e) {
  if (box == nullptr) return e;
  e.secret = box->seal(e.secret);
  if (e.previous_secret) e.previous_secret = box->seal(*e.previous_secret);
  return e;
}

Status open_stored(const SecretBox* box, Endpoint& e) {
  auto secret = open_value(box, e.secret, e.id);
  if (!secret) return secret.status();
  e.secret = std::move(*secret);
  if (e.previous_secret) {
    auto previous = open_value(box, *e.previous_secret, e.id);
    if (!previous) return previous.status();
    e.previous_secret = std::move(*previous);
  }
  return Status();
}

Result<std::vector<Rewrite>> check_all(const SecretBox* box, const std::vector<StoredSecrets>& rows,
                                       bool seal, SecretsCheck* check) {
  std::vector<Rewrite> rewrites;
  // One stored value: counted, and replaced in `after` when it is to be rewritten.
  auto one = [&](const std::string& stored, std::string& after, const std::string& id,
                 bool& changed) -> Status {
    ++check->values;
    if (SecretBox::is_sealed(stored)) {
      if (box == nullptr) return no_key(id);
      bool by_previous = false;
      auto plain = box->open(stored, &by_previous);
      if (!plain) return wrong_key(id);
      if (by_previous && seal) {
        after = box->seal(*plain);
        changed = true;
        ++check->resealed;
      }
    } else if (box != nullptr && seal) {
      after = box->seal(stored);
      changed = true;
      ++check->sealed_now;
    }
    if (SecretBox::is_sealed(after)) ++check->sealed;
    return Status::ok();
  };
  for (const StoredSecrets& row : rows) {
    Rewrite r{row, row};
    bool changed = false;
    PJ_RETURN_IF_ERROR(one(row.secret, r.after.secret, row.id, changed));
    if (row.previous_secret)
      PJ_RETURN_IF_ERROR(one(*row.previous_secret, *r.after.previous_secret, row.id, changed));
    if (changed) rewrites.push_back(std::move(r));
  }
  return rewrites;
}

}  // namespace promptjang::secrets
