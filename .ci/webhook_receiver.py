"""A webhook receiver for .ci/webhooks: records each request (headers and raw body) as one JSON
line, answers 200. Usage: webhook_receiver.py PORT FILE"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, FILE = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        record = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()}
        with open(FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
