import Broker
import Foundation
import Testing

@testable import HTTP
import TestSupport

/// Outbound requests whose URL came from outside cannot be aimed inward (issue 25, part 1).
@Suite struct DestinationPolicyTests {
    let log = LogRecorder()

    func bytes(_ text: String) -> [UInt8] {
        if text.contains(":") {
            var address = in6_addr()
            #expect(inet_pton(AF_INET6, text, &address) == 1)
            return withUnsafeBytes(of: address) { Array($0) }
        }
        var address = in_addr()
        #expect(inet_pton(AF_INET, text, &address) == 1)
        return withUnsafeBytes(of: address) { Array($0) }
    }

    @Test func internalAddressesAreForbiddenAndPublicOnesAllowed() {
        let forbidden = [
            "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
            "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1",
            "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe", "2002:7f00:1::",
        ]
        for address in forbidden {
            #expect(NetworkAddress.forbiddenReason(bytes(address)) != nil, "\(address)")
        }
        for address in ["93.184.216.34", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.32.0.1", "2606:4700::1111",
            "::ffff:8.8.8.8"]
        {
            #expect(NetworkAddress.forbiddenReason(bytes(address)) == nil, "\(address)")
        }
    }

    func send(_ url: String, policy: DestinationPolicy) -> Result<HTTPResponse, HTTPError> {
        let client = HTTPClient(logger: log.logger)
        return Result { () throws(HTTPError) in
            try client.send(HTTPRequest(method: .post, url: url, destinationPolicy: policy))
        }
    }

    @Test func loopbackIsRefusedWithoutTheAllowListAndReachedWithIt() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 204) }
        defer { server.stop() }
        let port = try #require(URLComponents(string: server.url("/"))?.port)
        for url in [
            server.url("/hook"), "http://localhost:\(port)/hook", "http://2130706433:\(port)/hook",
            "http://[::ffff:127.0.0.1]:\(port)/hook", "http://0x7f.0.0.1:\(port)/hook",
        ] {
            guard case .failure(let error) = send(url, policy: DestinationPolicy(allowsPlainHTTP: true)) else {
                Issue.record("\(url) was not refused")
                continue
            }
            #expect(error.code == .refusedByPolicy, "\(url): \(error)")
            #expect(!error.isTransient)
        }
        #expect(server.requests.isEmpty)

        let allowed = DestinationPolicy(allowedHosts: ["127.0.0.1"], allowsPlainHTTP: true)
        guard case .success(let response) = send(server.url("/hook"), policy: allowed) else {
            Issue.record("the allow-listed host was refused")
            return
        }
        #expect(response.status == 204)
        #expect(server.requests.count == 1)
    }

    @Test func plainHTTPIsRefusedUnlessAllowed() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 204) }
        defer { server.stop() }
        guard case .failure(let error) = send(server.url("/"), policy: DestinationPolicy(allowedHosts: ["127.0.0.1"]))
        else {
            Issue.record("plain http was not refused")
            return
        }
        #expect(error.code == .refusedByPolicy)
        #expect(error.message.contains("CELERITY_WEBHOOK_ALLOW_HTTP"))
        #expect(server.requests.isEmpty)
        #expect(DestinationPolicy.fromSettings { ["CELERITY_WEBHOOK_ALLOW_HTTP": "1"][$0] }.allowsPlainHTTP)
        #expect(
            DestinationPolicy.fromSettings { ["CELERITY_WEBHOOK_ALLOWED_HOSTS": " A.example , b.example"][$0] }
                .allowedHosts == ["a.example", "b.example"])
    }

    @Test func everyRedirectHopIsCheckedAgain() throws {
        let inner = try LoopbackHTTPServer { _ in .init(status: 200, body: "internal") }
        defer { inner.stop() }
        let innerPort = try #require(URLComponents(string: inner.url("/"))?.port)
        let outer = try LoopbackHTTPServer { _ in
            .init(status: 307, headers: [("Location", "http://localhost:\(innerPort)/admin")])
        }
        defer { outer.stop() }
        let policy = DestinationPolicy(allowedHosts: ["127.0.0.1"], allowsPlainHTTP: true)
        guard case .failure(let error) = send(outer.url("/start"), policy: policy) else {
            Issue.record("the redirect to an internal host was followed")
            return
        }
        #expect(error.code == .refusedByPolicy, "\(error)")
        #expect(outer.requests.count == 1)
        #expect(inner.requests.isEmpty)
    }

    @Test func aWebhookToLoopbackIsRefusedWithACoarseSummary() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 204) }
        defer { server.stop() }
        var configuration = WebhookSender.Configuration(secret: "s")
        configuration.destinations = DestinationPolicy(allowsPlainHTTP: true)
        let outcome = WebhookSender(configuration: configuration, client: HTTPClient(logger: log.logger), logger: log.logger)
            .send(to: server.url("/cb"), event: "e", deliveryID: "d", payload: [:])
        #expect(outcome.status == .failed)
        #expect(outcome.attempts == 1)
        #expect(outcome.summary == "refused by policy")
        #expect(server.requests.isEmpty)
    }
}
