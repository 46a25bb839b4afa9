import Broker
import Foundation
import HTTP
import Logging
import TestSupport
import Testing

@Suite struct HTTPClientTests {
    let log = LogRecorder()
    var client: HTTPClient { HTTPClient(logger: log.logger) }

    @Test func sendsMethodHeadersAndABodyWithNULAndReturnsTheResponse() throws {
        let server = try LoopbackHTTPServer { request in
            .init(status: 200, headers: [("X-Echo", request.header("x-token") ?? "")], body: request.body)
        }
        defer { server.stop() }
        let body: [UInt8] = [0x61, 0x00, 0x62, 0x0A]
        let response = try client.send(
            HTTPRequest(method: .put, url: server.url("/items/7?full=1"), headers: [("X-Token", "abc")], body: body)
        )
        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(response.header("x-echo") == "abc")
        let request = try #require(server.requests.first)
        #expect(request.method == "PUT")
        #expect(request.path == "/items/7")
        #expect(request.query["full"] == "1")
        #expect(request.body == body)
        #expect(request.header("expect") == nil)
    }

    @Test func oneClientServesManyRequestsInARow() throws {
        let server = try LoopbackHTTPServer { request in .init(status: 200, body: request.path) }
        defer { server.stop() }
        let client = self.client
        for index in 0..<20 {
            #expect(try client.send(HTTPRequest(url: server.url("/\(index)"))).text == "/\(index)")
        }
    }

    @Test func aSlowServerTimesOutAsATransientError() throws {
        let server = try LoopbackHTTPServer { _ in .hang }
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: server.url("/slow"), timeout: .milliseconds(300)))
        }
        #expect(error.code == .timeout)
        #expect(error.isTransient)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aDeadlineSoonerThanTheTimeoutWins() throws {
        let server = try LoopbackHTTPServer { _ in .hang }
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = try #require(throws: HTTPError.self) {
            try client.send(
                HTTPRequest(url: server.url("/slow"), timeout: .seconds(30)), deadline: .now + .milliseconds(300)
            )
        }
        #expect(error.code == .timeout)
        #expect(ContinuousClock.now - started < .seconds(5))
        let passed = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: server.url("/slow")), deadline: .now - .seconds(1))
        }
        #expect(passed.code == .timeout)
        #expect(server.requests.count == 1)
    }

    @Test func aRefusedConnectionIsTransient() throws {
        let port = try FreePort.allocate()
        let error = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/x"))
        }
        #expect(error.code == .connectionFailed)
        #expect(error.isTransient)
    }

    @Test(arguments: [
        (500, true), (502, true), (503, true), (408, true), (400, false), (401, false), (404, false), (422, false),
    ])
    func statusCodesAreTransientOrPermanent(status: Int, transient: Bool) throws {
        let server = try LoopbackHTTPServer { _ in .init(status: status, body: "no") }
        defer { server.stop() }
        let error = try #require(throws: HTTPError.self) { try client.send(HTTPRequest(url: server.url("/"))) }
        #expect(error.code == .status)
        #expect(error.status == status)
        #expect(error.isTransient == transient)
    }

    @Test func tooManyRequestsCarriesRetryAfter() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 429, headers: [("Retry-After", "7")]) }
        defer { server.stop() }
        let error = try #require(throws: HTTPError.self) { try client.send(HTTPRequest(url: server.url("/"))) }
        #expect(error.status == 429)
        #expect(error.isTransient)
        #expect(error.retryAfter == .seconds(7))
    }

    @Test func anOversizeBodyIsRefused() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, body: [UInt8](repeating: 0x78, count: 2 << 20)) }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxResponseBytes = 1 << 20
        let error = try #require(throws: HTTPError.self) {
            try HTTPClient(configuration: configuration, logger: log.logger).send(HTTPRequest(url: server.url("/")))
        }
        #expect(error.code == .responseTooLarge)
        #expect(!error.isTransient)
    }

    @Test func retryAfterMayBeAnHTTPDate() throws {
        let server = try LoopbackHTTPServer { _ in
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return .init(status: 503, headers: [("Retry-After", formatter.string(from: Date().addingTimeInterval(10)))])
        }
        defer { server.stop() }
        let error = try #require(throws: HTTPError.self) { try client.send(HTTPRequest(url: server.url("/"))) }
        let wait = try #require(error.retryAfter)
        #expect(wait > .seconds(7) && wait <= .seconds(11))
    }

    @Test func redirectsOnTheSameHostAreFollowedAndPostBecomesGetOn302() throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/start": .init(status: 302, headers: [("Location", "/moved")])
            case "/moved": .init(status: 307, headers: [("Location", "/final")])
            default: .init(status: 200, body: "\(request.method) \(request.path)")
            }
        }
        defer { server.stop() }
        let response = try client.send(
            HTTPRequest(method: .post, url: server.url("/start"), headers: [("Authorization", "Bearer t")], body: [1])
        )
        #expect(response.text == "GET /final")
        #expect(server.requests.map(\.path) == ["/start", "/moved", "/final"])
        #expect(server.requests.last?.header("authorization") == "Bearer t")
    }

    @Test func aRedirectToAnotherHostIsNotFollowedWithCredentials() throws {
        let other = try LoopbackHTTPServer(host: "127.0.0.2") { _ in .init(status: 200, body: "elsewhere") }
        defer { other.stop() }
        let server = try LoopbackHTTPServer { _ in .init(status: 302, headers: [("Location", other.url("/steal"))]) }
        defer { server.stop() }

        let refused = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: server.url("/a"), headers: [("Authorization", "Bearer secret-token")]))
        }
        #expect(refused.code == .redirect)
        #expect(!refused.isTransient)
        let userInfo = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: "http://user:pw@127.0.0.1:\(server.port)/a"))
        }
        #expect(userInfo.code == .redirect)
        #expect(other.requests.isEmpty)

        // Without credentials the same redirect is followed.
        #expect(try client.send(HTTPRequest(url: server.url("/a"))).text == "elsewhere")
        #expect(other.requests.count == 1)
    }

    @Test func redirectLoopsStopAtTheCap() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 302, headers: [("Location", "/again")]) }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxRedirects = 3
        let error = try #require(throws: HTTPError.self) {
            try HTTPClient(configuration: configuration, logger: log.logger).send(HTTPRequest(url: server.url("/")))
        }
        #expect(error.code == .redirect)
        #expect(server.requests.count == 4)
    }

    @Test func badRequestsFailBeforeSending() throws {
        let notHTTP = try #require(throws: HTTPError.self) { try client.send(HTTPRequest(url: "ftp://example.com/x")) }
        #expect(notHTTP.code == .invalidRequest)
        let injected = try #require(throws: HTTPError.self) {
            try client.send(HTTPRequest(url: "http://127.0.0.1:1/", headers: [("X-A", "b\r\nX-Evil: 1")]))
        }
        #expect(injected.code == .invalidRequest)
    }

    @Test func urlsAreRedactedToSchemeHostAndPort() {
        #expect("\(RedactedURL("https://hooks.slack.com/services/T0/B0/XXXX"))" == "https://hooks.slack.com/***")
        #expect("\(RedactedURL("http://user:pw@127.0.0.1:8080/a?token=x"))" == "http://127.0.0.1:8080/***")
        #expect("\(RedactedURL("https://example.com"))" == "https://example.com")
        #expect("\(RedactedURL("https://example.com/"))" == "https://example.com")
        #expect("\(RedactedURL("https://[::1]:8443/x"))" == "https://[::1]:8443/***")
        #expect("\(RedactedURL("not a url with secret"))" == "<invalid URL>")
        #expect(RedactedURL("https://Hooks.Slack.com/x").host == "hooks.slack.com")
    }
}
