/// The receiver from docs/postgres-http.md: the 10-line `verify` plus a stdlib HTTP server around it.
/// The secret comes from the environment, never the command line.
public enum PythonWebhookReceiver {
    /// Run it as `python3 -c script PORT` with `CELERITY_WEBHOOK_SECRET` in its environment; it prints `ready`,
    /// then one line per request: `verified|rejected DELIVERY_ID BODY`, and answers 204 or 401.
    public static let script = #"""
        import hashlib, hmac, os, sys, time
        from http.server import BaseHTTPRequestHandler, HTTPServer

        def verify(secret: bytes, headers, body: bytes, tolerance: int = 300) -> bool:
            timestamp = headers.get("X-Celerity-Timestamp", "")
            signature = headers.get("X-Celerity-Signature", "")
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
                return False
            expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            return hmac.compare_digest("sha256=" + expected, signature)

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(os.environ["CELERITY_WEBHOOK_SECRET"].encode(), self.headers, body)
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
