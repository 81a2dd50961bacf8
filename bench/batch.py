#!/usr/bin/env python3
"""One batch of the review API, timed: the projects of a tab of the queue, an action, the time
from `POST /api/v1/batches` to the last outcome, and the outcomes.

Usage: batch.py BASE TOKEN ACTION TAB COUNT IDS_FILE
  With ACTION = "-", only writes the ids of up to COUNT projects of TAB (queue order) to IDS_FILE.
  Otherwise reads IDS_FILE, runs the batch, and prints `seconds done skipped failed`.
"""

import json
import sys
import time
import urllib.request
import uuid

base, token, action, tab, count, ids_file = sys.argv[1:7]
count = int(count) if count != "-" else 0


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
        request.add_header("Idempotency-Key", str(uuid.uuid4()))
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


if action == "-":
    ids, cursor = [], None
    while len(ids) < count:
        page = call("GET", f"/api/v1/review/queue?tab={tab}&limit=100" + (f"&cursor={cursor}" if cursor else ""))
        ids += [p["id"] for p in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    with open(ids_file, "w") as out:
        out.write("\n".join(ids[:count]) + "\n")
    sys.exit(0)

ids = [line.strip() for line in open(ids_file) if line.strip()]
body = {"action": action, "project_ids": ids}
if action in ("reject", "request_changes"):
    body["comment"] = "Décision de la commission."
start = time.monotonic()
batch = call("POST", "/api/v1/batches", body)
batch["status"] = "running"
while batch["status"] != "done":
    if time.monotonic() - start > 300:
        sys.exit("the batch did not finish in 300 s")
    time.sleep(0.05)
    batch = call("GET", f"/api/v1/batches/{batch['id']}")
seconds = time.monotonic() - start
outcomes = [r["outcome"] for r in batch["results"]]
print(f"{seconds:.2f} {outcomes.count('done')} {outcomes.count('skipped')} {outcomes.count('failed')}")
