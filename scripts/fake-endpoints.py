#!/usr/bin/env python3
"""Local stand-ins for what inflation.update and secrets.rotate_jwt talk to, for scripts/run.sh:

  GET  /series    the datos.gob.ar series API shape (INDEC CPI, percent_change) with the last three months
  POST /reload    a service's reload hook (204)
  GET  /healthz   a service's health URL (200)
  POST /slack     a Slack incoming webhook: prints each message's text on standard output

Usage: fake-endpoints.py PORT_FILE  (binds a free loopback port and writes it to PORT_FILE).
"""
import datetime
import http.server
import json
import sys


def months_back(count):
    today = datetime.date.today()
    year, month = today.year, today.month
    result = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        result.append(f"{year:04d}-{month:02d}-01")
    return list(reversed(result))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/series"):
            rows = [[day, rate] for day, rate in zip(months_back(3), [0.027, 0.024, 0.031])]
            self.answer(200, json.dumps({"data": rows, "count": len(rows), "meta": [], "params": {}}))
        elif self.path.startswith("/healthz"):
            self.answer(200, "ok")
        else:
            self.answer(404, "not found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/reload"):
            self.answer(204, "")
        elif self.path.startswith("/slack"):
            print("slack:", json.loads(body or b"{}").get("text", ""), flush=True)
            self.answer(200, "ok")
        else:
            self.answer(404, "not found")

    def answer(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as port_file:
    port_file.write(str(server.server_address[1]))
server.serve_forever()
