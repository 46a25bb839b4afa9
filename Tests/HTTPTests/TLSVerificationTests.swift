import Foundation
import HTTP
import TestSupport
import Testing

/// TLS verification cannot be switched off: a server with a self-signed certificate is refused.
@Suite struct TLSVerificationTests {
    static let pythonTLSServer = #"""
        import http.server, ssl, sys

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"secret payload")
            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print("ready", flush=True)
        server.serve_forever()
        """#

    @Test func aSelfSignedCertificateIsRefusedAsPermanent() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let made = try await ChildProcess.run(
            "openssl",
            arguments: [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ]
        )
        #expect(made.termination.isSuccess, "\(made.standardError)")
        let port = try FreePort.allocate()
        try await withChildProcess("python3", arguments: ["-c", Self.pythonTLSServer, "\(port)", certificate, key]) {
            server in
            try await poll(timeout: .seconds(20), "the Python TLS server is listening") {
                if !server.isRunning { throw HarnessError(.processFailed, server.diagnostics()) }
                return server.output.contains("ready")
            }
            let error = try #require(throws: HTTPError.self) {
                try HTTPClient(logger: LogRecorder().logger).send(HTTPRequest(url: "https://127.0.0.1:\(port)/"))
            }
            #expect(error.code == .tls, "\(error)")
            #expect(!error.isTransient)
        }
    }
}
