#!/usr/bin/env python3
"""A webhook receiver for LLM Scheduler that checks every delivery's signature.

    LLMSCHED_WEBHOOK_SECRET=whsec_... python3 webhook_receiver.py [PORT]

Standard library only. Each POST carries
    X-LLMSched-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
keyed with the webhook's secret (its UTF-8 bytes). A delivery is genuine when
the HMAC matches and t is recent (here: within 5 minutes, against replays).
Deliveries are at least once: use X-LLMSched-Delivery to skip one seen before.
Answer 2xx quickly; anything else (or no answer in 10 s) is retried later.
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["LLMSCHED_WEBHOOK_SECRET"].encode()
TOLERANCE_SECONDS = 300
seen = set()


def verify(header: str, body: bytes) -> bool:
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - t) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(SECRET, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))  # the raw bytes: sign-checked before parsing
        if not verify(self.headers.get("X-LLMSched-Signature", ""), body):
            self.send_response(401)
            self.end_headers()
            print("rejected: bad signature", flush=True)
            return
        delivery = self.headers.get("X-LLMSched-Delivery")
        if delivery not in seen:
            seen.add(delivery)
            event = json.loads(body)
            data = event["data"]
            print(f"verified {event['type']} {data.get('id')} {data.get('state', '')}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
