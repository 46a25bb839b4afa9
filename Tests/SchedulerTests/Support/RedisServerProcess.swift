import Broker
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway `redis-server` on a free loopback port with a temporary data directory.
///
/// Stop-gap for the scheduler's integration tests: the shared harness (`Tests/TestSupport`, branch
/// `harness`) had not landed when these tests were written. Replace with it once it has.
final class RedisServerProcess: @unchecked Sendable {
    let port: Int
    let directory: URL
    private let process: TestProcess

    /// The URL of this server, database 0.
    var url: String { "redis://127.0.0.1:\(port)/0" }

    /// A configuration for this server.
    var configuration: RedisConfiguration { try! RedisConfiguration(url: url) }

    /// Starts a server and waits until it answers PING.
    /// - Throws: when `redis-server` is not installed or does not come up in 10 seconds.
    init() throws {
        guard let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw TestFailure("redis-server is not installed; run scripts/install-deps.sh (apt-get install redis-server)")
        }
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-scheduler-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = try TestProcess(
            executable: executable,
            arguments: [
                "--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory.path, "--save", "", "--appendonly", "no",
                "--daemonize", "no",
            ],
            logPath: directory.appendingPathComponent("redis.log").path
        )
        let connection = RedisConnection(configuration: configuration)
        let deadline = Date().addingTimeInterval(10)
        while true {
            if (try? connection.send(["PING"])) != nil { break }
            if Date() > deadline || process.waitForExit(timeout: 0) != nil {
                stop()
                throw TestFailure("redis-server on port \(port) did not start; see \(directory.path)/redis.log")
            }
            usleep(20_000)
        }
        connection.close()
    }

    deinit { stop() }

    /// Stops the server and removes its directory.
    func stop() {
        process.kill(.term)
        if process.waitForExit(timeout: 5) == nil { process.kill(.kill) }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed: \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw TestFailure("could not find a free port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
