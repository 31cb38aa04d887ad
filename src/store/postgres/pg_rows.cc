// Rows -> models; see pg_rows.h. Column indexes follow the k*Columns lists.
#include "pg_rows.h"

namespace promptjang::pg {

Account read_account(const Row& q) {
  return Account{.id = q.text(0), .name = q.text(1), .plan = q.text(2), .created_at = q.time(3)};
}

User read_user(const Row& q) {
  return User{.id = q.text(0),
              .account_id = q.text(1),
              .email = q.text(2),
              .password_hash = q.text(3),
              .created_at = q.time(4)};
}

Session read_session(const Row& q) {
  return Session{.token_hash = q.text(0),
                 .user_id = q.text(1),
                 .account_id = q.text(2),
                 .csrf_token = q.text(3),
                 .created_at = q.time(4),
                 .expires_at = q.time(5)};
}

ApiKey read_api_key(const Row& q) {
  return ApiKey{.id = q.text(0),
                .account_id = q.text(1),
                .name = q.text(2),
                .prefix = q.text(3),
                .hash = q.text(4),
                .created_at = q.time(5),
                .last_used_at = q.opt_time(6),
                .revoked_at = q.opt_time(7)};
}

Endpoint read_endpoint(const Row& q) {
  return Endpoint{.id = q.text(0),
                  .account_id = q.text(1),
                  .url = q.text(2),
                  .description = q.text(3),
                  .enabled = q.boolean(4),
                  .secret = q.text(5),
                  .previous_secret = q.opt_text(6),
                  .previous_secret_expires_at = q.opt_time(7),
                  .created_at = q.time(8),
                  .updated_at = q.time(9)};
}

Event read_event(const Row& q) {
  Event e;
  e.id = q.text(0);
  e.account_id = q.text(1);
  e.endpoint_id = q.text(2);
  e.event_type = q.opt_text(3);
  // The CHECK constraint of the status column admits only the five names.
  e.status = parse_event_status(q.text(4)).value_or(EventStatus::kQueued);
  e.payload = q.bytes(5);
  e.created_at = q.time(6);
  e.next_attempt_at = q.opt_time(7);
  e.attempt_count = static_cast<int>(q.int64(8));
  e.idempotency_key = q.opt_text(9);
  e.cycle_base = static_cast<int>(q.int64(10));
  e.lease_until = q.opt_time(11);
  return e;
}

Attempt read_attempt(const Row& q) {
  Attempt a;
  a.event_id = q.text(0);
  a.number = static_cast<int>(q.int64(1));
  a.started_at = q.time(2);
  a.duration_ms = q.int64(3);
  if (auto code = q.opt_int64(4)) a.status_code = static_cast<int>(*code);
  a.error = q.opt_text(5);
  a.response_headers = q.text(6);
  a.response_body = q.bytes(7);
  a.response_truncated = q.boolean(8);
  return a;
}

}  // namespace promptjang::pg
