import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `celerity dlq list` shows of one dead-letter entry: its id, time, task, task id and reason, each at most a
/// few hundred bytes, read in Redis without sending the envelope (an entry holds up to `--max-message-bytes`).
public struct DeadLetterSummary: Sendable, Hashable {
    /// The entry id (not the task id).
    public var id: String
    /// When it was dead-lettered.
    public var time: Date
    /// The task name and id, when readable; cut to ``DeadLetterQueue/summaryFieldBytes`` (then ending in `…`).
    public var task: String
    public var taskID: String
    /// Why it was set aside; cut to ``DeadLetterQueue/summaryReasonBytes`` (then ending in `…`).
    public var reason: String
}

extension DeadLetterQueue {
    /// The most of a task name or id a summary reads.
    public static let summaryFieldBytes = 256
    /// The most of a reason a summary reads (`dlq show` prints all of it).
    public static let summaryReasonBytes = 1024

    /// One page of summaries, newest first: `limit` entries after skipping the `offset` newest, as ``list(limit:offset:on:)``,
    /// but Redis sends only the fields a listing shows, never an envelope.
    /// - Throws: ``Broker/RedisError``.
    public func summaries(limit: Int = 100, offset: Int = 0, on connection: RedisConnection) throws -> [DeadLetterSummary] {
        guard limit > 0 else { return [] }
        let first = max(0, offset)
        let reply = try connection.evaluate(
            Self.summaryScript, keys: [WorkerKeys.deadLetterIndex, WorkerKeys.deadLetterEntries],
            arguments: [
                String(first), String(first + limit - 1), String(Self.summaryFieldBytes), String(Self.summaryReasonBytes),
            ]
        )
        let values: [String] = (reply.array ?? []).map { $0.string ?? "" }
        var summaries: [DeadLetterSummary] = []
        var index = 0
        while index + 5 <= values.count {
            let seconds = Double(values[index + 1]) ?? 0
            summaries.append(
                DeadLetterSummary(
                    id: values[index], time: Date(timeIntervalSince1970: seconds), task: Self.fieldText(values[index + 2]),
                    taskID: Self.fieldText(values[index + 3]), reason: Self.fieldText(values[index + 4])
                )
            )
            index += 5
        }
        return summaries
    }

    /// A field as the script returns it: `=` and the whole JSON string's contents, `+` and a cut prefix of them, or
    /// empty (no such string field). Escapes are decoded; a cut inside an escape drops that escape.
    static func fieldText(_ value: String) -> String {
        guard let marker = value.first else { return "" }
        var escaped = Substring(value.dropFirst())
        let cut = marker == "+"
        for _ in 0..<2 {
            if case .string(let text)? = try? JSONValue.parse("\"" + escaped + "\"") { return cut ? text + "…" : text }
            guard let backslash = escaped.lastIndex(of: "\\") else { break }
            escaped = escaped[..<backslash]  // cut inside an escape (`\u00`): drop it
        }
        return String(escaped) + (cut ? "…" : "")
    }

    /// KEYS: dlq index, dlq entries. ARGV: first rank, last rank, field cap, reason cap.
    /// Returns id, time, task, task id, reason for each entry on the page. A field is found by its key (`"task":`, with
    /// or without a space after the colon: cjson and the Swift writer differ); inside a JSON string every quote is
    /// escaped, so the key's unescaped `":` can only be the entry's own key, never text in the envelope. Only a
    /// window of `cap` bytes after the key is looked at.
    static let summaryScript = RedisScript(
        name: "dead-letter-summaries",
        source: """
            local function field(raw, name, cap)
              local _, key_end = string.find(raw, '"' .. name .. '":', 1, true)
              if not key_end then return '' end
              local _, open = string.find(raw, '^%s*"', key_end + 1)
              if not open then return '' end
              local window = string.sub(raw, open + 1, open + cap + 1)
              local from = 1
              while true do
                local quote = string.find(window, '"', from, true)
                if not quote then return '+' .. string.sub(window, 1, cap) end
                local before = quote - 1
                while before >= 1 and string.byte(window, before) == 92 do before = before - 1 end
                if (quote - 1 - before) % 2 == 0 then return '=' .. string.sub(window, 1, quote - 1) end
                from = quote + 1
              end
            end
            local page = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
            local field_cap, reason_cap = tonumber(ARGV[3]), tonumber(ARGV[4])
            local out = {}
            for i = 1, #page, 2 do
              local raw = redis.call('HGET', KEYS[2], page[i])
              if raw then
                table.insert(out, page[i])
                table.insert(out, page[i + 1])
                table.insert(out, field(raw, 'task', field_cap))
                table.insert(out, field(raw, 'task_id', field_cap))
                table.insert(out, field(raw, 'reason', reason_cap))
              end
            end
            return out
            """
    )
}
