import Broker
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TaskAPI

/// The worker's side of unique jobs (docs/flow-control.md): a taken message with a `celerity_unique` header
/// claims its lock; when another job holds it, the message is a duplicate and is not run.
enum UniqueClaim {
    /// The id of the job holding `message`'s lock when it is not `message` (a duplicate); `nil` when `message`
    /// holds it now, or has no unique key.
    /// - Throws: ``RedisError`` when Redis cannot be reached or answers oddly.
    static func holder(otherThan message: TaskMessage, on connection: RedisConnection) throws -> String? {
        guard let key = message.headers[UniqueJobs.keyHeader]?.stringValue else { return nil }
        let period = message.headers[UniqueJobs.periodHeader]
        // A period from outside: whole seconds, 1 s to a year; anything else is read as whileQueuedOrRunning.
        let seconds = (period?.intValue ?? period?.stringValue.flatMap { Int($0) }).map { String(min(max($0, 1), 31_536_000)) } ?? ""
        let reply = try connection.evaluate(UniqueJobs.claim, arguments: [key, message.id, seconds])
        guard let holder = reply.string else {
            throw RedisError(code: .reply, message: "unique claim: unexpected reply", endpoint: connection.configuration.redactedURL)
        }
        return holder == message.id ? nil : holder
    }

    /// The result a dropped duplicate gets: SUCCESS, `{"duplicate_of": <the holder's id>}`.
    static func duplicateResult(taskID: String, holder: String) -> TaskResult {
        TaskResult(taskID: taskID, state: .success, result: ["duplicate_of": .string(holder)], children: .null, dateDone: Date())
    }
}
