#!/usr/bin/env python3
"""Verifies one captured delivery as a customer's receiver would.

Usage: verify_signatures.py SECRET BODY_FILE HEADERS_JSON_FILE [OLD_SECRET]

1. X-PromptJang-Signature with the FAQ's check, unchanged (SPEC section 5).
2. webhook-signature with an independent Standard Webhooks verifier (written
   here from the published scheme, not from PromptJang's code): key = base64 of
   the part after "whsec_", message = "{id}.{timestamp}.{body}", any of the
   space-separated "v1,<base64>" signatures may match.
Prints one line per check and exits non-zero if any fails.
"""
import base64
import hashlib
import hmac
import json
import sys


# The FAQ's receiver check, exactly as customers copy it.
def verify_signature(payload_body, signature_header, secret):
    expected = hmac.new(
        secret.encode(),
        payload_body,
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature_header)


def verify_standard_webhooks(secret, headers, body):
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


def main():
    secret, body_file, headers_file = sys.argv[1:4]
    old_secret = sys.argv[4] if len(sys.argv) > 4 else None
    body = open(body_file, "rb").read()
    headers = json.load(open(headers_file))
    ok = True
    checks = [
        ("faq", verify_signature(body, headers["x-promptjang-signature"], secret)),
        ("standard", verify_standard_webhooks(secret, headers, body)),
    ]
    if old_secret:
        checks.append(("standard-old", verify_standard_webhooks(old_secret, headers, body)))
    for name, result in checks:
        print(f"{name}: {'ok' if result else 'FAILED'}")
        ok = ok and result
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
