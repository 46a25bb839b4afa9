import Testing

@testable import Broker

/// `redis+sentinel://` URLs (issue 17): the sentinels, the master name, the database, the password hidden.
@Suite struct SentinelConfigurationTests {
    @Test func parsesSentinelsMasterAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380,[::1]/mymaster/2")
        #expect(
            configuration.endpoint == .sentinel(
                sentinels: [.init(host: "10.0.0.1", port: 26379), .init(host: "10.0.0.2", port: 26380), .init(host: "::1", port: 26379)],
                master: "mymaster"
            )
        )
        #expect(configuration.password == "s3cret")
        #expect(configuration.database == 2)
        #expect(configuration.redactedURL == "redis+sentinel://:***@10.0.0.1:26379,10.0.0.2:26380,[::1]:26379/mymaster/2")
        #expect(try RedisConfiguration(url: "sentinel://h/m").endpoint == .sentinel(sentinels: [.init(host: "h", port: 26379)], master: "m"))
        #expect(try RedisConfiguration(url: "redis+sentinel://h:1/m?db=3").database == 3)
    }

    @Test(arguments: [
        ("redis+sentinel://:topsecret@h:1", "names its master"),
        ("redis+sentinel://:topsecret@h:1/", "names its master"),
        ("redis+sentinel://:topsecret@h:1,,h:2/m", "empty sentinel address"),
        ("redis+sentinel://:topsecret@h:x/m", "port \"x\""),
        ("redis+sentinel://:topsecret@h:1/m/x", "database \"x\""),
        ("redis+sentinel://:topsecret@h:1/m/0/1", "unexpected \"/\""),
    ])
    func rejects(url: String, reason: String) {
        let error = #expect(throws: RedisURLError.self) { try RedisConfiguration(url: url) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.contains("topsecret") == false)
    }

    /// Sentinels that are all unreachable are a transport failure (retried), not a configuration error.
    @Test func unreachableSentinelsAreTransient() throws {
        var configuration = try RedisConfiguration(url: "redis+sentinel://127.0.0.1:1,127.0.0.1:2/m")
        configuration.reconnectTimeout = .milliseconds(200)
        let error = #expect(throws: RedisError.self) { try RedisConnection(configuration: configuration).connect() }
        #expect(error?.isTransport == true)
        #expect(error?.message.contains("no sentinel named the master \"m\"") == true)
    }
}
