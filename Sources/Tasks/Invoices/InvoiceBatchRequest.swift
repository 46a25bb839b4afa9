import Broker
import Crypto
import Foundation

/// A validated `invoices.process_batch` request: 10–50 invoices, each `{"image": "<base64>", "metadata": {…}}`
/// whose decoded image is at most ``maximumImageBytes``, and an optional http(s) `callback_url`.
struct InvoiceBatchRequest: Sendable {
    /// The fewest invoices a batch may hold.
    static let minimumInvoices = 10
    /// The most invoices a batch may hold.
    static let maximumInvoices = 50
    /// The largest decoded image per invoice (5 MiB); a 50-invoice message stays under ~340 MiB of base64 at worst,
    /// and typical scans (100–500 KiB) keep it to a few MiB.
    static let maximumImageBytes = 5 << 20
    /// The longest batch id.
    static let maximumBatchIDLength = 128

    /// Whether `batchID` matches `[A-Za-z0-9._-]{1,128}`: it names database rows, Redis channels and Slack text.
    static func isValidBatchID(_ batchID: String) -> Bool {
        (1...maximumBatchIDLength).contains(batchID.utf8.count)
            && batchID.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default:
                    return false
                }
            }
    }

    /// One invoice: the image bytes, their SHA-256 (hex) and the app's metadata object.
    struct Invoice: Sendable {
        var image: [UInt8]
        var sha256: String
        var metadata: JSONValue
    }

    let invoices: [Invoice]
    let callbackURL: String?

    /// Validates the request.
    /// - Throws: ``InvoiceBatchRejection`` with the first reason the batch cannot be processed.
    init(invoices: [JSONValue], callbackURL: String?) throws(InvoiceBatchRejection) {
        guard (Self.minimumInvoices...Self.maximumInvoices).contains(invoices.count) else {
            throw InvoiceBatchRejection(
                "a batch holds \(Self.minimumInvoices) to \(Self.maximumInvoices) invoices, not \(invoices.count)"
            )
        }
        if let callbackURL {
            let lower = callbackURL.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), callbackURL.count > 8 else {
                throw InvoiceBatchRejection("callback_url must be an http or https URL")
            }
        }
        var parsed: [Invoice] = []
        for (position, invoice) in invoices.enumerated() {
            guard let object = invoice.objectValue else {
                throw InvoiceBatchRejection("invoice \(position) is not an object with \"image\" and \"metadata\"")
            }
            guard let text = object["image"]?.stringValue, !text.isEmpty else {
                throw InvoiceBatchRejection("invoice \(position) has no \"image\" (base64 text)")
            }
            // Base64 grows data by 4/3: refuse oversized text before decoding it.
            guard text.utf8.count <= (Self.maximumImageBytes / 3 + 1) * 4 + 4 else {
                throw InvoiceBatchRejection(
                    "invoice \(position): the image is larger than \(Self.maximumImageBytes) bytes")
            }
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty,
                Self.isBase64(text)
            else {
                throw InvoiceBatchRejection("invoice \(position): \"image\" is not valid base64")
            }
            guard data.count <= Self.maximumImageBytes else {
                throw InvoiceBatchRejection(
                    "invoice \(position): the image is larger than \(Self.maximumImageBytes) bytes")
            }
            let metadata = object["metadata"] ?? .object(JSONObject())
            guard metadata.objectValue != nil || metadata.isNull else {
                throw InvoiceBatchRejection("invoice \(position): \"metadata\" must be an object")
            }
            let bytes = [UInt8](data)
            parsed.append(
                Invoice(
                    image: bytes, sha256: Self.sha256(bytes),
                    metadata: metadata.isNull ? .object(JSONObject()) : metadata
                )
            )
        }
        self.invoices = parsed
        self.callbackURL = callbackURL
    }

    /// The hex SHA-256 of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `text` holds only base64 characters (standard alphabet, padding, line breaks).
    private static func isBase64(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="),
                UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                return true
            default:
                return false
            }
        }
    }
}
