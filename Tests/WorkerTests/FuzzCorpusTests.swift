import Broker
import Foundation
import TestSupport
import Testing

/// Issue 17, item 3: every malformed envelope in the message decoder's fuzzing corpus
/// (`fuzz/corpus/FuzzTaskMessage`, grown by `fuzz/run.sh --merge`) goes through a live worker: each lands in
/// the dead-letter queue with the decoder's reason, no process dies, nothing is left in flight, and the
/// pool keeps serving.
@Suite(.serialized)
struct FuzzCorpusTests {
    /// The envelopes of the corpus, read as the fuzz target reads them (its first byte picks the mode).
    static func corpusEnvelopes() throws -> [String] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz/corpus/FuzzTaskMessage")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let valid = TaskMessage.make(task: "demo.add", args: [1, 2]).encoded()
        let validObject = try JSONValue.parse(valid)
        let validBody = try #require(validObject["body"]?.stringValue)
        let validHeaders = try #require(validObject["headers"]).serialized
        return try names.compactMap { name in
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            guard let mode = bytes.first else { return nil }
            let rest = Data(bytes.dropFirst())
            switch mode % 3 {
            case 0: return String(decoding: rest, as: UTF8.self)
            case 1: return valid.replacingOccurrences(of: validBody, with: rest.base64EncodedString())
            default: return valid.replacingOccurrences(of: validHeaders, with: String(decoding: rest, as: UTF8.self))
            }
        }
    }

    @Test func everyMalformedEnvelopeOfTheCorpusIsDeadLetteredWithItsReason() async throws {
        let envelopes = try Self.corpusEnvelopes()
        var malformed: [String: String] = [:]  // envelope → the decoder's reason
        for envelope in envelopes {
            do {
                _ = try TaskMessage.decode(envelope)
            } catch {
                malformed[envelope] = error.description
            }
        }
        try #require(malformed.count >= 20, "the corpus has only \(malformed.count) malformed envelopes of \(envelopes.count)")

        let fixture = try await WorkerFixture.start()
        do {
            let f = fixture
            let node = try await f.startWorker()
            let pidsBefore = Set(node.processes().keys)
            let sent = Array(malformed.keys)
            for batch in stride(from: 0, to: sent.count, by: 200) {
                try await f.db.pipeline(sent[batch..<min(batch + 200, sent.count)].map { ["LPUSH", "celery", $0] })
            }
            let entries = try await f.poll("\(sent.count) dead-letter entries", timeout: .seconds(60), every: .milliseconds(200), node: node) {
                let entries = try await f.deadLetters()
                return entries.count >= sent.count ? entries : nil
            }
            #expect(entries.count == sent.count)
            var byEnvelope: [String: JSONValue] = [:]
            for entry in entries { if let envelope = entry["envelope"]?.stringValue { byEnvelope[envelope] = entry } }
            var wrong: [String] = []
            for (envelope, reason) in malformed {
                let stored = byEnvelope[envelope]?["reason"]?.stringValue
                if stored != reason { wrong.append("\(envelope.prefix(80).debugDescription): \(stored ?? "no entry") ≠ \(reason)") }
            }
            #expect(wrong.isEmpty, "\(wrong.count) of \(sent.count) not dead-lettered with their reason: \(wrong.prefix(5))")
            print("fuzz corpus through a live worker: \(envelopes.count) envelopes, \(sent.count) malformed, \(entries.count) dead-lettered")

            #expect(Set(node.processes().keys) == pidsBefore, "a worker process died")
            #expect(try await f.messagesInFlight() == 0)
            let add = try await f.client.enqueue("demo.add", args: [20, 22])
            #expect(try await f.waitForResult(add, .success, node: node).result == .int(42))
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }
}
