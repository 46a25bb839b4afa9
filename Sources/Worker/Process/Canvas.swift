import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What Celery's canvas asks a worker to do after a task: continue a chain, call link callbacks,
/// and join a chord (wire spec §3.3 and §8).
enum Canvas {
    /// The messages to send after a successful run: the chain's next task (with the rest of the chain)
    /// and the link callbacks, each with the result prepended to its arguments.
    static func followUps(after message: TaskMessage, result: JSONValue) -> [TaskMessage] {
        var messages: [TaskMessage] = []
        let rootID = message.rootID ?? message.id
        // The chain is stored reversed: the next task is the last element.
        if case .array(var chain)? = message.embed["chain"], let nextJSON = chain.popLast(),
            let members = ChainGroupStep.messages(nextJSON, parentResult: result, parentID: message.id, rootID: rootID)
        {
            messages += members
        } else if case .array(var chain)? = message.embed["chain"], let nextJSON = chain.popLast(), let next = Signature(json: nextJSON) {
            var embed = TaskMessage.emptyEmbed
            embed["chain"] = .array(chain)
            messages.append(next.message(parentResult: result, parentID: message.id, rootID: rootID, embed: embed))
        }
        for callback in message.embed["callbacks"]?.arrayValue ?? [] {
            guard let signature = Signature(json: callback) else { continue }
            messages.append(signature.message(parentResult: result, parentID: message.id, rootID: rootID))
        }
        return messages
    }

    /// The chain tasks that will never run because `message` failed, next one first.
    static func abandonedChain(after message: TaskMessage) -> [Signature] {
        (message.embed["chain"]?.arrayValue ?? []).reversed().compactMap(Signature.init(json:))
    }

    /// The errbacks (`link_error`) to send after a final failure: each with the failed task's id prepended to its
    /// arguments, as a Celery worker sends an errback it has not registered itself (Celery's "old-style" errback).
    static func errbacks(after message: TaskMessage) -> [TaskMessage] {
        let rootID = message.rootID ?? message.id
        return (message.embed["errbacks"]?.arrayValue ?? []).compactMap(Signature.init(json:)).map { errback in
            errback.message(parentResult: .string(message.id), parentID: message.id, rootID: rootID)
        }
    }

    /// The `children` field of a result document: what the task sent while it ran (``TaskSender/children``), then
    /// the follow-up messages sent after it.
    static func children(_ messages: [TaskMessage], sentWhileRunning: [JSONValue] = []) -> JSONValue {
        .array(sentWhileRunning + messages.map { [[.string($0.id), nil], nil] })
    }
}

/// Celery's Redis chord join: each header task adds `[1, id, state, result]` to the group's `.j`
/// sorted set (deduplicated through `.d`); the one that completes the set claims `.c` and sends the
/// body with the results in header order. Same keys and semantics as Celery 5.7, so Python and
/// Celerity workers can share one chord; a Celery 5.5 client's `.s` works too.
///
/// The body is sent exactly once: the completing member claims `.c` with its own task id, and the body's push and
/// `.c = done` are one script (``finish``). A completing member killed between the join and the push is recovered
/// and runs again; its re-run finds its own claim, and sends the body then.
struct ChordJoin {
    /// KEYS: .j .t .s .d group .c — ARGV: task id, value, ordered, index, expires, group expires, claim expires, token.
    /// Returns `{ready count, total diff, size, claimed}`; `{-1, 0, 0, 0}` when the chord is already done. A claim
    /// already held with the same token (a re-run of the completing member) counts as claimed.
    static let script = RedisScript(
        name: "chord-join",
        source: """
            local jkey, tkey, skey, dkey, gkey, ckey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
            local tid, value, ordered, score = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            local expires, group_expires = tonumber(ARGV[5]), tonumber(ARGV[6])
            local claim_expires, claim_token = tonumber(ARGV[7]), ARGV[8]
            if redis.call('GET', ckey) == 'done' then return {-1, 0, 0, 0} end
            local member = tid .. ':' .. score
            if redis.call('SISMEMBER', dkey, member) == 0 then
              if ordered == '1' then redis.call('ZADD', jkey, score, value) else redis.call('RPUSH', jkey, value) end
              redis.call('SADD', dkey, member)
            end
            local ready
            if ordered == '1' then ready = redis.call('ZCOUNT', jkey, '-inf', '+inf') else ready = redis.call('LLEN', jkey) end
            if expires > 0 then
              for _, key in ipairs({jkey, tkey, skey, dkey}) do redis.call('EXPIRE', key, expires) end
              if group_expires > 0 then redis.call('EXPIRE', gkey, group_expires) end
            end
            local totaldiff = redis.call('GET', tkey)
            local size = redis.call('GET', skey)
            local claimed = 0
            if size and ready == tonumber(size) + tonumber(totaldiff or 0) then
              if redis.call('SET', ckey, claim_token, 'NX', 'EX', claim_expires) or redis.call('GET', ckey) == claim_token then
                claimed = 1
              end
            end
            return {ready, totaldiff, size, claimed}
            """
    )

    /// Sends the body (if any) and marks the chord done, in one step, only while `token` holds the claim: the
    /// body leaves exactly once. The body list is checked like every push (``WorkerScripts/push``).
    /// KEYS: .c .j .t .s .d, body list, sent counter. ARGV: token, body message ('' for none), counter field.
    /// Returns 1 when this call finished the chord, 0 when it was finished already.
    static let finishScript = RedisScript(
        name: "chord-finish",
        source: WorkerScripts.prelude + """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            if ARGV[2] ~= '' then
              redis.call('LPUSH', safe_list(KEYS[6]), ARGV[2])
              redis.call('HINCRBY', KEYS[7], ARGV[3], 1)
            end
            redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            redis.call('SET', KEYS[1], 'done', 'EX', 300)
            return 1
            """
    )

    /// What the completing header task must do, then ``finish(_:on:)``.
    enum Completion {
        /// Send the body with the header's results.
        case runBody(TaskMessage, Claim)
        /// A header task failed: the body fails with `ChordError`.
        case failBody(TaskResult, Claim)
    }

    /// The completing member's hold on a chord: its group and its token (the member's task id).
    struct Claim {
        var groupID: String
        var token: String
    }

    /// Sends `body` (nil: none, the body failed and its result is stored already) and marks the chord done.
    /// - Returns: whether this call sent it (`false`: an earlier run of this member did).
    @discardableResult
    static func finish(_ claim: Claim, body: TaskMessage?, sender: String, on connection: RedisConnection) throws -> Bool {
        let group = claim.groupID
        let reply = try connection.evaluate(
            finishScript,
            keys: [
                ChordKeys.claim(group), ChordKeys.join(group), ChordKeys.total(group), ChordKeys.size(group),
                ChordKeys.dedup(group), body?.listKey ?? "celery", SentCounter.key,
            ],
            arguments: [
                claim.token, body?.encoded() ?? "",
                body.map { SentCounter.field(queue: $0.queue, name: $0.task, sender: sender) } ?? "",
            ]
        )
        return reply.integer == 1
    }

    /// Adds this header task's outcome; when it completes the chord, returns what to do with the body.
    static func join(
        _ message: TaskMessage, state: TaskState, value: JSONValue, on connection: RedisConnection
    ) throws -> Completion? {
        guard let groupID = message.group, let bodyJSON = message.embed["chord"], !bodyJSON.isNull,
            Signature(json: bodyJSON) != nil
        else { return nil }
        let entry: JSONValue = [1, .string(message.id), .string(state.rawValue), value]
        let token = message.id  // deterministic: a re-run of this member finds its own claim
        let reply = try connection.evaluate(
            script,
            keys: [
                ChordKeys.join(groupID), ChordKeys.total(groupID), ChordKeys.size(groupID), ChordKeys.dedup(groupID),
                ChordKeys.base(groupID), ChordKeys.claim(groupID),
            ],
            arguments: [message.id, entry.serialized, "1", String(message.groupIndex ?? 0), "86400", "86400", "86400", token]
        )
        guard let parts = reply.array, parts.count == 4, parts[3].integer == 1 else { return nil }
        let members = (try connection.send(["ZRANGE", ChordKeys.join(groupID), "0", "-1"]).array ?? []).compactMap { reply in
            reply.string.flatMap { try? JSONValue.parse($0) }?.arrayValue
        }
        return try completion(of: message, members: members, on: connection)
    }

    /// What the member `message` that completed its chord does with the body, given the joined `members`
    /// (`[1, id, state, result]` each, in header order): send it with their results, or fail it with the first failure.
    /// On `connection`, a saved chord header (a group or chord in the header) shapes the results as Celery's join does.
    static func completion(of message: TaskMessage, members: [[JSONValue]], on connection: RedisConnection? = nil) throws -> Completion? {
        guard let groupID = message.group, let bodyJSON = message.embed["chord"], let body = Signature(json: bodyJSON) else {
            return nil
        }
        let claim = Claim(groupID: groupID, token: message.id)
        var results: [JSONValue] = []
        var resultsByID: [String: JSONValue] = [:]
        for member in members where member.count >= 4 {
            if member[2].stringValue == TaskState.failure.rawValue {
                let cause = RemoteError(json: member[3]).map(\.description) ?? member[3].serialized
                let error = RemoteError(
                    type: "ChordError", message: "Dependency \(member[1].stringValue ?? "?") raised \(cause)",
                    module: "celery.exceptions"
                )
                return .failBody(
                    TaskResult(
                        taskID: body.options.taskID ?? "", state: .failure, result: error.json,
                        traceback: ErrorReport.traceback(task: body.task, error: error), dateDone: Date()
                    ),
                    claim
                )
            }
            results.append(member[3])
            if let id = member[1].stringValue { resultsByID[id] = member[3] }
        }
        if let connection,
            let shaped = try SavedChordHeader.shapedResults(groupID: groupID, resultsByID: resultsByID, on: connection)
        {
            results = shaped
        }
        var bodySignature = body
        // A chord in a chord's header: its body already belongs to the outer chord's group, and joins it.
        if bodySignature.options.group == nil { bodySignature.options.group = groupID }
        return .runBody(
            bodySignature.message(parentResult: .array(results), parentID: message.id, rootID: message.rootID ?? message.id),
            claim
        )
    }
}
