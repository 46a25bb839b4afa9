import Foundation
import Logging
import TestSupport
import Testing

@testable import Broker

extension RedisServer {
    /// A configuration for this server, with short reconnect settings unless a test needs the defaults.
    func configuration(
        database: Int = 0, password: String? = nil, username: String? = nil, reconnectTimeout: Duration = .seconds(10)
    ) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url(database: database))
        configuration.password = password
        configuration.username = username
        configuration.reconnectTimeout = reconnectTimeout
        return configuration
    }

    /// Waits until a reader of `taskID`'s result has subscribed to its channel and has run its first GET, so a
    /// write made after this returns can only reach the reader through pub/sub.
    func waitForResultReader(taskID: String) async throws {
        let key = ResultBackend.key(taskID: taskID)
        try await poll(timeout: .seconds(20), "a reader subscribed to \(key) and ran its GET") {
            let subscribers = try command(["PUBSUB", "NUMSUB", key]).array?.last?.integer
            let clients = try command(["CLIENT", "LIST"]).string ?? ""
            return subscribers == 1 && clients.contains(" cmd=get ")
        }
    }
}

/// How long `body` takes.
func measure<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async rethrows -> (
    T, Duration
) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}
