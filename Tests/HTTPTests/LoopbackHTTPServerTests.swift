import Foundation
import TestSupport
import Testing

/// The test HTTP server itself, driven by the `curl` program so that these tests do not depend on the HTTP module.
@Suite struct LoopbackHTTPServerTests {
    @Test func recordsTheRequestAndReturnsTheHandlersResponse() async throws {
        let server = try LoopbackHTTPServer { request in
            .init(status: 201, headers: [("X-Seen", request.method)], body: "got \(request.text)")
        }
        defer { server.stop() }
        let result = try await ChildProcess.run(
            "curl",
            arguments: [
                "-sS", "-i", "-X", "PUT", "-H", "X-Test: yes", "--data-binary", "hello",
                server.url("/a/b?x=1&y=two%20words"),
            ]
        )
        #expect(result.termination.isSuccess, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("HTTP/1.1 201"))
        #expect(result.standardOutput.contains("X-Seen: PUT"))
        #expect(result.standardOutput.hasSuffix("got hello"))
        let request = try #require(server.requests.first)
        #expect(request.method == "PUT")
        #expect(request.path == "/a/b")
        #expect(request.query == ["x": "1", "y": "two words"])
        #expect(request.header("x-test") == "yes")
        #expect(request.text == "hello")
    }

    @Test func aHangingResponseTimesTheClientOutAndStopReleasesIt() async throws {
        let server = try LoopbackHTTPServer { _ in .hang }
        let started = ContinuousClock.now
        let result = try await ChildProcess.run("curl", arguments: ["-sS", "--max-time", "1", server.url("/")])
        #expect(!result.termination.isSuccess)
        #expect(ContinuousClock.now - started >= .milliseconds(900))
        #expect(server.requests.count == 1)
        server.stop()
        server.stop()
    }

    @Test func aLargeBodyArrivesWhole() async throws {
        let server = try LoopbackHTTPServer { request in .init(status: 200, body: "\(request.body.count)") }
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("loopback-\(UUID()).bin")
        try Data(repeating: 0x61, count: 3 << 20).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await ChildProcess.run(
            "curl", arguments: ["-sS", "--data-binary", "@\(file.path)", server.url("/upload")]
        )
        #expect(result.standardOutput == "\(3 << 20)")
    }
}
