import Foundation
import Testing

@testable import Broker

/// Each defect of wire spec §3.7 (and capture 13) is a typed `MalformedMessageError`, never a crash or a silent drop.
@Suite struct MalformedMessageTests {
    static let taskID = "9a1b2c3d-0000-4000-8000-000000000001"
    static let info = #""delivery_info": {"exchange": "", "routing_key": "celery"}"#
    static let tag = #""delivery_tag": "9a1b2c3d-0000-4000-8000-0000000000ff""#
    static let rawBody = #"[[2, 3], {}, {\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}]"#

    /// An envelope in the shape of §3.7's minimal one, with one part swapped out.
    static func envelope(
        body: String = rawBody, contentType: String = "application/json",
        headers: String = #""lang": "py", "task": "compat.add", "id": "\#(taskID)", "eta": null"#,
        properties: String = "\(tag), \(info)"
    ) -> String {
        #"{"body": "\#(body)", "content-encoding": "utf-8", "content-type": "\#(contentType)", "headers": {\#(headers)}, "properties": {\#(properties)}}"#
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The error decoding `raw` throws; a test fails when it decodes.
    static func error(decoding raw: String) throws -> MalformedMessageError {
        let message: TaskMessage
        do {
            message = try TaskMessage.decode(raw)
        } catch {
            return error
        }
        throw DecodedAnyway(message: message)
    }

    struct DecodedAnyway: Error { var message: TaskMessage }

    // MARK: - What a real worker accepts

    @Test func minimalEnvelopeOfTheSpecDecodes() throws {
        let message = try TaskMessage.decode(WireSpec.minimalEnvelope)
        #expect(message.task == "compat.add" && message.id == "<uuid>")
        #expect(message.args == [2, 3] && message.kwargs.isEmpty)
        #expect(message.embed == TaskMessage.emptyEmbed)
        #expect(message.deliveryTag == "<uuid>" && message.queue == "celery")
        #expect(message.priority == 0 && message.retries == 0 && message.eta == nil)
        #expect(message.properties["body_encoding"] == nil)
        // Re-encoding writes what Celery writes: a base64 body, same arguments.
        let again = try TaskMessage.decode(message.encoded())
        #expect(again.args == message.args && again.properties["body_encoding"] == "base64")
    }

    @Test func emptyEmbedIsAccepted() throws {
        let message = try TaskMessage.decode(Self.envelope(body: "[[1], {\\\"x\\\": 2}, {}]"))
        #expect(message.args == [1] && message.kwargs == ["x": 2])
        #expect(message.embed.isEmpty)
    }

    @Test func base64BodyIsDecoded() throws {
        let raw = Self.envelope(
            body: Self.base64(WireSpec.body), properties: "\(Self.tag), \(Self.info), \"body_encoding\": \"base64\""
        )
        #expect(try TaskMessage.decode(raw).args == [2, 3])
    }

    // MARK: - The defects

    @Test func missingDeliveryTag() throws {
        let error = try Self.error(decoding: Self.envelope(properties: Self.info))
        #expect(error.defect == .missingDeliveryTag)
        #expect(error.taskID == Self.taskID && error.taskName == "compat.add")
        #expect(error.description == "properties.delivery_tag is missing")
    }

    @Test func missingDeliveryInfo() throws {
        let error = try Self.error(decoding: Self.envelope(properties: Self.tag))
        #expect(error.defect == .missingDeliveryInfo)
        #expect(error.taskID == Self.taskID)
    }

    @Test func missingProperties() throws {
        let raw =
            #"{"body": "\#(Self.rawBody)", "content-type": "application/json", "headers": {"task": "t", "id": "\#(Self.taskID)"}}"#
        let error = try Self.error(decoding: raw)
        #expect(error.defect == .missingDeliveryTag && error.taskID == Self.taskID)
    }

    /// The poison message of §3.3: a real worker crashes on it.
    @Test func bodyWithTwoElements() throws {
        let error = try Self.error(decoding: Self.envelope(body: "[[2, 3], {}]"))
        #expect(error.defect == .bodyNotThreeElementArray(count: 2))
        #expect(error.taskID == Self.taskID)
        #expect(error.description == "body has 2 elements; expected [args, kwargs, embed]")
    }

    @Test(arguments: ["[]", "[[], {}, {}, {}]"])
    func bodyWithAnotherElementCount(body: String) throws {
        let count = try #require(try JSONValue.parse(body).arrayValue).count
        #expect(try Self.error(decoding: Self.envelope(body: body)).defect == .bodyNotThreeElementArray(count: count))
    }

    @Test(arguments: [#"{\"args\": []}"#, "5", #"\"text\""#, "null"])
    func bodyNotAnArray(body: String) throws {
        let error = try Self.error(decoding: Self.envelope(body: body))
        #expect(error.defect == .bodyNotThreeElementArray(count: -1))
        #expect(error.description == "body is not a JSON array")
        #expect(error.taskID == Self.taskID)
    }

    @Test(arguments: [#"[{}, {}, {}]"#, #"[[], [], {}]"#, #"[null, {}, {}]"#])
    func argumentsOfTheWrongType(body: String) throws {
        #expect(try Self.error(decoding: Self.envelope(body: body)).defect == .argumentsMalformed)
    }

    /// Pickle, as `serializer='pickle'` sends it: a real worker drops it (capture 13).
    @Test func pickleContentType() throws {
        let pickled = "gASVOgAAAAAAAABLAksDhpR9lH2UKIwJY2FsbGJhY2tzlE6MCGVycmJhY2tzlE6MBWNoYWlulE6MBWNob3JklE51h5Qu"
        let raw = Self.envelope(
            body: pickled, contentType: "application/x-python-serialize",
            properties: "\(Self.tag), \(Self.info), \"body_encoding\": \"base64\""
        )
        let error = try Self.error(decoding: raw)
        #expect(error.defect == .unsupportedContentType("application/x-python-serialize"))
        #expect(error.taskID == Self.taskID && error.taskName == "compat.add")
        #expect(error.description.contains("application/x-python-serialize"))
    }

    @Test(arguments: ["text/plain", "application/octet-stream"])
    func otherContentTypes(contentType: String) throws {
        #expect(
            try Self.error(decoding: Self.envelope(contentType: contentType)).defect
                == .unsupportedContentType(contentType))
    }

    @Test(arguments: ["not base64!!", "W1syLCAzXSwge30s=x", "W1s"])
    func badBase64(body: String) throws {
        let raw = Self.envelope(body: body, properties: "\(Self.tag), \(Self.info), \"body_encoding\": \"base64\"")
        let error = try Self.error(decoding: raw)
        #expect(error.defect == .invalidBase64)
        #expect(error.taskID == Self.taskID)
    }

    @Test func unknownBodyEncoding() throws {
        let raw = Self.envelope(properties: "\(Self.tag), \(Self.info), \"body_encoding\": \"gzip\"")
        #expect(try Self.error(decoding: raw).defect == .unsupportedBodyEncoding("gzip"))
    }

    @Test func invalidBodyJSON() throws {
        let error = try Self.error(decoding: Self.envelope(body: "[[2, 3], {}, "))
        guard case .invalidBodyJSON(let parseError) = error.defect else {
            Issue.record("expected invalidBodyJSON, got \(error.defect)")
            return
        }
        #expect(parseError.offset == 13)
        #expect(error.taskID == Self.taskID)
        #expect(error.description.hasPrefix("body is not valid JSON (invalid JSON at byte 13"))
    }

    @Test func invalidBodyJSONInsideBase64() throws {
        let raw = Self.envelope(
            body: Self.base64("[[2, 3], {}, {]"), properties: "\(Self.tag), \(Self.info), \"body_encoding\": \"base64\""
        )
        guard case .invalidBodyJSON = try Self.error(decoding: raw).defect else {
            Issue.record("expected invalidBodyJSON")
            return
        }
    }

    @Test func missingBody() throws {
        let raw =
            #"{"content-type": "application/json", "headers": {"task": "t", "id": "\#(Self.taskID)"}, "properties": {\#(Self.tag), \#(Self.info)}}"#
        let error = try Self.error(decoding: raw)
        #expect(error.defect == .missingBody && error.taskID == Self.taskID)
    }

    @Test(arguments: [#"{"body": "#, "", "   ", #"{"body": "x"} trailing"#, "\u{FEFF}{}"])
    func invalidEnvelopeJSON(raw: String) throws {
        let error = try Self.error(decoding: raw)
        guard case .invalidEnvelopeJSON = error.defect else {
            Issue.record("expected invalidEnvelopeJSON, got \(error.defect)")
            return
        }
        #expect(error.taskID == nil && error.taskName == nil)
        #expect(error.description.hasPrefix("envelope is not valid JSON"))
    }

    @Test func invalidEnvelopeJSONNamesTheOffset() throws {
        guard case .invalidEnvelopeJSON(let parseError) = try Self.error(decoding: #"{"body": "#).defect else {
            Issue.record("expected invalidEnvelopeJSON")
            return
        }
        #expect(parseError.offset == 9)
    }

    @Test(arguments: ["[1, 2]", "\"envelope\"", "null", "42"])
    func envelopeNotAnObject(raw: String) throws {
        #expect(try Self.error(decoding: raw).defect == .envelopeNotAnObject)
    }

    @Test func missingHeaders() throws {
        let raw =
            #"{"body": "\#(Self.rawBody)", "content-type": "application/json", "properties": {\#(Self.tag), \#(Self.info)}}"#
        let error = try Self.error(decoding: raw)
        #expect(error.defect == .missingHeaders && error.taskID == nil)
        #expect(
            try Self.error(
                decoding: raw.replacingOccurrences(of: #""properties""#, with: #""headers": [], "properties""#)
            ).defect == .missingHeaders)
    }

    @Test func missingTaskName() throws {
        let error = try Self.error(decoding: Self.envelope(headers: #""lang": "py", "id": "\#(Self.taskID)""#))
        #expect(error.defect == .missingTaskName)
        #expect(error.taskID == Self.taskID && error.taskName == nil)
        #expect(try Self.error(decoding: Self.envelope(headers: #""task": 5, "id": "x""#)).defect == .missingTaskName)
    }

    @Test func missingTaskID() throws {
        let error = try Self.error(decoding: Self.envelope(headers: #""lang": "py", "task": "compat.add""#))
        #expect(error.defect == .missingTaskID)
        #expect(error.taskID == nil && error.taskName == "compat.add")
        #expect(try Self.error(decoding: Self.envelope(headers: #""task": "t", "id": null"#)).defect == .missingTaskID)
    }

    /// Every defect has a one-line reason a person can act on.
    @Test func everyDescriptionIsOneLine() throws {
        let parseError = JSONParseError(reason: "unexpected end of input", offset: 3)
        let defects: [MalformedMessageError.Defect] = [
            .invalidEnvelopeJSON(parseError), .envelopeNotAnObject, .missingHeaders, .missingTaskName, .missingTaskID,
            .missingDeliveryTag, .missingDeliveryInfo, .unsupportedContentType("application/x-python-serialize"),
            .unsupportedBodyEncoding("gzip"), .missingBody, .invalidBase64, .invalidBodyJSON(parseError),
            .invalidBody(BodyParseError(serializer: "yaml", reason: "a quoted scalar is not closed", offset: 4)),
            .bodyNotThreeElementArray(count: 2), .bodyNotThreeElementArray(count: -1), .argumentsMalformed,
        ]
        let descriptions = defects.map { MalformedMessageError(defect: $0, taskID: "x").description }
        #expect(Set(descriptions).count == defects.count)
        for description in descriptions {
            #expect(!description.isEmpty && !description.contains("\n"))
        }
    }
}
