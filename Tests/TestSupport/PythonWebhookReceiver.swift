/// The receiver from docs/jobs.md: the 10-line `verify` (signature version 2) plus a stdlib HTTP server around it,
/// with its receiver key derived from `CELERITY_WEBHOOK_SECRET` and its own origin (`http://127.0.0.1:PORT`).
/// The secret comes from the environment, never the command line.
public enum PythonWebhookReceiver {
    /// Run it as `python3 -c script PORT` with `CELERITY_WEBHOOK_SECRET` in its environment; it prints `ready`,
    /// then one line per request: `verified|rejected DELIVERY_ID BODY`, and answers 204 or 401.
    public static let script = #"""
        import hashlib, hmac, os, sys, time
        from http.server import BaseHTTPRequestHandler, HTTPServer

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

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                origin = f"http://127.0.0.1:{self.server.server_address[1]}"
                ok = verify(receiver_key(os.environ["CELERITY_WEBHOOK_SECRET"].encode(), origin), self.headers, body)
                print("verified" if ok else "rejected", self.headers["X-Celerity-Delivery"], body.decode(), flush=True)
                self.send_response(204 if ok else 401)
                self.end_headers()
            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver)
        print("ready", flush=True)
        server.serve_forever()
        """#
}
