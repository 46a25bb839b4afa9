import CHiredis
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
    private let session: Mutex<Session>
    private let reconnectCount: ReconnectCount

    /// How many times this connection was made again after it had been up (for `celerity_redis_reconnects_total`).
    public var reconnects: Int { reconnectCount.value.load(ordering: .relaxed) }

    /// Creates a connection; it connects on first use (or when ``connect()`` is called).
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "celerity.redis")) {
        self.configuration = configuration
        let reconnectCount = ReconnectCount()
        self.reconnectCount = reconnectCount
        self.session = Mutex(Session(configuration: configuration, logger: logger, reconnects: reconnectCount))
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
        let script = configuration.globalKeyPrefix.map { RedisScript(name: script.name, source: $0.script(script.source)) } ?? script
        return try withSession { session throws(RedisError) in try session.evaluate(script, keys: keys, arguments: arguments) }
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
    private func withSession<T: Sendable>(_ body: (inout Session) throws(RedisError) -> T) throws(RedisError) -> T {
        try session.withLock { (session: inout sending Session) throws(RedisError) -> T in try body(&session) }
    }
}

/// A counter the connection's session bumps and anyone may read without taking the session's lock.
private final class ReconnectCount: Sendable {
    let value = Atomic<Int>(0)
}

/// A connection's state and the steps that use it, only ever reached with the ``RedisConnection``'s lock held.
private struct Session: ~Copyable {
    let configuration: RedisConfiguration
    let logger: Logger
    var context: UnsafeMutablePointer<redisContext>?
    var scriptHashes: [String: String] = [:]
    var subscribed = false
    var everConnected = false
    let reconnects: ReconnectCount
    /// The master a sentinel configuration last connected to.
    var lastMaster: RedisConfiguration.HostAndPort?

    init(configuration: RedisConfiguration, logger: Logger, reconnects: ReconnectCount) {
        self.configuration = configuration
        self.logger = logger
        self.reconnects = reconnects
    }

    deinit {
        if let context { redisFree(context) }
    }

    mutating func send(_ arguments: [String], blockingFor: Duration) throws(RedisError) -> RedisReply {
        try ensureConnected()
        let reply = try roundTrip([arguments], blockingFor: blockingFor)[0]
        if case .error(let message) = reply { throw refusal(message) }
        return reply
    }

    mutating func sendAll(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        try ensureConnected()
        let replies = try roundTrip(commands, blockingFor: .zero)
        for case .error(let message) in replies { throw refusal(message) }
        return replies
    }

    /// An error reply as an error. Through Sentinel, `READONLY` means the server was demoted by a failover: the
    /// command did not run, so it is a transport error (the caller retries) and the next call asks the
    /// sentinels again.
    private mutating func refusal(_ message: String) -> RedisError {
        if case .sentinel = configuration.endpoint, message.hasPrefix("READONLY") || message.contains(" READONLY ") {
            drop()
            return error(.transport, "the server was demoted to a replica: \(message)")
        }
        return error(.reply, message)
    }

    mutating func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) throws(RedisError) -> RedisReply {
        try ensureConnected()
        for attempt in 0..<2 {
            let sha: String
            if let known = scriptHashes[script.source] {
                sha = known
            } else {
                let loaded = try roundTrip([["SCRIPT", "LOAD", script.source]], blockingFor: .zero)[0]
                guard case .bulk = loaded, let hash = loaded.string else {
                    throw error(.reply, "SCRIPT LOAD of \(script.name) failed: \(loaded)")
                }
                scriptHashes[script.source] = hash
                sha = hash
            }
            let reply = try roundTrip([["EVALSHA", sha, String(keys.count)] + keys + arguments], blockingFor: .zero)[0]
            if case .error(let message) = reply {
                if message.hasPrefix("NOSCRIPT"), attempt == 0 {
                    scriptHashes[script.source] = nil
                    continue
                }
                let refused = refusal(message)
                throw refused.isTransport ? refused : error(.reply, "script \(script.name): \(message)")
            }
            return reply
        }
        throw error(.reply, "script \(script.name) could not be loaded")
    }

    mutating func nextPush(timeout: Duration?) throws(RedisError) -> RedisReply? {
        guard let context else { throw error(.transport, "not connected") }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            var raw: UnsafeMutableRawPointer?
            if redisGetReplyFromReader(context, &raw) != REDIS_OK {
                let message = errorString(context)
                drop()
                throw error(.protocolViolation, message)
            }
            if let raw {
                defer { freeReplyObject(raw) }
                return Self.copy(raw.assumingMemoryBound(to: redisReply.self))
            }
            var waitMillis: Int32 = -1
            if let deadline {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero { return nil }
                waitMillis = Int32(clamping: max(1, remaining.wholeMilliseconds))
            }
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, waitMillis)
            if ready < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                drop()
                throw error(.transport, message)
            }
            if ready == 0 { continue }
            if redisBufferRead(context) != REDIS_OK {
                let message = errorString(context)
                drop()
                throw error(.transport, message)
            }
        }
    }

    private func error(_ code: RedisError.Code, _ message: String) -> RedisError {
        RedisError(code: code, message: message, endpoint: configuration.redactedURL)
    }

    private func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafePointer(to: context.pointee.errstr) { pointer in
            pointer.withMemoryRebound(to: CChar.self, capacity: 128) { String(cString: $0) }
        }
        return text.isEmpty ? "connection lost" : text
    }

    mutating func drop() {
        if let context { redisFree(context) }
        context = nil
        scriptHashes.removeAll()
        subscribed = false
    }

    /// Whether an idle connection has been closed by the server (it is readable while we expect nothing).
    private func idleConnectionIsBroken(_ context: UnsafeMutablePointer<redisContext>) -> Bool {
        guard !subscribed else { return false }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready != 0
    }

    mutating func ensureConnected() throws(RedisError) {
        if let context {
            if context.pointee.err == 0, !idleConnectionIsBroken(context) { return }
            logger.info("Redis connection lost; reconnecting", metadata: ["redis.endpoint": "\(configuration.redactedURL)"])
            drop()
        }
        let start = ContinuousClock.now
        let backoffs = Backoff(base: configuration.reconnectBackoff, cap: configuration.reconnectBackoffCap, jitter: false)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try openOnce()
                if everConnected { reconnects.value.add(1, ordering: .relaxed) }
                if attempt > 1 || everConnected {
                    logger.info(
                        "connected to Redis",
                        metadata: ["redis.endpoint": "\(configuration.redactedURL)", "redis.attempts": "\(attempt)"]
                    )
                }
                everConnected = true
                return
            } catch let failure where failure.code == .transport {
                let backoff = backoffs.delay(afterAttempts: attempt - 1)
                if ContinuousClock.now - start + backoff > configuration.reconnectTimeout {
                    throw failure
                }
                if attempt == 1 || attempt % 10 == 0 {
                    logger.warning(
                        "cannot reach Redis; retrying",
                        metadata: ["redis.endpoint": "\(configuration.redactedURL)", "error": "\(failure.message)"]
                    )
                }
                PosixThread.sleep(for: backoff)
            }
        }
    }

    private mutating func openOnce() throws(RedisError) {
        var masterAddress: RedisConfiguration.HostAndPort?
        let made: UnsafeMutablePointer<redisContext>
        switch configuration.endpoint {
        case .tcp(let host, let port):
            made = try dial(.init(host: host, port: port), timeout: configuration.connectTimeout)
        case .unix(let path):
            guard let unix = redisConnectUnixWithTimeout(path, Self.timeval(configuration.connectTimeout)) else {
                throw error(.transport, "cannot allocate a hiredis context")
            }
            if unix.pointee.err != 0 {
                let message = errorString(unix)
                redisFree(unix)
                if let problem = RedisConnection.socketProblem(path, everConnected: everConnected) {
                    throw error(.configuration, problem)
                }
                throw error(.transport, message)
            }
            made = unix
        case .sentinel(let sentinels, let master):
            let address = try discoverMaster(named: master, sentinels: sentinels)
            made = try dial(address, timeout: configuration.connectTimeout)
            masterAddress = address
        }
        redisSetTimeout(made, Self.timeval(configuration.commandTimeout))
        context = made
        var setup: [[String]] = []
        if let password = configuration.password {
            setup.append(configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if configuration.database != 0 { setup.append(["SELECT", String(configuration.database)]) }
        // A restarted Redis accepts connections while it loads its dataset and answers LOADING until it is done:
        // that is a Redis not reachable yet, retried with backoff like a refused connection.
        setup.append(["PING"])
        // What a sentinel names may be stale (a failover under way): only a server that says it is the master will do.
        if masterAddress != nil { setup.append(["ROLE"]) }
        let replies = try roundTrip(setup, blockingFor: .zero)
        for (command, reply) in zip(setup, replies) {
            guard case .error(let message) = reply else { continue }
            // The password is never part of the message: only the command name is named.
            let refusal = RedisError.setupRefusal(command: command[0], message: message, endpoint: configuration.redactedURL)
            if command == ["PING"], refusal.code == .reply { continue }  // other refusals surface on the first command
            drop()
            throw refusal
        }
        if let masterAddress, replies.last?.array?.first?.string != "master" {
            drop()
            throw error(.transport, "\(masterAddress) is not the master (yet): a failover is under way")
        }
        if let masterAddress, masterAddress != lastMaster {
            if lastMaster != nil {
                logger.warning("Redis master changed", metadata: ["redis.endpoint": "\(configuration.redactedURL)", "redis.master": "\(masterAddress)"])
            }
            lastMaster = masterAddress
        }
    }

    /// A TCP connection (with keep-alive) to `address`, or a transport error.
    private func dial(_ address: RedisConfiguration.HostAndPort, timeout: Duration) throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        guard let made = redisConnectWithTimeout(address.host, Int32(address.port), Self.timeval(timeout)) else {
            throw error(.transport, "cannot allocate a hiredis context")
        }
        if made.pointee.err != 0 {
            let message = errorString(made)
            redisFree(made)
            throw error(.transport, "\(address): \(message)")
        }
        redisEnableKeepAlive(made)
        return made
    }

    /// Asks each sentinel in turn where the master is (`SENTINEL get-master-addr-by-name`).
    /// - Throws: `.transport` when no sentinel answers, `.configuration` when every one that answers does not
    ///   know the master's name.
    private func discoverMaster(
        named master: String, sentinels: [RedisConfiguration.HostAndPort]
    ) throws(RedisError) -> RedisConfiguration.HostAndPort {
        var problems: [String] = []
        var unknownName = 0
        for sentinel in sentinels {
            let made: UnsafeMutablePointer<redisContext>
            do {
                made = try dial(sentinel, timeout: min(configuration.connectTimeout, .seconds(1)))
            } catch {
                problems.append(error.message)
                continue
            }
            defer { redisFree(made) }
            redisSetTimeout(made, Self.timeval(min(configuration.commandTimeout, .seconds(2))))
            let raw = Self.withArgv(["SENTINEL", "get-master-addr-by-name", master]) { count, argv, lengths in
                redisCommandArgv(made, count, argv, lengths)
            }
            guard let raw else {
                problems.append("sentinel \(sentinel): \(errorString(made))")
                continue
            }
            let reply = Self.copy(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            if let parts = reply.array, parts.count == 2, let host = parts[0].string, let port = parts[1].string.flatMap({ Int($0) }) {
                return RedisConfiguration.HostAndPort(host: host, port: port)
            }
            if reply.isNull { unknownName += 1 }
            problems.append("sentinel \(sentinel) replied \(reply)")
        }
        if unknownName == sentinels.count {
            throw error(.configuration, "no sentinel knows a master named \"\(master)\"")
        }
        throw error(.transport, "no sentinel named the master \"\(master)\": \(problems.joined(separator: "; "))")
    }

    mutating func roundTrip(_ commands: [[String]], blockingFor: Duration) throws(RedisError) -> [RedisReply] {
        guard let context else { throw error(.transport, "not connected") }
        for command in commands {
            let status = Self.withArgv(command) { count, argv, lengths in
                redisAppendCommandArgv(context, count, argv, lengths)
            }
            if status != REDIS_OK {
                let message = errorString(context)
                drop()
                throw error(.transport, message)
            }
        }
        if blockingFor > .zero {
            redisSetTimeout(context, Self.timeval(configuration.commandTimeout + blockingFor))
        }
        defer {
            if blockingFor > .zero, let current = self.context {
                redisSetTimeout(current, Self.timeval(configuration.commandTimeout))
            }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(context, &raw) != REDIS_OK || raw == nil {
                let timedOut = errno == EAGAIN || errno == EWOULDBLOCK
                let message = errorString(context)
                drop()
                throw error(timedOut ? .timeout : .transport, message)
            }
            defer { freeReplyObject(raw) }
            replies.append(Self.copy(raw!.assumingMemoryBound(to: redisReply.self)))
        }
        return replies
    }

    /// Copies a hiredis reply tree into Swift values; the caller frees the C reply.
    private static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch Int32(value.type) {
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: UnsafeRawBufferPointer(start: value.str, count: Int(value.len)), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: UnsafeRawBufferPointer(start: value.str, count: Int(value.len)), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(value.integer))
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: Int(value.len))))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(value.elements))
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { elements.append(copy(element)) }
            }
            return .array(elements)
        case REDIS_REPLY_NIL:
            return .null
        default:
            // RESP3 types from newer hiredis (double, bool, …) carry their text in `str`.
            if value.str != nil {
                return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: Int(value.len))))
            }
            return .integer(Int(value.integer))
        }
    }

    /// Calls `body` with C argv/argvlen arrays that point into one flat buffer of the arguments' UTF-8 bytes.
    private static func withArgv<R>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var flat: [UInt8] = []
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            let start = flat.count
            flat.append(contentsOf: argument.utf8)
            lengths.append(flat.count - start)
        }
        if flat.isEmpty { flat.append(0) }
        return flat.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(Int32(arguments.count), argv.baseAddress!, lengthBuffer.baseAddress!)
                }
            }
        }
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
