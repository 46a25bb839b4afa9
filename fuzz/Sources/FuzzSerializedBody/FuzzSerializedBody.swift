import Broker
import Foundation
import FuzzDriver

@_cdecl("FuzzSerializedBody_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { data, size in fuzzSerializedBody(data, size) }
}

/// The yaml and msgpack body readers, through TaskMessage.decode: every body decodes or throws
/// MalformedMessageError (no trap, no hang, no allocation beyond the body's size); a decoded message re-encodes as
/// JSON to an envelope that decodes to the same arguments.
///
/// A corpus entry's first byte says what the rest is: even — a yaml body; odd — a msgpack body.
func fuzzSerializedBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let body = Data(UnsafeBufferPointer(start: data + 1, count: size - 1)).base64EncodedString()
    let contentType = data[0] % 2 == 0 ? "application/x-yaml" : "application/x-msgpack"
    let raw = validEnvelope
        .replacingOccurrences(of: validBody, with: body)
        .replacingOccurrences(of: "\"application/json\"", with: "\"\(contentType)\"")
    guard let message = try? TaskMessage.decode(raw) else { return 0 }
    let again: TaskMessage
    do {
        again = try TaskMessage.decode(message.encoded())
    } catch {
        fatalError("a decoded \(contentType) message re-encodes to an envelope that does not decode: \(error)")
    }
    precondition(again.args == message.args && again.kwargs == message.kwargs, "round trip changed the arguments")
    return 0
}

/// A valid envelope, made once, and its base64 body, which each input replaces.
let validEnvelope = TaskMessage.make(task: "demo.add", args: [1, 2]).encoded()
let validBody = try! JSONValue.parse(validEnvelope)["body"]!.stringValue!
