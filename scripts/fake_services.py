#!/usr/bin/env python3
"""Stand-ins for the outside services of the invoice jobs, for scripts/run.sh and bench/jobs.sh (never production).

    python3 scripts/fake_services.py PORT [--ocr-delay-ms 20]

POST /ocr      a fake OCR service: JSON {"invoice_id", "image": base64, "metadata"} in; images starting with
               "unreadable" get a 422, the rest {"vendor", "total", "text"} after --ocr-delay-ms.
POST /webhook  a completion-webhook receiver: verifies X-Celerity-Signature with CELERITY_WEBHOOK_SECRET (from the
               environment) as docs/postgres-http.md shows, prints one line `webhook verified|rejected DELIVERY BODY`.
Prints `ready` once listening.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: bytes, headers, body: bytes, tolerance: int = 300) -> bool:
    timestamp = headers.get("X-Celerity-Timestamp", "")
    signature = headers.get("X-Celerity-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, signature)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    ocr_delay = 0.02

    def answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/webhook"):
            ok = verify(os.environ.get("CELERITY_WEBHOOK_SECRET", "").encode(), self.headers, body)
            print("webhook", "verified" if ok else "rejected", self.headers.get("X-Celerity-Delivery"),
                  body.decode(), flush=True)
            self.answer(204 if ok else 401, {})
            return
        request = json.loads(body)
        text = base64.b64decode(request["image"]).decode(errors="replace")
        time.sleep(self.ocr_delay)
        if text.startswith("unreadable"):
            self.answer(422, {"error": "cannot read the image"})
        else:
            self.answer(200, {"vendor": "ACME S.A.", "total": str(len(text) * 100), "text": text})

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--ocr-delay-ms", type=float, default=20)
    options = parser.parse_args()
    Handler.ocr_delay = options.ocr_delay_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
