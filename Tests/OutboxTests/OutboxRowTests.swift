import Broker
import Foundation
import Postgres
import Testing

@testable import Outbox

/// A row becomes an ordinary Celery message; options count from the insert; bad options are named.
@Suite("outbox: rows to messages (pure)")
struct OutboxRowTests {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)

    static func row(_ options: JSONObject = [:], args: [JSONValue] = [7, 9]) -> OutboxRow {
        OutboxRow(
            taskID: "d7c1c4c5-8f0e-4c55-9a77-1d2b0b5c2a10", taskName: "purchases.apply_purchase_unlocks_async",
            queue: "purchases", args: args, kwargs: [:], options: options, createdAt: created
        )
    }

    @Test("the message is the one TaskMessage.make builds, with the row's id, task, queue and arguments")
    func ordinaryMessage() throws {
        let message = try Self.row().message()
        #expect(message.id == "d7c1c4c5-8f0e-4c55-9a77-1d2b0b5c2a10")
        #expect(message.task == "purchases.apply_purchase_unlocks_async")
        #expect(message.queue == "purchases")
        #expect(message.args == [7, 9])
        #expect(message.rootID == message.id)
        #expect(message.eta == nil)
        var expected = TaskMessage.make(
            task: "purchases.apply_purchase_unlocks_async", args: [7, 9],
            options: TaskOptions(queue: "purchases", taskID: "d7c1c4c5-8f0e-4c55-9a77-1d2b0b5c2a10")
        )
        expected.deliveryTag = message.deliveryTag  // The only field that is fresh per build.
        #expect(message.encoded() == expected.encoded())
        // A Celery worker decodes it like any other.
        #expect(try TaskMessage.decode(message.encoded()).id == message.id)
    }

    @Test("countdown and numeric expires count from created_at; eta, priority, limits and headers are applied")
    func options() throws {
        let message = try Self.row([
            "countdown": 30, "expires": 3600, "priority": 6, "time_limit": 60, "soft_time_limit": 50.5,
            "ignore_result": true, "headers": ["trace_id": "abc"],
        ]).message()
        #expect(message.eta == Self.created.addingTimeInterval(30))
        #expect(message.expires == Self.created.addingTimeInterval(3600))
        #expect(message.priority == 6)
        #expect(message.listKey == PriorityBuckets.listKey(queue: "purchases", priority: 6))
        #expect(message.timeLimit == TimeLimit(hard: .seconds(60), soft: .milliseconds(50_500)))
        #expect(message.ignoreResult)
        #expect(message.headers["trace_id"] == "abc")

        let eta = try Self.row(["eta": "2027-01-15T10:00:00.250000+00:00"]).message()
        #expect(eta.eta == Date(timeIntervalSince1970: 1_800_007_200.25))
    }

    static let badOptionCases: [(JSONObject, String)] = [
        (["priority": 12], "priority"), (["eta": "tomorrow"], "eta"), (["countdown": "soon"], "countdown"),
        (["expires": true], "expires"), (["time_limit": 0], "time_limit"), (["ignore_result": "yes"], "ignore_result"),
        (["headers": ["id": "forged"]], "header \"id\""), (["headers": ["task": "other.task"]], "header \"task\""),
        (["retry": 3], "unknown option \"retry\""),
    ]

    @Test("a row whose options cannot make a message fails with the option named", arguments: badOptionCases)
    func badOptions(options: JSONObject, named: String) {
        #expect {
            try Self.row(options).message()
        } throws: { error in
            "\(error)".contains(named) && "\(error)".contains("d7c1c4c5")
        }
    }

    @Test("task ids become a text array literal with quotes and backslashes escaped")
    func textArray() {
        #expect(OutboxSQL.textArray(["a", "b-1"]) == #"{"a","b-1"}"#)
        #expect(OutboxSQL.textArray([#"x"y\z"#]) == #"{"x\"y\\z"}"#)
        #expect(OutboxSQL.textArray([]) == "{}")
    }

    @Test("CELERITY_OUTBOX_* settings are read, and a bad one is named")
    func configuration() throws {
        let database = try PostgresConfiguration(url: "postgresql://app:secret@127.0.0.1:5432/shop")
        let configuration = try OutboxRelayConfiguration(
            database: database, redis: .localDefault,
            environment: ["CELERITY_OUTBOX_BATCH_SIZE": "50", "CELERITY_OUTBOX_POLL_INTERVAL": "0.25", "CELERITY_OUTBOX_LISTEN": "0"]
        )
        #expect(configuration.batchSize == 50)
        #expect(configuration.pollInterval == .milliseconds(250))
        #expect(!configuration.listen)
        #expect(configuration.retention == .seconds(7 * 86_400))
        #expect {
            try OutboxRelayConfiguration(database: database, redis: .localDefault, environment: ["CELERITY_OUTBOX_BATCH_SIZE": "0"])
        } throws: { "\($0)".contains("CELERITY_OUTBOX_BATCH_SIZE") }
        #expect {
            try OutboxRelayConfiguration(database: database, redis: .localDefault, environment: ["CELERITY_OUTBOX_MARKER_TTL": "1"])
        } throws: { "\($0)".contains("CELERITY_OUTBOX_MARKER_TTL") }
    }

    @Test("docs/outbox.md shows the Python helper exactly as the tests run it")
    func documentedHelperIsTheTestedOne() throws {
        let docs = try String(contentsOf: OutboxDocs.url, encoding: .utf8)
        let helper = try String(contentsOf: OutboxDocs.helperURL, encoding: .utf8)
        #expect(docs.contains(helper.trimmingCharacters(in: .newlines)), "docs/outbox.md's helper differs from \(OutboxDocs.helperURL.path)")
    }
}

enum OutboxDocs {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let url = repository.appendingPathComponent("docs/outbox.md")
    static let helperURL = repository.appendingPathComponent("Tests/OutboxTests/python/celerity_outbox.py")
}
