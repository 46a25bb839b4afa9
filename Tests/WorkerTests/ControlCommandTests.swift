import Broker
import Foundation
import Testing

@testable import Worker

/// Issue 26, part 1: the control commands' argument checks, the run-time settings codec, and replies without secrets.
@Suite struct ControlCommandTests {
    @Test("run-time settings round-trip through the node's hash; foreign or malformed fields are ignored")
    func settingsCodec() {
        var settings = NodeSettings()
        settings.taskEvents = true
        settings.queues = ["celery", "extra"]
        settings.timeLimits = ["demo.sleep": TimeLimit(hard: .seconds(5), soft: .milliseconds(1500)), "demo.add": TimeLimit()]
        #expect(NodeSettings(hashReply: settings.hashFields) == settings)
        #expect(NodeSettings(hashReply: []) == NodeSettings())
        let hostile = NodeSettings(hashReply: [
            "events", "yes", "queues", "[\"celerity:dlq\", \"ok\", 3]", "time_limits", "{\"t\": {\"hard\": 1e300, \"soft\": -1}}",
            "dangling",
        ])
        #expect(hostile.taskEvents == nil)
        #expect(hostile.queues == ["ok"], "a queue naming one of Celerity's keys is never consumed")
        #expect(hostile.timeLimits["t"] == TimeLimit(), "out-of-range limits are no limits, never a trap")
    }

    @Test("Celery's rate strings: N/s, N/m, N/h, a bare number; anything else refused")
    func rates() {
        #expect(ControlCommands.rate("100/m") == 100.0 / 60)
        #expect(ControlCommands.rate("10/s") == 10)
        #expect(ControlCommands.rate("1000/h") == 1000.0 / 3600)
        #expect(ControlCommands.rate("5") == 5)
        #expect(ControlCommands.rate("") == 0)
        #expect(ControlCommands.rate("0") == 0)
        for bad in ["x/m", "10/d", "-1/s", "nan/s", "inf", "1/m/s", String(repeating: "9", count: 40)] {
            #expect(ControlCommands.rate(bad) == nil, "\(bad)")
        }
    }

    @Test("a control flag is read with Python's truth: Flower's terminate=1 terminates, 0, '' and null do not")
    func pythonTruth() {
        for value: JSONValue in [true, 1, 1.5, "yes", [1]] { #expect(ControlListener.isTrue(value), "\(value)") }
        for value: JSONValue in [false, 0, 0.0, "", [], nil] { #expect(!ControlListener.isTrue(value), "\(value)") }
        #expect(!ControlListener.isTrue(nil as JSONValue?))
    }

    @Test("conf, dump_conf, report and stats carry no secret: the broker password never leaves the node")
    func confWithoutSecrets() throws {
        var configuration = WorkerConfiguration(redis: try RedisConfiguration(url: "redis://:s3cret-pw@127.0.0.1:6379/0"))
        configuration.nodeName = "secret@test"
        let replies = ControlReplies(configuration: configuration, state: NodeSnapshot(), clock: LamportClock(), started: Date())
        for method in ["conf", "dump_conf", "report", "stats"] {
            let reply = try #require(replies.inspect(method, arguments: [:], revoked: { [] }) ?? nil, "\(method)")
            #expect(!reply.serialized.contains("s3cret-pw"), "\(method) shows the password: \(reply.serialized)")
        }
        #expect(replies.conf["broker_url"]?.stringValue?.contains("***") == true)
    }
}
