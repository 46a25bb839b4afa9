import Broker
import Foundation
import TestSupport
import Testing

/// Issue 5, item 3: chains, groups and chords across Python and Celerity (wire spec §3.3 and §8).
@Suite("Canvas: chains, groups, chords")
struct CanvasTests {
    @Test(
        "Python builds chain (add.s(1,1) | add.s(10)), group and chord; Celerity workers run them and join the chord",
        arguments: CeleryVersions.all
    )
    func pythonCanvasOnCelerity(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            let first = try await fixture.startCelerity(options: ["--result-extended"])
            let second = try await fixture.startCelerity(options: ["--result-extended"])
            let nodes: Set<String> = [first.name, second.name]
            let report = try await fixture.scenario(celery, ["canvas"])

            #expect(report["chain"]?["state"] == "SUCCESS")
            #expect(report["chain"]?["value"] == 12)
            #expect(report["chain_parent"]?["value"] == 2)
            let chainID = try #require(report["chain"]?["id"]?.string)
            let parentID = try #require(report["chain_parent"]?["id"]?.string)
            let parent = try #require(try await fixture.document(parentID))
            #expect(parent["children"] == [[[.string(chainID), nil], nil]])
            #expect(try await fixture.document(chainID)?["parent_id"] == .string(parentID))

            #expect(report["group"]?["values"] == .array((0..<10).map { .int(2 * $0) }))
            for id in report["group"]?["ids"]?.array?.compactMap(\.string) ?? [] {
                let worker = try await fixture.document(id)?["worker"]?.string
                #expect(worker.map(nodes.contains) == true, "group member \(id) ran on \(worker ?? "?")")
            }

            #expect(report["chord"]?["state"] == "SUCCESS")
            #expect(report["chord"]?["value"] == 90)
            let bodyID = try #require(report["chord"]?["id"]?.string)
            let body = try #require(try await fixture.document(bodyID))
            #expect(body["worker"]?.string.map(nodes.contains) == true)
            let groupID = try #require(body["group_id"]?.string)
            for suffix in [".j", ".t", ".s", ".d"] {
                #expect(
                    try await fixture.db.send(["EXISTS", ChordKeys.base(groupID) + suffix]).integer == 0,
                    "\(suffix) cleaned up")
            }

            let failing = try #require(report["chord_failing"])
            #expect(failing["state"] == "FAILURE")
            #expect(failing["exc_type"] == "ChordError")
            #expect(failing["exc_module"] == "celery.exceptions")
            #expect(failing["exc_repr"]?.string?.contains("ValueError('boom')") == true, "\(failing)")

            // A task failing mid-chain fails the rest of the chain (Celery ≥ 5.1), so get() raises instead of hanging.
            let broken = try #require(report["chain_failing"])
            #expect(broken["state"] == "FAILURE", "\(broken)")
            #expect(broken["exc_type"] == "ValueError")
            #expect(broken["exc_args"] == ["boom"])
            let brokenIDs = report["chain_failing_ids"]?.array?.compactMap(\.string) ?? []
            #expect(brokenIDs.count == 4)
            if brokenIDs.count == 4 {
                #expect(try await fixture.document(brokenIDs[0])?["status"] == "SUCCESS")
                for id in brokenIDs.dropFirst() {
                    let document = try await fixture.document(id)
                    #expect(document?["status"] == "FAILURE", "\(id)")
                    #expect(document?["result"]?["exc_type"] == "ValueError", "\(id)")
                }
            }

            // …also when that chain is a member of a chord header: the chord completes, its body fails with ChordError.
            #expect(report["chord_chain_failing"]?["state"] == "FAILURE", "\(report["chord_chain_failing"] ?? nil)")
            #expect(report["chord_chain_failing"]?["exc_type"] == "ChordError")

            // link= callback: sent with the result prepended, listed in children.
            #expect(report["link"]?["value"] == 4)
            let callbacks = report["link_children"]?.array?.compactMap(\.string) ?? []
            #expect(callbacks.count == 1)
            if let callback = callbacks.first {
                #expect(try await fixture.waitForReady(callback).result == 104)
            }
            // link_error= errback: sent as a task with the failed task's id prepended.
            let errant = try #require(report["link_error"]?["id"]?.string)
            #expect(report["link_error"]?["exc_type"] == "ValueError")
            try await poll(timeout: .seconds(20), "the errback ran") { try await fixture.list(errant) == ["errback"] }
        }
    }

    @Test("the Swift client's chain, group and chord run on Python Celery workers", arguments: CeleryVersions.all)
    func swiftCanvasOnPython(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            try await fixture.startPython(celery)
            try await Self.runSwiftCanvas(fixture) { worker in worker.hasPrefix("compat-") }
        }
    }

    @Test("the Swift client's chain, group and chord run on Celerity workers")
    func swiftCanvasOnCelerity() async throws {
        try await withInteropFixture { fixture in
            let nodes: Set<String> = [
                try await fixture.startCelerity(options: ["--result-extended"]).name,
                try await fixture.startCelerity(options: ["--result-extended"]).name,
            ]
            try await Self.runSwiftCanvas(fixture) { worker in nodes.contains(worker) }
        }
    }

    /// Sends a chain, a group, a chord and a chord with a failing member with the Swift client and checks what the
    /// workers made of them; `ranOnExpectedWorker` checks each result's `worker` field.
    static func runSwiftCanvas(
        _ fixture: InteropFixture, ranOnExpectedWorker: @escaping (String) -> Bool
    ) async throws {
        let client = fixture.client
        func ready(_ id: String) async throws -> TaskResult {
            let result = try await client.result(id, timeout: .seconds(30))
            let worker = result.extended["worker"]?.stringValue ?? "?"
            #expect(ranOnExpectedWorker(worker), "task \(id) ran on \(worker)")
            return result
        }

        let chain = try await client.chain([
            Signature("compat.add", args: [1, 1]), Signature("compat.add", args: [10]),
        ])
        #expect(chain.count == 2)
        let last = try await ready(chain[1])
        #expect(last.state == .success)
        #expect(last.result == 12)
        #expect(last.parentID == chain[0])
        let head = try await ready(chain[0])
        #expect(head.result == 2)
        #expect(head.children == [[[.string(chain[1]), nil], nil]])

        let group = try await client.group((0..<10).map { Signature("compat.add", args: [.int($0), .int($0)]) })
        var values: [JSONValue] = []
        for id in group.taskIDs {
            let member = try await ready(id)
            #expect(member.groupID == group.groupID)
            values.append(member.result)
        }
        #expect(values == (0..<10).map { .int(2 * $0) })

        let chord = try await client.chord(
            (0..<10).map { Signature("compat.add", args: [.int($0), .int($0)]) }, body: Signature("compat.tsum")
        )
        let body = try await ready(chord.bodyID)
        #expect(body.state == .success)
        #expect(body.result == 90)
        for id in chord.headerIDs { _ = try await ready(id) }
        for suffix in [".j", ".s"] {
            let key = ChordKeys.base(chord.groupID) + suffix
            try await poll(timeout: .seconds(10), "\(key) is cleaned up") {
                try await fixture.db.send(["EXISTS", key]).integer == 0
            }
        }

        let failing = try await client.chord(
            [Signature("compat.add", args: [1, 1]), Signature("compat.fail"), Signature("compat.add", args: [2, 2])],
            body: Signature("compat.tsum")
        )
        let failed = try await client.result(failing.bodyID, timeout: .seconds(30))
        #expect(failed.state == .failure)
        #expect(failed.error?.type == "ChordError")
        #expect(failed.error?.module == "celery.exceptions")
        #expect(failed.error?.message.contains("ValueError('boom')") == true, "\(String(describing: failed.error))")
    }
}
