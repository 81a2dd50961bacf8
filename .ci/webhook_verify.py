"""Verifies the deliveries recorded by webhook_receiver.py with an implementation independent of
Terrain's: PyPI `standardwebhooks`. Usage: webhook_verify.py SECRET FILE EXPECTED_TYPES..."""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

secret, path, expected = sys.argv[1], sys.argv[2], sys.argv[3:]
hook = Webhook(secret)
records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
types = []
for record in records:
    payload = hook.verify(record["body"], record["headers"])
    types.append(payload["type"])
    assert payload["data"]["id"], payload
    # A body changed by one character must not verify.
    try:
        hook.verify(record["body"].replace("}", " }", 1), record["headers"])
    except WebhookVerificationError:
        pass
    else:
        raise SystemExit("a tampered body verified")
ids = [r["headers"]["webhook-id"] for r in records]
assert len(set(ids)) == len(ids), f"one webhook-id per change: {ids}"
assert sorted(types) == sorted(expected), f"received {types}, expected {expected}"
print(f"{len(records)} deliveries verified by standardwebhooks: {', '.join(types)}")
