/// The serializers besides JSON a task message body may be written in (kombu's `content-type`): yaml and
/// msgpack. Pickle is not among them: it is Python objects, which a Swift process cannot rebuild.
enum BodySerializer: Equatable {
    case yaml, msgpack

    /// The serializer kombu names with `contentType`, or `nil` when it is not yaml or msgpack.
    init?(contentType: String) {
        switch contentType {
        case "application/x-yaml": self = .yaml
        case "application/x-msgpack": self = .msgpack
        default: return nil
        }
    }

    /// The body's value.
    func decode(_ bytes: [UInt8]) throws(BodyParseError) -> JSONValue {
        switch self {
        case .yaml: return try SafeYAML.decode(bytes)
        case .msgpack: return try MessagePack.decode(bytes)
        }
    }
}
