#!/usr/bin/env python3
"""Local stand-ins for the outside services of the jobs, for scripts/run.sh and bench/jobs.sh (never production).

    python3 scripts/fake_services.py PORT_FILE [--ocr-delay-ms 20]

Binds a free loopback port and writes it to PORT_FILE. Endpoints:

POST /ocr      a fake OCR service: JSON {"invoice_id", "image": base64, "metadata"} in; images starting with
               "unreadable" get a 422, the rest {"vendor", "total", "text"} after --ocr-delay-ms.
POST /webhook  a completion-webhook receiver: verifies X-Celerity-Signature (version 2) with its receiver key, derived
               from CELERITY_WEBHOOK_SECRET (environment) and its origin as docs/jobs.md shows; prints one line
               `webhook verified|rejected DELIVERY BODY`.
GET  /series   the datos.gob.ar series API shape (INDEC CPI, percent_change) with the last three months.
POST /reload   a service's reload hook (204).
GET  /healthz  a service's health URL (200).
POST /slack    a Slack incoming webhook: prints `slack: TEXT` for each message.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(key: bytes, headers, body: bytes, tolerance: int = 300) -> bool:
    timestamp = headers.get("X-Celerity-Timestamp", "")
    if headers.get("X-Celerity-Signature-Version") != "2":
        return False
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    event, delivery = headers.get("X-Celerity-Event", ""), headers.get("X-Celerity-Delivery", "")
    signed = f"{timestamp}.{event}.{delivery}.".encode() + body
    expected = hmac.new(key, signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, headers.get("X-Celerity-Signature", ""))


def receiver_key(secret: bytes, origin: str) -> bytes:
    """What the operator gives the receiver at `origin` (scheme://host:port): HMAC(secret, origin), hex."""
    return hmac.new(secret, origin.encode(), hashlib.sha256).hexdigest().encode()


def months_back(count: int) -> list:
    today = datetime.date.today()
    year, month = today.year, today.month
    result = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        result.append(f"{year:04d}-{month:02d}-01")
    return list(reversed(result))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    ocr_delay = 0.02

    def answer(self, status: int, payload) -> None:
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        if not isinstance(payload, str):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/series"):
            rows = [[day, rate] for day, rate in zip(months_back(3), [0.027, 0.024, 0.031])]
            self.answer(200, {"data": rows, "count": len(rows), "meta": [], "params": {}})
        elif self.path.startswith("/healthz"):
            self.answer(200, "ok")
        else:
            self.answer(404, "not found")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/webhook"):
            origin = f"http://127.0.0.1:{self.server.server_address[1]}"
            key = receiver_key(os.environ.get("CELERITY_WEBHOOK_SECRET", "").encode(), origin)
            ok = verify(key, self.headers, body)
            print("webhook", "verified" if ok else "rejected", self.headers.get("X-Celerity-Delivery"),
                  body.decode(), flush=True)
            self.answer(204 if ok else 401, "")
        elif self.path.startswith("/ocr"):
            request = json.loads(body)
            text = base64.b64decode(request["image"]).decode(errors="replace")
            time.sleep(self.ocr_delay)
            if text.startswith("unreadable"):
                self.answer(422, {"error": "cannot read the image"})
            else:
                self.answer(200, {"vendor": "ACME S.A.", "total": str(len(text) * 100), "text": text})
        elif self.path.startswith("/reload"):
            self.answer(204, "")
        elif self.path.startswith("/slack"):
            print("slack:", json.loads(body or b"{}").get("text", ""), flush=True)
            self.answer(200, "ok")
        else:
            self.answer(404, "not found")

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("--ocr-delay-ms", type=float, default=20)
    options = parser.parse_args()
    Handler.ocr_delay = options.ocr_delay_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(options.port_file + ".tmp", "w") as port_file:
        port_file.write(str(server.server_address[1]))
    os.rename(options.port_file + ".tmp", options.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
