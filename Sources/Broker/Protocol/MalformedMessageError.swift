/// Why a popped message is not a usable Celery task message. Each defect is named, so the worker
/// can dead-letter the message with a reason instead of crashing or dropping it (wire spec §3.7).
public struct MalformedMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The defect found.
    public enum Defect: Sendable, Hashable {
        /// The envelope is not valid JSON.
        case invalidEnvelopeJSON(JSONParseError)
        /// The envelope is JSON but not an object.
        case envelopeNotAnObject
        /// `headers` is missing or not an object.
        case missingHeaders
        /// `headers.task` is missing or not a string.
        case missingTaskName
        /// `headers.id` is missing or not a string.
        case missingTaskID
        /// `properties.delivery_tag` is missing.
        case missingDeliveryTag
        /// `properties.delivery_info` is missing or not an object.
        case missingDeliveryInfo
        /// `content-type` is not JSON, yaml or msgpack (e.g. pickle).
        case unsupportedContentType(String)
        /// `properties.body_encoding` is neither `base64` nor absent.
        case unsupportedBodyEncoding(String)
        /// `body` is missing or not a string.
        case missingBody
        /// `body` is not valid base64.
        case invalidBase64
        /// The decoded body is not valid JSON.
        case invalidBodyJSON(JSONParseError)
        /// The decoded yaml or msgpack body is not valid.
        case invalidBody(BodyParseError)
        /// The body is not the array `[args, kwargs, embed]`; carries the element count (−1: not an array).
        case bodyNotThreeElementArray(count: Int)
        /// `args` is not an array or `kwargs` not an object.
        case argumentsMalformed
        /// The envelope is larger than the worker accepts (`CELERITY_MAX_MESSAGE_BYTES`); it was not decoded.
        case tooLarge(bytes: Int, limit: Int)
        /// A header or property is out of its accepted range (docs/reliability.md, "Limits").
        case invalidField(field: String, problem: String)
    }

    public var defect: Defect
    /// The task id, when the envelope was readable far enough to have one.
    public var taskID: String?
    /// The task name, when known.
    public var taskName: String?

    /// A one-line reason, stored with the dead-lettered message.
    public var description: String {
        switch defect {
        case .invalidEnvelopeJSON(let error): return "envelope is not valid JSON (\(error))"
        case .envelopeNotAnObject: return "envelope is not a JSON object"
        case .missingHeaders: return "headers are missing"
        case .missingTaskName: return "headers.task is missing"
        case .missingTaskID: return "headers.id is missing"
        case .missingDeliveryTag: return "properties.delivery_tag is missing"
        case .missingDeliveryInfo: return "properties.delivery_info is missing"
        case .unsupportedContentType(let type): return "content-type \"\(type)\" is not supported; application/json, application/x-yaml and application/x-msgpack are"
        case .unsupportedBodyEncoding(let encoding): return "body_encoding \"\(encoding)\" is not supported"
        case .missingBody: return "body is missing"
        case .invalidBase64: return "body is not valid base64"
        case .invalidBodyJSON(let error): return "body is not valid JSON (\(error))"
        case .invalidBody(let error): return "body is not valid \(error.serializer) (\(error))"
        case .bodyNotThreeElementArray(let count):
            return count < 0 ? "body is not a JSON array" : "body has \(count) elements; expected [args, kwargs, embed]"
        case .argumentsMalformed: return "body args is not an array or kwargs is not an object"
        case .tooLarge(let bytes, let limit):
            return "message is \(bytes) bytes; at most \(limit) are accepted (CELERITY_MAX_MESSAGE_BYTES); only an excerpt is kept"
        case .invalidField(let field, let problem): return "\(field) \(problem)"
        }
    }
}
