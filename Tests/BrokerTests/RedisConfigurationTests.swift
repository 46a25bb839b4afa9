import Testing

@testable import Broker

/// Redis URLs, and the rule that a password never appears in anything printed.
@Suite struct RedisConfigurationTests {
    struct Parsed: Sendable, CustomTestStringConvertible {
        var url: String
        var endpoint: RedisConfiguration.Endpoint
        var username: String? = nil
        var password: String? = nil
        var database: Int = 0
        var redacted: String

        var testDescription: String { url }
    }

    @Test(arguments: [
        Parsed(
            url: "redis://127.0.0.1:6379/0", endpoint: .tcp(host: "127.0.0.1", port: 6379),
            redacted: "redis://127.0.0.1:6379/0"),
        Parsed(
            url: "redis://localhost", endpoint: .tcp(host: "localhost", port: 6379),
            redacted: "redis://localhost:6379/0"),
        Parsed(
            url: "redis://cache.internal/", endpoint: .tcp(host: "cache.internal", port: 6379),
            redacted: "redis://cache.internal:6379/0"),
        Parsed(url: "redis://", endpoint: .tcp(host: "127.0.0.1", port: 6379), redacted: "redis://127.0.0.1:6379/0"),
        Parsed(url: "REDIS://h:7000", endpoint: .tcp(host: "h", port: 7000), redacted: "redis://h:7000/0"),
        Parsed(url: " redis://h:1/15 ", endpoint: .tcp(host: "h", port: 1), database: 15, redacted: "redis://h:1/15"),
        Parsed(
            url: "redis://:secret@h:1/2", endpoint: .tcp(host: "h", port: 1), password: "secret", database: 2,
            redacted: "redis://:***@h:1/2"
        ),
        Parsed(
            url: "redis://user:p%40ss@h/3", endpoint: .tcp(host: "h", port: 6379), username: "user", password: "p@ss",
            database: 3, redacted: "redis://user:***@h:6379/3"
        ),
        Parsed(
            url: "redis://default:a:b@c@h:6380/0", endpoint: .tcp(host: "h", port: 6380), username: "default",
            password: "a:b@c", redacted: "redis://default:***@h:6380/0"
        ),
        Parsed(
            url: "redis://[::1]:6380/1", endpoint: .tcp(host: "::1", port: 6380), database: 1,
            redacted: "redis://[::1]:6380/1"),
        Parsed(url: "redis://[::1]", endpoint: .tcp(host: "::1", port: 6379), redacted: "redis://[::1]:6379/0"),
        Parsed(url: "redis://h?db=4", endpoint: .tcp(host: "h", port: 6379), database: 4, redacted: "redis://h:6379/4"),
        Parsed(
            url: "unix:///tmp/r.sock?db=4", endpoint: .unix(path: "/tmp/r.sock"), database: 4,
            redacted: "unix:///tmp/r.sock?db=4"),
        Parsed(url: "unix:///tmp/r.sock", endpoint: .unix(path: "/tmp/r.sock"), redacted: "unix:///tmp/r.sock?db=0"),
        Parsed(
            url: "unix:///var/run/redis/redis.sock?db=2&password=s%26cret",
            endpoint: .unix(path: "/var/run/redis/redis.sock"),
            password: "s&cret", database: 2, redacted: "unix://:***@/var/run/redis/redis.sock?db=2"
        ),
        Parsed(
            url: "redis+socket:///tmp/r.sock", endpoint: .unix(path: "/tmp/r.sock"), redacted: "unix:///tmp/r.sock?db=0"
        ),
        Parsed(
            url: "redis+unix:///tmp/r.sock?db=1", endpoint: .unix(path: "/tmp/r.sock"), database: 1,
            redacted: "unix:///tmp/r.sock?db=1"),
    ])
    func parses(expected: Parsed) throws {
        let configuration = try RedisConfiguration(url: expected.url)
        #expect(configuration.endpoint == expected.endpoint)
        #expect(configuration.username == expected.username)
        #expect(configuration.password == expected.password)
        #expect(configuration.database == expected.database)
        #expect(configuration.redactedURL == expected.redacted)
        #expect(configuration.description == expected.redacted)
        if let password = expected.password {
            Self.expectAbsent(password, from: configuration)
        }
    }

    /// Everything a configuration prints, in every way Swift prints it.
    static func expectAbsent(_ password: String, from configuration: RedisConfiguration) {
        #expect(!configuration.redactedURL.contains(password))
        #expect(!configuration.description.contains(password))
        #expect(!"\(configuration)".contains(password))
        #expect(!String(describing: configuration).contains(password))
        #expect(!String(reflecting: configuration).contains(password))
        #expect(!configuration.address.contains(password))
    }

    @Test func defaults() throws {
        let configuration = try RedisConfiguration(url: "redis://h")
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.commandTimeout == .seconds(10))
        #expect(configuration.reconnectTimeout == .seconds(30))
        #expect(configuration.reconnectBackoff == .milliseconds(50))
        #expect(configuration.reconnectBackoffCap == .seconds(2))
        #expect(RedisConfiguration.localDefault.redactedURL == "redis://127.0.0.1:6379/0")
        #expect(RedisConfiguration.localDefault == (try RedisConfiguration(url: "redis://127.0.0.1:6379/0")))
    }

    @Test func address() throws {
        #expect(try RedisConfiguration(url: "redis://:pw@h:1/2").address == "h:1")
        #expect(try RedisConfiguration(url: "redis://[::1]:6380").address == "[::1]:6380")
        #expect(try RedisConfiguration(url: "unix:///tmp/r.sock?password=pw").address == "/tmp/r.sock")
    }

    /// A redacted URL without a password parses back to the same configuration.
    @Test(arguments: ["redis://h:1/2", "redis://[::1]:6380/1", "unix:///tmp/r.sock?db=4"])
    func redactedURLParsesBack(url: String) throws {
        let configuration = try RedisConfiguration(url: url)
        #expect(try RedisConfiguration(url: configuration.redactedURL) == configuration)
    }

    @Test(arguments: [
        ("http://:topsecret@h:1/0", "unknown scheme \"http\""),
        ("redis//:topsecret@h", "missing scheme"),
        ("topsecret", "missing scheme"),
        ("", "missing scheme"),
        ("rediss://:topsecret@h:6380/0", "TLS (rediss://) is not supported"),
        ("redis://:topsecret@h:0/0", "port \"0\""),
        ("redis://:topsecret@h:65536/0", "port \"65536\""),
        ("redis://:topsecret@h:abc/0", "port \"abc\""),
        ("redis://:topsecret@h:/0", "port \"\""),
        ("redis://:topsecret@[::1]:x/0", "port \"x\""),
        ("redis://:topsecret@[::1/0", "unclosed \"[\""),
        ("redis://:topsecret@h:1/zero", "database \"zero\""),
        ("redis://:topsecret@h:1/-1", "database \"-1\""),
        ("redis://:topsecret@h:1/0?db=x", "db \"x\""),
        ("redis://:top%3Fsecret@h:abc/0", "port \"abc\""),
        ("unix:///tmp/r.sock?db=-2&password=topsecret", "db \"-2\""),
        ("unix://:topsecret@relative.sock", "must be absolute"),
        ("unix://relative.sock?password=topsecret", "must be absolute"),
    ])
    func rejectsWithAReasonAndWithoutThePassword(url: String, reason: String) {
        let error = #expect(throws: RedisURLError.self) { try RedisConfiguration(url: url) }
        guard let error else { return }
        #expect(error.description.hasPrefix("invalid Redis URL: "))
        #expect(error.reason.contains(reason), "\(error.reason)")
        for secret in ["topsecret", "top?secret", "top%3Fsecret"] {
            #expect(!error.description.contains(secret))
            #expect(!"\(error)".contains(secret))
            #expect(!String(reflecting: error).contains(secret))
        }
    }
}
