import TestSupport
import Testing

@testable import Broker

/// Celery's `global_keyprefix` at the connection seam: validation, where each command's keys are, the Lua
/// wrapper, replies and pushes without the prefix; then the same against a real redis-server.
@Suite struct GlobalKeyPrefixTests {
    @Test("a prefix is printable ASCII without spaces, quotes or backslashes, 1 to 128 bytes")
    func validation() throws {
        for good in ["tenant1:", "t", "a.b-c_d/{x}", String(repeating: "p", count: 128)] {
            #expect(throws: Never.self) { try GlobalKeyPrefix(good) }
        }
        for (bad, says) in [
            ("", "empty"), ("two words", "U+20"), ("quote'", "\"'\""), ("back\\slash", "\"\\\""), ("tab\t", "U+9"),
            ("é", "U+E9"), (String(repeating: "p", count: 129), "129 bytes"),
        ] {
            #expect {
                try GlobalKeyPrefix(bad)
            } throws: { error in
                "\(error)".hasPrefix("invalid global key prefix: ") && "\(error)".contains(says)
            }
        }
    }

    @Test("broker keys take the prefix as it is; result keys as Celery's backend does, with `_` unless it ends in : _ - .")
    func keyNames() throws {
        let plain = try GlobalKeyPrefix("tenant2")
        #expect(plain.key("celery") == "tenant2celery")
        #expect(plain.key("celerity:eta") == "tenant2celerity:eta")
        #expect(plain.key("/0.celery.pidbox") == "tenant2/0.celery.pidbox")
        #expect(plain.key("celery-task-meta-1") == "tenant2_celery-task-meta-1")
        #expect(plain.key("celery-taskset-meta-g.j") == "tenant2_celery-taskset-meta-g.j")
        #expect(plain.key("chord-unlock-g") == "tenant2_chord-unlock-g")
        #expect(plain.unprefixed("tenant2_celery-task-meta-1") == "celery-task-meta-1")
        #expect(plain.unprefixed("tenant2celery") == "celery")
        #expect(plain.unprefixed("tenant1:celery") == nil)
        for ending in [":", "_", "-", "."] {
            let prefix = try GlobalKeyPrefix("t" + ending)
            #expect(prefix.key("celery-task-meta-1") == "t\(ending)celery-task-meta-1")
            #expect(prefix.key("celery") == "t\(ending)celery")
        }
    }

    @Test("each command's keys are prefixed where they are: one, two, all, all but a timeout, every other")
    func commands() throws {
        let prefix = try GlobalKeyPrefix("p:")
        #expect(try prefix.command(["LPUSH", "celery", "m"]) == ["LPUSH", "p:celery", "m"])
        #expect(try prefix.command(["publish", "/0.celeryev/x", "m"]) == ["publish", "p:/0.celeryev/x", "m"])
        #expect(try prefix.command(["DEL", "a", "b"]) == ["DEL", "p:a", "p:b"])
        #expect(try prefix.command(["BRPOP", "a", "b", "5"]) == ["BRPOP", "p:a", "p:b", "5"])
        #expect(try prefix.command(["BLMOVE", "a", "b", "RIGHT", "LEFT", "1"]) == ["BLMOVE", "p:a", "p:b", "RIGHT", "LEFT", "1"])
        #expect(try prefix.command(["MSET", "a", "1", "b", "2"]) == ["MSET", "p:a", "1", "p:b", "2"])
        #expect(try prefix.command(["SUBSCRIBE", "x", "y"]) == ["SUBSCRIBE", "p:x", "p:y"])
        #expect(try prefix.command(["PING"]) == ["PING"])
        #expect(try prefix.command(["SELECT", "1"]) == ["SELECT", "1"])
        #expect(try prefix.command(["SCAN", "0", "MATCH", "user:*", "COUNT", "10"]) == ["SCAN", "0", "MATCH", "p:user:*", "COUNT", "10"])
        #expect(try prefix.command(["SCAN", "0", "TYPE", "list"]) == ["SCAN", "0", "TYPE", "list", "MATCH", "p:*"])
        let glob = try GlobalKeyPrefix("a*[b]?:")
        #expect(try glob.command(["KEYS", "x*"]) == ["KEYS", "a\\*\\[b\\]\\?:x*"])
        let eval = try prefix.command(["EVAL", "return 1", "1", "k", "v"])
        #expect(eval[1] == prefix.script("return 1") && Array(eval[2...]) == ["1", "k", "v"])
        #expect { try prefix.command(["EVALSHA", "abc", "1", "k"]) } throws: { "\($0)".contains("EVALSHA cannot run") }
    }

    @Test("replies and pushes lose the prefix; another tenant's keys are not listed")
    func replies() throws {
        let prefix = try GlobalKeyPrefix("p")
        let scan = prefix.reply(
            .array([.bulk(Array("0".utf8)), .array([.bulk(Array("pcelery".utf8)), .bulk(Array("p_celery-task-meta-1".utf8)), .bulk(Array("qx".utf8))])]),
            to: ["SCAN", "0"]
        )
        #expect(scan.array?[1].array?.compactMap(\.string) == ["celery", "celery-task-meta-1"])
        let popped = prefix.reply(.array([.bulk(Array("pcelery".utf8)), .bulk(Array("m".utf8))]), to: ["BRPOP", "celery", "1"])
        #expect(popped.array?.compactMap(\.string) == ["celery", "m"])
        let message = prefix.push(.array([.bulk(Array("message".utf8)), .bulk(Array("p_celery-task-meta-1".utf8)), .bulk(Array("doc".utf8))]))
        #expect(message.array?.compactMap(\.string) == ["message", "celery-task-meta-1", "doc"])
        let pattern = prefix.push(
            .array([.bulk(Array("pmessage".utf8)), .bulk(Array("p/0.celeryev/*".utf8)), .bulk(Array("p/0.celeryev/a".utf8)), .bulk(Array("d".utf8))])
        )
        #expect(pattern.array?.compactMap(\.string) == ["pmessage", "/0.celeryev/*", "/0.celeryev/a", "d"])
    }

    @Test("against redis-server: commands, pipelines, scripts (KEYS, literals, ARGV-built names), pub/sub and SCAN all stay under the prefix")
    func realServer() async throws {
        try await withRedisServer { server in
            var configuration = try server.configuration()
            configuration.globalKeyPrefix = try GlobalKeyPrefix("t1")
            let connection = RedisConnection(configuration: configuration)
            let raw = RedisConnection(configuration: try server.configuration())
            defer { connection.close(); raw.close() }

            try connection.send(["LPUSH", "celery", "m1"])
            try connection.sendAll([["SET", "celery-task-meta-1", "doc"], ["HSET", "celerity:h", "f", "1"]])
            _ = try connection.pipeline([["SADD", "celerity:s", "x"]])
            let script = RedisScript(
                name: "prefix-test",
                source: """
                    redis.call('SET', KEYS[1], 'from-keys')
                    redis.call('SET', 'celerity:literal', 'from-literal')
                    redis.call('SET', 'celerity:argv:' .. ARGV[1], 'from-argv')
                    redis.call('LMOVE', 'celery', 'celerity:moved', 'RIGHT', 'LEFT')
                    redis.call('PUBLISH', 'celery-task-meta-9', 'published')
                    redis.call('MSET', 'celerity:m1', '1', 'celerity:m2', '2')
                    redis.call('DEL', 'celerity:m1', 'celerity:m2')
                    if redis.pcall('TIME')[1] == nil then return 'no time' end
                    if redis.call('PING')['ok'] ~= 'PONG' then return 'no pong' end
                    return redis.call('GET', KEYS[1])
                    """
            )
            #expect(try connection.evaluate(script, keys: ["celerity:k"], arguments: ["a"]).string == "from-keys")
            #expect(try connection.send(["EVAL", "return redis.call('GET', 'celerity:literal')", "0"]).string == "from-literal")

            let stored = Set((try raw.send(["KEYS", "*"]).array ?? []).compactMap(\.string))
            #expect(
                stored == [
                    "t1_celery-task-meta-1", "t1celerity:h", "t1celerity:s", "t1celerity:k", "t1celerity:literal",
                    "t1celerity:argv:a", "t1celerity:moved",
                ]
            )
            #expect(try raw.send(["LRANGE", "t1celerity:moved", "0", "-1"]).array?.compactMap(\.string) == ["m1"])

            let scanned = try connection.send(["SCAN", "0", "COUNT", "1000"])
            #expect(
                Set(scanned.array?[1].array?.compactMap(\.string) ?? []) == [
                    "celery-task-meta-1", "celerity:h", "celerity:s", "celerity:k", "celerity:literal", "celerity:argv:a",
                    "celerity:moved",
                ]
            )
            try raw.send(["SET", "t2celerity:other-tenant", "x"])
            let mine = try connection.send(["SCAN", "0", "MATCH", "celerity:*", "COUNT", "1000"]).array?[1].array?.compactMap(\.string) ?? []
            #expect(!mine.isEmpty && !mine.contains { $0.contains("other-tenant") }, "\(mine)")

            let subscriber = RedisConnection(configuration: configuration)
            defer { subscriber.close() }
            try subscriber.subscribe(["celery-task-meta-2"])
            #expect(try raw.send(["PUBSUB", "CHANNELS"]).array?.compactMap(\.string) == ["t1_celery-task-meta-2"])
            try connection.send(["PUBLISH", "celery-task-meta-2", "hello"])
            let push = try #require(try subscriber.nextPush(timeout: .seconds(5)))
            #expect(push.array?.compactMap(\.string) == ["message", "celery-task-meta-2", "hello"])
        }
    }
}
