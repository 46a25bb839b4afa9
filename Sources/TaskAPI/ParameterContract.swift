#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks that a ``TaskParameters`` type's stored properties and its `parameters` list name the same
/// arguments, by decoding the type once from a probe that records the coding keys it is asked for.
///
/// The probe hands each property a neutral value (0, `""`, `false`, empty containers, `nil`, the first case
/// of a `CaseIterable` enum). A type whose `init(from:)` refuses those values stops the probe early: the keys
/// read before that are still checked against `parameters`, but a parameter with no property is then not
/// detected.
enum ParameterContract {
    /// What is wrong with `type`'s contract, naming the type and the property or parameter; `nil` when the
    /// coding keys and `parameters` agree.
    static func problem(_ type: any TaskParameters.Type) -> String? {
        let recorder = KeyRecorder()
        let complete = (try? type.init(from: ProbeDecoder(recorder: recorder, depth: 0))) != nil
        let declared = type.parameters
        // `Module.Outer.Name`, without the anonymous context Swift names for a private type.
        let typeName = String(reflecting: type).replacing(/\(unknown context at \$[0-9a-f]+\)\./, with: "")
        if let missing = recorder.keys.first(where: { !declared.contains($0) }) {
            return "\(typeName) has the property '\(missing)', which is not in its `parameters` \(declared): "
                + "add it there in the Python signature's order (else Swift never sends it and Python raises a "
                + "TypeError), or leave it out of the coding keys"
        }
        if complete, let extra = declared.first(where: { !recorder.keys.contains($0) }) {
            return "\(typeName) lists '\(extra)' in `parameters` but has no property with that coding key: "
                + "add the property, or remove the name"
        }
        if let duplicate = Dictionary(grouping: declared, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            return "\(typeName) lists '\(duplicate)' twice in `parameters`"
        }
        return nil
    }
}

/// The top-level coding keys a probe was asked for, in order.
private final class KeyRecorder {
    var keys: [String] = []

    func record(_ key: String) {
        if !keys.contains(key) { keys.append(key) }
    }
}

/// A decoder that produces neutral values and records the top-level keys (depth 0) it is asked for.
private struct ProbeDecoder: Decoder {
    let recorder: KeyRecorder
    let depth: Int
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ProbeKeyedContainer<Key>(recorder: recorder, depth: depth))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { ProbeUnkeyedContainer() }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ProbeSingleValue(recorder: recorder, depth: depth) }

    /// A neutral value of `T`: a probe-decoded value, or the first case of a `CaseIterable` enum.
    static func neutral<T: Decodable>(_ type: T.Type, recorder: KeyRecorder, depth: Int) throws -> T {
        if let iterable = type as? any CaseIterable.Type, let first = firstCase(iterable) as? T { return first }
        return try T(from: ProbeDecoder(recorder: recorder, depth: depth))
    }

    private static func firstCase<C: CaseIterable>(_ type: C.Type) -> Any? { C.allCases.first }
}

private struct ProbeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: KeyRecorder
    let depth: Int
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] { [] }

    private func note(_ key: Key) {
        if depth == 0 { recorder.record(key.stringValue) }
    }

    func contains(_ key: Key) -> Bool {
        note(key)
        return false
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        note(key)
        return true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        note(key)
        return try ProbeDecoder.neutral(type, recorder: recorder, depth: depth + 1)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        note(key)
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        note(key)
        return KeyedDecodingContainer(ProbeKeyedContainer<NestedKey>(recorder: recorder, depth: depth + 1))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        note(key)
        return ProbeUnkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ProbeDecoder(recorder: recorder, depth: depth + 1) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        note(key)
        return ProbeDecoder(recorder: recorder, depth: depth + 1)
    }
}

/// An empty array.
private struct ProbeUnkeyedContainer: UnkeyedDecodingContainer {
    var codingPath: [any CodingKey] = []
    var count: Int? { 0 }
    var isAtEnd: Bool { true }
    var currentIndex: Int { 0 }

    private func end() -> DecodingError {
        DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "probe: empty array"))
    }

    mutating func decodeNil() throws -> Bool { true }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { throw end() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        throw end()
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { throw end() }
    mutating func superDecoder() throws -> any Decoder { throw end() }
}

/// A neutral scalar: 0, `""`, `false`; not `nil`, so that a non-optional value decodes.
private struct ProbeSingleValue: SingleValueDecodingContainer {
    let recorder: KeyRecorder
    let depth: Int
    var codingPath: [any CodingKey] = []

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { false }
    func decode(_ type: String.Type) throws -> String { "" }
    func decode(_ type: Double.Type) throws -> Double { 0 }
    func decode(_ type: Float.Type) throws -> Float { 0 }
    func decode(_ type: Int.Type) throws -> Int { 0 }
    func decode(_ type: Int8.Type) throws -> Int8 { 0 }
    func decode(_ type: Int16.Type) throws -> Int16 { 0 }
    func decode(_ type: Int32.Type) throws -> Int32 { 0 }
    func decode(_ type: Int64.Type) throws -> Int64 { 0 }
    func decode(_ type: UInt.Type) throws -> UInt { 0 }
    func decode(_ type: UInt8.Type) throws -> UInt8 { 0 }
    func decode(_ type: UInt16.Type) throws -> UInt16 { 0 }
    func decode(_ type: UInt32.Type) throws -> UInt32 { 0 }
    func decode(_ type: UInt64.Type) throws -> UInt64 { 0 }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ProbeDecoder.neutral(type, recorder: recorder, depth: depth + 1)
    }
}
