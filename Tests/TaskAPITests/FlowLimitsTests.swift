import Broker
import TaskAPI
import Testing

/// Flow control's definitions (docs/flow-control.md): rates are read as Celery writes them and a malformed
/// limit is refused when the task is registered, naming the task and the text.
struct FlowLimitsTests {
    @Test("Celery rate strings: N/s, N/m, N/h, N/Ks and a bare N (per second)")
    func rates() throws {
        #expect(try RateLimit("100/m").description == "100/60s")
        #expect(try RateLimit("10/s").description == "10/1s")
        #expect(try RateLimit("1000/h").description == "1000/3600s")
        #expect(try RateLimit("20/10s").description == "20/10s")
        #expect(try RateLimit(" 5 ").description == "5/1s")
    }

    @Test("a malformed rate or concurrency is refused at registration, naming the task", arguments: [
        TaskDefinition("flow.bad_rate", rateLimit: "fast") { _, _ in .null },
        TaskDefinition("flow.bad_unit", rateLimit: "10/d") { _, _ in .null },
        TaskDefinition("flow.zero", rateLimit: "0/m") { _, _ in .null },
        TaskDefinition("flow.bad_key_rate", flow: FlowLimits(rate: "1/10m")) { _, _ in .null },
        TaskDefinition("flow.bad_concurrency", flow: FlowLimits(concurrency: 0)) { _, _ in .null },
    ])
    func refused(_ definition: TaskDefinition) throws {
        let error = #expect(throws: TaskRegistryError.self) { try TaskRegistry([definition]) }
        #expect(error?.description.contains(definition.name) == true, "\(String(describing: error))")
    }

    @Test("a keyed parameters type puts its flow key in the message headers")
    func keyedParameters() throws {
        struct Ocr: KeyedTaskParameters {
            static let taskName = "flow.ocr"
            static let parameters = ["customer_id"]
            var customer_id: String
            var flowKey: String? { customer_id }
        }
        let message = try Signature(Ocr(customer_id: "acme")).message()
        #expect(message.headers[FlowLimits.keyHeader] == .string("acme"))
    }
}
