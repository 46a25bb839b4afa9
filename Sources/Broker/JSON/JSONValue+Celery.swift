#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension JSONValue {
    /// The JSON form of an `Encodable` value (via `JSONEncoder`, dates as ISO-8601).
    /// - Throws: the encoder's error when the value cannot be encoded.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        self = try JSONValue.parse(bytes: data)
    }

    /// Decodes this JSON into `type` (via `JSONDecoder`). Dates may be ISO-8601 strings or kombu's
    /// `{"__type__": "datetime", "__value__": "..."}` markers.
    /// - Throws: `DecodingError` describing which field did not fit.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            if let container = try? decoder.container(keyedBy: MarkerKey.self),
                let text = try? container.decode(String.self, forKey: .value),
                let date = CeleryTime.parse(text)
            {
                return date
            }
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = CeleryTime.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not an ISO-8601 date: \(text)")
                )
            }
            return date
        }
        return try decoder.decode(T.self, from: Data(serialized.utf8))
    }

    private enum MarkerKey: String, CodingKey {
        case type = "__type__"
        case value = "__value__"
    }
}

/// A value kombu tagged with a type marker (`{"__type__": ..., "__value__": ...}`, wire spec §3.4).
public enum CeleryTypedValue: Sendable, Hashable {
    case datetime(Date)
    case date(String)
    case time(String)
    case decimal(String)
    case uuid(String)
    case bytes(String)
    case base64(String)
}

extension JSONValue {
    /// The typed value behind a kombu type marker, or `nil` when this is not a marker.
    public var celeryTypedValue: CeleryTypedValue? {
        guard case .object(let object) = self, object.count == 2,
            let type = object["__type__"]?.stringValue, let value = object["__value__"]
        else { return nil }
        switch type {
        case "datetime": return value.stringValue.flatMap(CeleryTime.parse).map(CeleryTypedValue.datetime)
        case "date": return value.stringValue.map(CeleryTypedValue.date)
        case "time": return value.stringValue.map(CeleryTypedValue.time)
        case "decimal": return value.stringValue.map(CeleryTypedValue.decimal)
        case "uuid": return (value["hex"]?.stringValue ?? value.stringValue).map(CeleryTypedValue.uuid)
        case "bytes": return value.stringValue.map(CeleryTypedValue.bytes)
        case "base64": return value.stringValue.map(CeleryTypedValue.base64)
        default: return nil
        }
    }
}
