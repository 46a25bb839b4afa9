import Broker
import Foundation
import FuzzDriver

@_cdecl("FuzzTaskMessage_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { data, size in fuzzTaskMessage(data, size) }
}

/// TaskMessage.decode: every input decodes or throws MalformedMessageError; every accessor of a decoded message
/// returns without trapping; a decoded message re-encodes to an envelope that decodes again to the same id and task.
///
/// A corpus entry's first byte says what the rest is (Tests/WorkerTests/FuzzCorpusTests.swift reads the corpus
/// the same way, to send every malformed envelope through a live worker):
/// 0 — a whole envelope, as it would sit in a Redis list;
/// 1 — the body of an otherwise valid envelope, base64-encoded as kombu does, to reach the body checks;
/// 2 — the headers of an otherwise valid envelope, spliced in as they are.
func fuzzTaskMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let rest = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let raw: String
    switch data[0] % 3 {
    case 0: raw = String(decoding: rest, as: UTF8.self)
    case 1: raw = validEnvelope.replacingOccurrences(of: validBody, with: Data(rest).base64EncodedString())
    default: raw = validEnvelope.replacingOccurrences(of: validHeaders, with: String(decoding: rest, as: UTF8.self))
    }
    guard let message = try? TaskMessage.decode(raw) else { return 0 }
    // Every accessor a worker reads: none may trap on what decode accepted (issue 22: the time limit's did).
    _ = (message.timeLimit, message.eta, message.expires, message.retries, message.priority, message.listKey)
    _ = (message.rootID, message.parentID, message.group, message.groupIndex, message.ignoreResult, message.deliveryTag)
    if let hard = message.timeLimit.hard { _ = hard.clampedNanoseconds }
    if let soft = message.timeLimit.soft { _ = soft.clampedNanoseconds }
    precondition(message.retries >= 0 && message.retries <= Int(Int32.max), "retries out of range accepted: \(raw)")
    let again: TaskMessage
    do {
        again = try TaskMessage.decode(message.encoded())
    } catch {
        fatalError("a decoded message re-encodes to an envelope that does not decode: \(error)\n\(raw)")
    }
    precondition(again.id == message.id && again.task == message.task, "round trip changed the id or task of \(raw)")
    return 0
}

/// A valid envelope, made once, and the serialized body and headers that modes 1 and 2 replace.
let validEnvelope = TaskMessage.make(task: "demo.add", args: [1, 2]).encoded()
let validObject = try! JSONValue.parse(validEnvelope)
let validBody = validObject["body"]!.stringValue!
let validHeaders = validObject["headers"]!.serialized
