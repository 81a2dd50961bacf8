"""Webhook latency (bench/run): registers HOOKS webhooks for `event.created` pointing at a
receiver started here, records COUNT concertations one after another as a lead (an event is
public: every hook's owner sees it), and measures, for every (hook, event), the time from the
creation's answer to the delivery's arrival.
Prints: `p50_ms p99_ms max_ms received expected`.
Usage: webhooks.py BASE OBSERVER_TOKEN LEAD_TOKEN HOOKS COUNT"""

import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE, OBSERVER, LEAD = sys.argv[1], sys.argv[2], sys.argv[3]
HOOKS, COUNT = int(sys.argv[4]), int(sys.argv[5])

arrivals = {}  # (path, project id) -> arrival time
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
        with lock:
            arrivals.setdefault((self.path, body["data"]["id"]), time.monotonic())
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]


def call(method, path, token, body):
    request = urllib.request.Request(
        BASE + path, method=method, data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


hooks = [call("POST", "/api/v1/webhooks", OBSERVER,
              {"url": f"http://127.0.0.1:{port}/hook{n}", "types": ["event.created"]})["id"]
         for n in range(HOOKS)]
answered = {}
for n in range(COUNT):
    event = call("POST", "/api/v1/events", LEAD, {
        "programme": "education", "territory": "department:69", "kind": "workshop",
        "title": f"Atelier de mesure des webhooks {n}", "starts_at": "2026-03-14T18:30:00Z",
        "attendance": {"parents": 12}})
    answered[event["id"]] = time.monotonic()
    time.sleep(0.02)
deadline = time.monotonic() + 30
expected = HOOKS * COUNT
while time.monotonic() < deadline:
    with lock:
        if len(arrivals) >= expected:
            break
    time.sleep(0.05)
with lock:
    latencies = sorted((at - answered[pid]) * 1000 for (_, pid), at in arrivals.items() if pid in answered)
for hook in hooks:
    call("DELETE", f"/api/v1/webhooks/{hook}", OBSERVER, {})


def pct(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")


print(f"{pct(0.5):.1f} {pct(0.99):.1f} {latencies[-1] if latencies else float('nan'):.1f} "
      f"{len(latencies)} {expected}")
