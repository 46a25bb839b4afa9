import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
// timespec and timeval are also declared by the toolchain's SwiftOverlayShims; with MemberImportVisibility, a
// release (whole-module) build can attribute their initializers to it, so it is imported where they are built.
#if canImport(SwiftOverlayShims)
import SwiftOverlayShims
#endif

/// One connection to Redis over hiredis, used by one thread at a time (calls are serialised by a lock).
///
/// Every call blocks its thread until Redis answers: call it from a thread of your own or through
/// ``RedisClient``, never directly from Swift's cooperative thread pool when the command can block
/// (BLMOVE, BRPOP, waiting for pub/sub messages).
///
/// A broken connection is dropped and made again on the next call, with capped exponential backoff
/// for up to ``RedisConfiguration/reconnectTimeout``. A command that failed in transit is not sent
/// again by this type: it may or may not have run, so only the caller knows whether a retry is safe.
public final class RedisConnection: Sendable {
    /// The configuration this connection was made with.
    public let configuration: RedisConfiguration
    private let session: Mutex<RedisSession>
    private let reconnectCount: ReconnectCount

    /// How many times this connection was made again after it had been up (for `celerity_redis_reconnects_total`).
    public var reconnects: Int { reconnectCount.value.load(ordering: .relaxed) }

    /// Creates a connection; it connects on first use (or when ``connect()`` is called).
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "celerity.redis")) {
        self.configuration = configuration
        let reconnectCount = ReconnectCount()
        self.reconnectCount = reconnectCount
        self.session = Mutex(RedisSession(configuration: configuration, logger: logger, reconnects: reconnectCount))
    }

    /// Connects now (and authenticates and selects the database), retrying with backoff.
    /// - Throws: ``RedisError`` with code `.transport` when Redis cannot be reached within the reconnect timeout,
    ///   or `.reply` when AUTH or SELECT is refused.
    public func connect() throws(RedisError) {
        try withSession { session throws(RedisError) in try session.ensureConnected() }
    }

    /// Closes the connection; the next call connects again.
    public func close() {
        session.withLock { $0.drop() }
    }

    /// Sends one command and returns its reply.
    /// - Parameters:
    ///   - arguments: the command and its arguments, e.g. `["LPUSH", "celery", envelope]`.
    ///   - blockingFor: for blocking commands, how long the server may hold the reply; added to the read timeout.
    /// - Throws: ``RedisError`` `.reply` for an error reply, `.transport`/`.timeout` when the connection failed.
    @discardableResult
    public func send(_ arguments: [String], blockingFor: Duration = .zero) throws(RedisError) -> RedisReply {
        let command = try prefixed(arguments)
        let reply = try withSession { session throws(RedisError) in try session.send(command, blockingFor: blockingFor) }
        return unprefixed(reply, to: arguments)
    }

    /// Sends several commands in one write and reads all their replies (pipelining).
    /// Error replies are returned in place, not thrown.
    /// - Parameters:
    ///   - commands: the commands, run by Redis in this order.
    ///   - blockingFor: when one of them is a blocking command, how long the server may hold it; added to the read timeout.
    /// - Throws: ``RedisError`` `.transport`/`.timeout` when the connection failed.
    @discardableResult
    public func pipeline(_ commands: [[String]], blockingFor: Duration = .zero) throws(RedisError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let prefixedCommands = try commands.map { command throws(RedisError) in try prefixed(command) }
        let replies = try withSession { session throws(RedisError) in
            try session.ensureConnected()
            return try session.roundTrip(prefixedCommands, blockingFor: blockingFor)
        }
        return zip(replies, commands).map { unprefixed($0, to: $1) }
    }

    /// Sends several commands in one write, like ``pipeline(_:blockingFor:)``, but throws the first error reply
    /// as ``send(_:blockingFor:)`` does (so a master demoted by a Sentinel failover is a transport error).
    /// - Throws: ``RedisError`` `.reply` for an error reply, `.transport`/`.timeout` when the connection failed.
    @discardableResult
    public func sendAll(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        let prefixedCommands = try commands.map { command throws(RedisError) in try prefixed(command) }
        let replies = try withSession { session throws(RedisError) in try session.sendAll(prefixedCommands) }
        return zip(replies, commands).map { unprefixed($0, to: $1) }
    }

    /// Runs a Lua script with EVALSHA, loading it first when Redis does not know it (also after a restart).
    /// - Throws: ``RedisError`` `.reply` when the script raised an error.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) throws(RedisError) -> RedisReply {
        let prefix = configuration.globalKeyPrefix
        return try withSession { session throws(RedisError) in
            try session.evaluate(script, keys: keys, arguments: arguments) { prefix.map { $0.script(script.source) } ?? script.source }
        }
    }

    /// Waits for the next message pushed by Redis on a subscribed connection (pub/sub).
    /// - Parameter timeout: how long to wait; `nil` waits without limit.
    /// - Returns: the pushed reply, or `nil` when nothing arrived in time (the connection stays usable).
    /// - Throws: ``RedisError`` `.transport` when the connection broke.
    public func nextPush(timeout: Duration?) throws(RedisError) -> RedisReply? {
        let push = try withSession { session throws(RedisError) in try session.nextPush(timeout: timeout) }
        guard let push, let prefix = configuration.globalKeyPrefix else { return push }
        return prefix.push(push)
    }

    /// Subscribes to pub/sub channels; afterwards only ``nextPush(timeout:)`` (and more SUBSCRIBEs) are valid.
    /// - Throws: ``RedisError``.
    public func subscribe(_ channels: [String]) throws(RedisError) {
        let command = try prefixed(["SUBSCRIBE"] + channels)
        try withSession { session throws(RedisError) in
            _ = try session.send(command, blockingFor: .zero)
            session.subscribed = true
        }
    }

    /// Why a Unix socket path cannot work, or `nil` when the failure may pass: a directory that does not
    /// exist, a path that is not a socket, no permission; a missing socket file only before the first
    /// connection (Redis removes its socket while it restarts).
    static func socketProblem(_ path: String, everConnected: Bool) -> String? {
        var status = stat()
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT != S_IFSOCK { return "\(path) is not a Unix socket" }
            if access(path, R_OK | W_OK) != 0 { return "no permission to use the Unix socket \(path)" }
            return nil
        }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var directoryStatus = stat()
        if !directory.isEmpty, stat(directory, &directoryStatus) != 0 || directoryStatus.st_mode & S_IFMT != S_IFDIR {
            return "the directory of the Unix socket \(path) does not exist"
        }
        return everConnected ? nil : "no Unix socket at \(path) (is Redis's `unixsocket` set to this path?)"
    }

    /// `command` with its keys and channels under the configured ``RedisConfiguration/globalKeyPrefix``, if any.
    private func prefixed(_ command: [String]) throws(RedisError) -> [String] {
        guard let prefix = configuration.globalKeyPrefix else { return command }
        do {
            return try prefix.command(command)
        } catch {
            throw RedisError(code: .reply, message: error.reason, endpoint: configuration.redactedURL)
        }
    }

    /// The reply to `command` with the key names it holds back without the prefix.
    private func unprefixed(_ reply: RedisReply, to command: [String]) -> RedisReply {
        configuration.globalKeyPrefix.map { $0.reply(reply, to: command) } ?? reply
    }

    /// Runs `body` with the lock held.
    private func withSession<T: Sendable>(_ body: (inout RedisSession) throws(RedisError) -> T) throws(RedisError) -> T {
        try session.withLock { (session: inout sending RedisSession) throws(RedisError) -> T in try body(&session) }
    }
}

/// A counter the connection's session bumps and anyone may read without taking the session's lock.
final class ReconnectCount: Sendable {
    let value = Atomic<Int>(0)
}
