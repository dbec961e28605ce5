#!/usr/bin/env python3
"""hook_recv.py DIR — a webhook receiver for the alert tests.

Listens on a free loopback port and prints "port N" on stdout. Each POST
body is appended as one line to DIR/bodies (with its path to DIR/paths).
While DIR/fail exists, it answers 500 and records nothing (a receiver
that is down, as far as the sender can tell). Each request's
Idempotency-Key header ("-" when none) goes to DIR/keys as it arrives;
while DIR/hold exists (at most 30 s) the answer waits after that, so a
test can kill the sender between its send and its record."""
import http.server
import os
import sys
import time

DIR = sys.argv[1]


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with open(os.path.join(DIR, "keys"), "a") as f:
            f.write(self.headers.get("idempotency-key", "-") + "\n")
        for _ in range(300):
            if not os.path.exists(os.path.join(DIR, "hold")):
                break
            time.sleep(0.1)
        if os.path.exists(os.path.join(DIR, "fail")):
            self.send_response(500)
            self.end_headers()
            return
        with open(os.path.join(DIR, "bodies"), "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        with open(os.path.join(DIR, "paths"), "a") as f:
            f.write(self.path + "\n")
        try:
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass            # the sender is gone (killed while the answer waited)

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
print("port", srv.server_address[1], flush=True)
srv.serve_forever()
