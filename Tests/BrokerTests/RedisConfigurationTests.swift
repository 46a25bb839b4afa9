import Testing

@testable import Broker

/// Redis URLs and the rule that a password never appears in anything printed.
@Suite struct RedisConfigurationTests {
    @Test func plainURL() throws {
        let configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379/0")
        #expect(configuration.endpoint == .tcp(host: "127.0.0.1", port: 6379))
        #expect(configuration.database == 0 && configuration.password == nil)
        #expect(configuration.redactedURL == "redis://127.0.0.1:6379/0")
    }

    @Test func defaults() throws {
        let configuration = try RedisConfiguration(url: "redis://cache")
        #expect(configuration.endpoint == .tcp(host: "cache", port: 6379) && configuration.database == 0)
    }

    @Test func passwordAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cret@h:1/2")
        #expect(configuration.password == "s3cret" && configuration.username == nil && configuration.database == 2)
        #expect(configuration.redactedURL == "redis://:***@h:1/2")
        #expect(!configuration.description.contains("s3cret"))
    }

    @Test func userAndEncodedPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://app:p%40ss@h/3")
        #expect(configuration.username == "app" && configuration.password == "p@ss" && configuration.database == 3)
        #expect(configuration.redactedURL == "redis://app:***@h:6379/3")
    }

    @Test func ipv6() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:6380/1")
        #expect(configuration.endpoint == .tcp(host: "::1", port: 6380))
        #expect(configuration.redactedURL == "redis://[::1]:6380/1")
    }

    @Test func unixSocket() throws {
        let configuration = try RedisConfiguration(url: "unix:///tmp/r.sock?db=4&password=hunter2")
        #expect(configuration.endpoint == .unix(path: "/tmp/r.sock") && configuration.database == 4)
        #expect(configuration.password == "hunter2" && !configuration.redactedURL.contains("hunter2"))
    }

    @Test(arguments: [
        "http://:topsecret@h:1/0", "redis://:topsecret@h:99999/0", "redis://:topsecret@h:1/zero",
        "rediss://:topsecret@h:1/0", "topsecret", "unix://:topsecret@relative.sock",
    ])
    func badURLsSayWhyWithoutThePassword(url: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(!error.description.contains("topsecret"))
            #expect(error.description.hasPrefix("invalid Redis URL: "))
        }
    }
}
