import Broker
import HTTP
import TestSupport
import Testing

/// `HTTPError` as a ``TransientError``, read through the protocol as a retry filter does, against a real
/// loopback server: 408, 429, 5xx, timeouts and refused connections are transient; other 4xx and an invalid
/// request are permanent.
@Suite struct HTTPTransientErrorTests {
    let log = LogRecorder()
    var client: HTTPClient { HTTPClient(logger: log.logger) }

    @Test(arguments: [(429, true), (503, true), (500, true), (408, true), (404, false), (403, false), (400, false)])
    func errorStatusesThroughTheProtocol(status: Int, transient: Bool) throws {
        let server = try LoopbackHTTPServer { _ in .init(status: status, body: "no") }
        defer { server.stop() }
        let error = try #require(throws: HTTPError.self) { try client.send(HTTPRequest(url: server.url("/"))) }
        #expect(error.status == status)
        #expect(isTransient(error) == transient)
    }

    @Test func timeoutAndRefusalAreTransientAnInvalidRequestIsPermanent() throws {
        let server = try LoopbackHTTPServer { _ in .hang }
        defer { server.stop() }
        let timedOut = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: server.url("/slow"), timeout: .milliseconds(300)))
        }
        #expect(timedOut.code == .timeout && isTransient(timedOut))

        let refused = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: "http://127.0.0.1:\(try FreePort.allocate())/x"))
        }
        #expect(refused.code == .connectionFailed && isTransient(refused))

        let invalid = try #require(throws: HTTPError.self) { try client.send(HTTPRequest(url: "gopher://127.0.0.1/x")) }
        #expect(invalid.code == .invalidRequest && !isTransient(invalid))
    }

    private func isTransient(_ error: any Error) -> Bool { (error as? any TransientError)?.isTransient ?? false }
}
