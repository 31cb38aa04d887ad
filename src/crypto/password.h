// Password hashing for dashboard users (SPEC §9): argon2id through libsodium,
// in its self-describing "$argon2id$v=19$m=...,t=...,p=...$salt$hash" form.
//
// Costs are libsodium's INTERACTIVE limits (64 MiB, 2 passes): a hash takes tens
// of milliseconds, so callers on an event loop should run it on a worker thread.
// Thread safety: both functions may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace promptjang {

// A fresh salted argon2id hash of `password`. Internal error if libsodium cannot
// start; ResourceExhausted if the memory for the hash cannot be had.
Result<std::string> hash_password(std::string_view password);

// True when `hash` (as made by hash_password) matches `password`; false for a
// wrong password and for a malformed hash.
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace promptjang
