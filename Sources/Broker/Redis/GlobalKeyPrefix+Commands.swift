extension GlobalKeyPrefix {
    /// Where a command's keys (or channels) are among its arguments, for the commands whose first argument is
    /// not simply their one key. Kombu's `GlobalKeyPrefixMixin` keeps the same kind of table.
    enum KeyPositions: Sendable {
        /// No key: connection and server commands.
        case keyless
        /// The first argument (most data commands; the default).
        case first
        /// The first two arguments (source and destination).
        case firstTwo
        /// Every argument.
        case all
        /// Every argument but the last (a timeout).
        case allButLast
        /// Every other argument from the first (`MSET key value key value`).
        case alternate
        /// Not run under a prefix: its keys cannot be found among its arguments by this table, or it returns
        /// keys the caller would see prefixed.
        case refused
    }

    /// The commands that are not ``KeyPositions/first``.
    static let positions: [String: KeyPositions] = {
        var table: [String: KeyPositions] = [:]
        let groups: [(KeyPositions, [String])] = [
            (
                .keyless,
                [
                    "PING", "AUTH", "SELECT", "INFO", "SCRIPT", "ROLE", "SENTINEL", "MULTI", "EXEC", "DISCARD",
                    "UNWATCH", "HELLO", "CLIENT", "CONFIG", "DBSIZE", "TIME", "ECHO", "QUIT", "RESET", "SAVE", "BGSAVE",
                    "LASTSAVE", "WAIT", "READONLY", "READWRITE", "COMMAND", "SLOWLOG", "FLUSHDB", "FLUSHALL",
                ]
            ),
            (
                .all,
                [
                    "DEL", "UNLINK", "EXISTS", "MGET", "WATCH", "TOUCH", "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE",
                    "PUNSUBSCRIBE", "SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "PFCOUNT",
                ]
            ),
            (.allButLast, ["BRPOP", "BLPOP", "BZPOPMIN", "BZPOPMAX"]),
            (.firstTwo, ["LMOVE", "BLMOVE", "RPOPLPUSH", "BRPOPLPUSH", "SMOVE", "RENAME", "RENAMENX", "COPY"]),
            (.alternate, ["MSET", "MSETNX"]),
            (
                .refused,
                [
                    "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO", "SORT", "SORT_RO", "OBJECT", "MEMORY",
                    "MIGRATE", "MOVE", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZUNION", "ZINTER", "ZDIFF",
                    "LMPOP", "BLMPOP", "ZMPOP", "BZMPOP", "XREAD", "XREADGROUP", "PUBSUB", "RANDOMKEY",
                ]
            ),
        ]
        for (kind, commands) in groups { for command in commands { table[command] = kind } }
        return table
    }()

    /// Where the keys of `command` are.
    static func positions(of command: String) -> KeyPositions { positions[command.uppercased()] ?? .first }

    /// `arguments` (a command and its arguments) with every key and channel prefixed. `EVAL` gets its script
    /// wrapped (``script(_:)``) and its keys left as they are: the wrapped script prefixes them when it uses them.
    /// - Throws: ``GlobalKeyPrefixError`` for a command whose keys this type cannot find (``KeyPositions/refused``).
    public func command(_ arguments: [String]) throws(GlobalKeyPrefixError) -> [String] {
        guard let name = arguments.first?.uppercased() else { return arguments }
        var result = arguments
        switch name {
        case "EVAL":
            if result.count > 1 { result[1] = script(result[1]) }
            return result
        case "SCAN":
            if let match = result.indices.dropFirst(2).first(where: { result[$0 - 1].uppercased() == "MATCH" }) {
                result[match] = pattern(result[match])
            } else {
                result += ["MATCH", pattern("*")]
            }
            return result
        case "KEYS":
            if result.count > 1 { result[1] = pattern(result[1]) }
            return result
        default:
            break
        }
        let count = result.count
        switch Self.positions(of: name) {
        case .keyless: break
        case .first: if count > 1 { result[1] = key(result[1]) }
        case .firstTwo: for index in 1..<min(3, count) { result[index] = key(result[index]) }
        case .all: for index in 1..<count { result[index] = key(result[index]) }
        case .allButLast: for index in 1..<max(1, count - 1) { result[index] = key(result[index]) }
        case .alternate: for index in stride(from: 1, to: count, by: 2) { result[index] = key(result[index]) }
        case .refused:
            throw GlobalKeyPrefixError(
                reason: "\(name) cannot run with a global key prefix: its keys are not where this client looks for them"
            )
        }
        return result
    }

    /// A `SCAN MATCH` / `KEYS` pattern with the prefix its keys have.
    private func pattern(_ pattern: String) -> String {
        let stored = key(pattern)
        let prefix = String(stored.dropLast(pattern.count))
        var escaped = ""
        for character in prefix {
            if "*?[]".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + pattern
    }

    /// The reply to `arguments` (as given, before ``command(_:)``) with the prefix taken off the key names it
    /// holds: the keys of `SCAN` and `KEYS` (another tenant's cannot match the prefixed pattern) and the list a
    /// `BRPOP`-like command took from.
    public func reply(_ reply: RedisReply, to arguments: [String]) -> RedisReply {
        switch arguments.first?.uppercased() {
        case "SCAN":
            guard case .array(let parts) = reply, parts.count == 2, case .array(let keys) = parts[1] else { return reply }
            return .array([parts[0], .array(keys.compactMap(unprefixed))])
        case "KEYS":
            guard case .array(let keys) = reply else { return reply }
            return .array(keys.compactMap(unprefixed))
        case "BRPOP", "BLPOP", "BZPOPMIN", "BZPOPMAX":
            guard case .array(var parts) = reply, let first = parts.first, let name = unprefixed(first) else { return reply }
            parts[0] = name
            return .array(parts)
        default:
            return reply
        }
    }

    /// A message pushed on a subscribed connection with the prefix taken off its channel (and pattern):
    /// `message`, `pmessage`, `subscribe` and the like.
    public func push(_ push: RedisReply) -> RedisReply {
        guard case .array(var parts) = push, let kind = parts.first?.string?.lowercased() else { return push }
        let channels = kind == "pmessage" ? 1...2 : 1...1
        for index in channels where index < parts.count {
            if let name = unprefixed(parts[index]) { parts[index] = name }
        }
        return .array(parts)
    }

    private func unprefixed(_ reply: RedisReply) -> RedisReply? {
        guard let stored = reply.string, let name = unprefixed(stored) else { return nil }
        return .bulk(Array(name.utf8))
    }
}
