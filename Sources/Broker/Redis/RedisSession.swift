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

/// A connection's state and the steps that use it, only ever reached with the ``RedisConnection``'s lock held.
struct RedisSession: ~Copyable {
    let configuration: RedisConfiguration
    let logger: Logger
    var context: UnsafeMutablePointer<redisContext>?
    /// The scripts loaded on this connection, by name: the source they were loaded for and its SHA1.
    var loadedScripts: [String: LoadedScript] = [:]
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
    mutating func refusal(_ message: String) -> RedisError {
        if case .sentinel = configuration.endpoint, message.hasPrefix("READONLY") || message.contains(" READONLY ") {
            drop()
            return error(.transport, "the server was demoted to a replica: \(message)")
        }
        return error(.reply, message)
    }

    /// A script loaded with `SCRIPT LOAD`: the source it was loaded for (unprefixed) and the SHA1 Redis gave it.
    struct LoadedScript {
        var source: String
        var sha: String
    }

    /// Runs `script` by its SHA1, loading `loadedSource()` first when this connection has not loaded it (or Redis
    /// forgot it). Scripts are remembered by name and checked by source: the source is compared, never hashed (a
    /// step's script is several KiB; a `static let` compares equal to itself at once), and `loadedSource` — the
    /// script under the global key prefix — is built only when the script is loaded.
    mutating func evaluate(
        _ script: RedisScript, keys: [String], arguments: [String], loadedSource: () -> String
    ) throws(RedisError) -> RedisReply {
        try ensureConnected()
        for attempt in 0..<2 {
            let sha: String
            if let known = loadedScripts[script.name], known.source == script.source {
                sha = known.sha
            } else {
                let loaded = try roundTrip([["SCRIPT", "LOAD", loadedSource()]], blockingFor: .zero)[0]
                guard case .bulk = loaded, let hash = loaded.string else {
                    throw error(.reply, "SCRIPT LOAD of \(script.name) failed: \(loaded)")
                }
                loadedScripts[script.name] = LoadedScript(source: script.source, sha: hash)
                sha = hash
            }
            let reply = try roundTrip([["EVALSHA", sha, String(keys.count)] + keys + arguments], blockingFor: .zero)[0]
            if case .error(let message) = reply {
                if message.hasPrefix("NOSCRIPT"), attempt == 0 {
                    loadedScripts[script.name] = nil
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

    func error(_ code: RedisError.Code, _ message: String) -> RedisError {
        RedisError(code: code, message: message, endpoint: configuration.redactedURL)
    }

    func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafePointer(to: context.pointee.errstr) { pointer in
            pointer.withMemoryRebound(to: CChar.self, capacity: 128) { String(cString: $0) }
        }
        return text.isEmpty ? "connection lost" : text
    }

    mutating func drop() {
        if let context { redisFree(context) }
        context = nil
        loadedScripts.removeAll()
        subscribed = false
    }

    /// Whether an idle connection has been closed by the server (it is readable while we expect nothing).
    func idleConnectionIsBroken(_ context: UnsafeMutablePointer<redisContext>) -> Bool {
        guard !subscribed else { return false }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready != 0
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
}
