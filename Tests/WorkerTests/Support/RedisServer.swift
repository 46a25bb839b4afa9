import Broker
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private `redis-server` for one test: a free loopback port, a temp data directory, optional AOF.
/// Fails loudly when `redis-server` cannot be found or started; never skips.
final class RedisServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    let appendOnly: Bool
    private let lock = NSLock()
    private var process: ChildProcess

    /// `redis://127.0.0.1:<port>/0`.
    var url: String { "redis://127.0.0.1:\(port)/0" }
    var configuration: RedisConfiguration { RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port)) }

    /// Starts a server and waits until it answers PING.
    /// - Parameter appendOnly: turn on AOF with `appendfsync always`, so a restart (even after SIGKILL)
    ///   keeps every acknowledged write.
    static func start(appendOnly: Bool = false) async throws -> RedisServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("celerity-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lastError: any Error = TestFailure("redis-server did not start")
        for _ in 0..<5 {
            let port = try freePort()
            do {
                let process = try await launch(port: port, directory: directory, appendOnly: appendOnly)
                return RedisServer(port: port, directory: directory, appendOnly: appendOnly, process: process)
            } catch {
                lastError = error  // most likely the port was taken in between; try another
            }
        }
        throw lastError
    }

    private init(port: Int, directory: URL, appendOnly: Bool, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.appendOnly = appendOnly
        self.process = process
    }

    static var executable: String {
        for candidate in ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "redis-server"
    }

    private static func launch(port: Int, directory: URL, appendOnly: Bool) async throws -> ChildProcess {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestFailure("redis-server not found (install the redis-server package: scripts/install-deps.sh)")
        }
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "", "--daemonize", "no",
            "--protected-mode", "no", "--logfile", "",
        ]
        arguments += appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]
        let process = try ChildProcess(
            executable: executable, arguments: arguments, logPath: directory.appendingPathComponent("redis.log").path
        )
        let probe = RedisConnection(configuration: probeConfiguration(port: port))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestFailure("redis-server exited at start: \(process.logTail(5))") }
            if (try? probe.send(["PING"]))?.string == "PONG" {
                probe.close()
                return process
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw TestFailure("redis-server on port \(port) did not answer PING within 10 s: \(process.logTail(5))")
    }

    private static func probeConfiguration(port: Int) -> RedisConfiguration {
        var configuration = RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port))
        configuration.connectTimeout = .milliseconds(200)
        configuration.reconnectTimeout = .zero
        return configuration
    }

    /// Kills the server (SIGKILL by default: a crash) and starts it again on the same port and data
    /// directory; with AOF on, every acknowledged write survives.
    func restart(signal: Int32 = SIGKILL) async throws {
        let old = lock.withLock { process }
        old.send(signal)
        try await old.waitForExit(timeout: .seconds(10))
        let new = try await Self.launch(port: port, directory: directory, appendOnly: appendOnly)
        lock.withLock { process = new }
    }

    /// Stops the server and deletes its directory.
    func stop() {
        lock.withLock { process }.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A free TCP port on 127.0.0.1 (bound to port 0, read back, released).
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw TestFailure("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socketFD, pointer, length) == 0 && getsockname(socketFD, pointer, &length) == 0
            }
        }
        guard bound else { throw TestFailure("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
