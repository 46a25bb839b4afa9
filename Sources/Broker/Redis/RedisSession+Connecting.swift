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

/// Connecting: reconnects with backoff, TCP / Unix socket / Sentinel dialling, AUTH and SELECT.
extension RedisSession {
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

    mutating func openOnce() throws(RedisError) {
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
    func dial(_ address: RedisConfiguration.HostAndPort, timeout: Duration) throws(RedisError) -> UnsafeMutablePointer<redisContext> {
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
    func discoverMaster(
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
}
