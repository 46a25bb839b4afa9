import Broker
import Foundation
import Testing

@testable import Tasks

/// The batch request's validation (pure logic).
@Suite("Invoices: request validation")
struct InvoiceBatchRequestTests {
    static func invoices(_ count: Int) -> [JSONValue] {
        (0..<count).map {
            ["image": .string(Data("invoice-\($0)".utf8).base64EncodedString()), "metadata": ["n": .int($0)]]
        }
    }

    static func rejection(_ invoices: [JSONValue], callback: String? = nil) -> String? {
        do throws(InvoiceBatchRejection) {
            _ = try InvoiceBatchRequest(invoices: invoices, callbackURL: callback)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("10 to 50 invoices are accepted, 9 and 51 are not")
    func counts() throws {
        #expect(Self.rejection(Self.invoices(9)) == "a batch holds 10 to 50 invoices, not 9")
        #expect(Self.rejection(Self.invoices(51)) == "a batch holds 10 to 50 invoices, not 51")
        #expect(Self.rejection(Self.invoices(10)) == nil)
        let request = try InvoiceBatchRequest(invoices: Self.invoices(50), callbackURL: "https://client.example/hook")
        #expect(request.invoices.count == 50)
        #expect(String(decoding: request.invoices[7].image, as: UTF8.self) == "invoice-7")
        #expect(request.invoices[7].metadata["n"]?.intValue == 7)
    }

    @Test("bad images, metadata and callback URLs are rejected with the invoice's position")
    func badInvoices() {
        var invoices = Self.invoices(10)
        invoices[3] = ["image": "not base64 !!", "metadata": [:]]
        #expect(Self.rejection(invoices) == "invoice 3: \"image\" is not valid base64")
        invoices[3] = ["metadata": [:]]
        #expect(Self.rejection(invoices) == "invoice 3 has no \"image\" (base64 text)")
        invoices[3] = ["image": .string(Data("x".utf8).base64EncodedString()), "metadata": [1, 2]]
        #expect(Self.rejection(invoices) == "invoice 3: \"metadata\" must be an object")
        invoices[3] = ["image": .string(Data(count: InvoiceBatchRequest.maximumImageBytes + 1).base64EncodedString())]
        #expect(Self.rejection(invoices) == "invoice 3: the image is larger than 5242880 bytes")
        #expect(Self.rejection(Self.invoices(10), callback: "ftp://x/y") == "callback_url must be an http or https URL")
    }

    @Test("the SHA-256 is the image's, in hex")
    func sha256() {
        #expect(
            InvoiceBatchRequest.sha256(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
