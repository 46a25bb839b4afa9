#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `celery_task_sent_total{name,hostname,queue_name}`, counted cluster-wide in one Redis hash: every
/// send Celerity makes adds an `HINCRBY` to the round trip that pushes the message (client, a task's
/// child tasks and canvas, the scheduler, retries), and a worker node counts the `task-sent` events of
/// Python Celery clients that enable `task_send_sent_event`. Every node exports the hash, so whichever node
/// is scraped reports the same counters. Here, in Broker, so the client and the scheduler can count.
public enum SentCounter {
    /// The Redis hash: field = ``field(queue:name:sender:)``, value = messages sent.
    package static let key = "celerity:metrics:sent"

    /// The marker that says the `task-sent` event of `taskID` is counted already; it lives 60 s.
    package static func eventMarker(_ taskID: String) -> String { "celerity:sent-event:" + taskID }

    /// Separates the field's parts; a part never holds it (``clean(_:)``).
    static let separator: Character = "\u{1F}"

    /// The hash field of one (queue, task name, sender) series.
    package static func field(queue: String, name: String, sender: String) -> String {
        [queue, name, sender].map(clean).joined(separator: String(separator))
    }

    /// The (queue, name, sender) of a field; `nil` for anything else.
    package static func parts(ofField field: String) -> (queue: String, name: String, sender: String)? {
        let parts = field.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// The command that counts `count` messages of `name` sent to `queue` by `sender`: pipelined with the push.
    package static func command(queue: String, name: String, sender: String, count: Int = 1) -> [String] {
        ["HINCRBY", key, field(queue: queue, name: name, sender: sender), String(count)]
    }

    /// The commands that count `messages`, one per series.
    package static func commands(for messages: [TaskMessage], sender: String) -> [[String]] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for message in messages {
            let field = field(queue: message.queue, name: message.task, sender: sender)
            if counts[field] == nil { order.append(field) }
            counts[field, default: 0] += 1
        }
        return order.map { ["HINCRBY", key, $0, String(counts[$0]!)] }
    }

    /// The sender name of a process that is not a worker node: `gen@<host>`. Celery names such a process
    /// `gen<pid>@<host>`; the pid is dropped (``sender(fromNodeName:)``) since it would make a new series
    /// for every client process.
    public static let clientSender = sender(fromNodeName: TaskMessage.origin)

    /// A node name as a sender label: `gen<pid>@host` becomes `gen@host`, anything else stays whole.
    package static func sender(fromNodeName name: String) -> String {
        guard name.hasPrefix("gen"), let at = name.firstIndex(of: "@") else { return clean(name) }
        let pid = name[name.index(name.startIndex, offsetBy: 3)..<at]
        guard !pid.isEmpty, pid.allSatisfy({ $0.isASCII && $0.isNumber }) else { return clean(name) }
        return "gen" + clean(String(name[at...]))
    }

    private static func clean(_ text: String) -> String {
        text.contains(separator) ? String(text.map { $0 == separator ? " " : $0 }) : text
    }
}
