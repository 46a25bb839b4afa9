import Broker
import Foundation
import TestSupport
import Testing

/// Issue 22: a worker asked to serve `/metrics` on an address it cannot bind stops with exit 1 and one line
/// naming the address (it used to log and exit 0, which a service manager reads as a clean stop).
@Suite("metrics bind failure")
struct MetricsBindFailureTests {
    @Test("a taken --metrics-address, or CELERITY_METRICS_ADDRESS: exit 1, one line naming the address")
    func takenAddress() async throws {
        try await withRedisServer { redis in
            let occupant = try LoopbackHTTPServer { _ in .init(status: 200, body: "taken") }
            defer { occupant.stop() }
            let address = "127.0.0.1:\(occupant.port)"
            let forms: [(arguments: [String], environment: [String: String])] = [
                (["--metrics-address", address], [:]),
                ([], ["CELERITY_METRICS_ADDRESS": address]),
            ]
            for (arguments, environment) in forms {
                let run = try await ChildProcess.run(
                    try WorkerFixture.binary("celerity"), arguments: ["worker", "-c", "1", "--redis-url", redis.url] + arguments,
                    environment: environment, timeout: .seconds(30)
                )
                let errors = run.standardError.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("Error:") }
                #expect(run.termination == .exited(1), "ended \(run.termination): \(run.standardError)")
                #expect(errors.count == 1 && errors.first?.contains("cannot serve /metrics on \(address)") == true, "\(run.standardError)")
            }
        }
    }
}
