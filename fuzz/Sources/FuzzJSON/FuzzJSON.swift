import Broker
import FuzzDriver

/// JSONValue.parse: every input parses or throws JSONParseError (no crash, no hang); what parses
/// serialises to text that parses back to the same value.
@_cdecl("FuzzJSON_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { data, size in fuzzJSON(data, size) }
}

func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(bytes: bytes) else { return 0 }
    let text = value.serialized
    guard let again = try? JSONValue.parse(text) else { fatalError("serialized JSON does not parse: \(text)") }
    // NaN is never produced by the parser, so values compare equal after a round trip.
    precondition(again == value, "round trip changed \(text)")
    return 0
}
