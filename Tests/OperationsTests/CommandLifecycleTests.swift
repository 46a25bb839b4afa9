import Broker
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one lifecycle shape (issue 23, part 3) seen from outside: a long-running command stops cleanly on SIGTERM.
@Suite("command lifecycle", .serialized)
struct CommandLifecycleTests {
    @Test("`celerity alerts` stops on SIGTERM between evaluations: exit 0, `alerter stopped` logged")
    func alerterStopsOnTerm() async throws {
        try await OperationsFixture.with { fixture in
            let alerter = try fixture.start(
                OperationsFixture.celerity, ["alerts", "--interval", "0.5"], environment: ["CELERITY_REDIS_URL": fixture.redis.url]
            )
            try await poll(timeout: .seconds(20), "the alerter to start") {
                if let ended = alerter.termination { throw HarnessError(.timeout, "alerts exited at start (\(ended)): \(alerter.diagnostics())") }
                return (alerter.output + alerter.errorOutput).contains("alerter started")
            }
            alerter.terminate()
            let status = try await alerter.waitForExit(timeout: .seconds(5))
            #expect(status == .exited(0), "`celerity alerts` ended with \(status): \(alerter.diagnostics())")
            #expect((alerter.output + alerter.errorOutput).contains("alerter stopped"))
        }
    }

    @Test("a node keeps serving /metrics and /healthz while a warm shutdown waits for a task, and stops them with it")
    func metricsServeDuringWarmShutdown() async throws {
        try await OperationsFixture.with { fixture in
            let node = try await fixture.startWorker(name: "lifecycle@test", concurrency: 1, extra: ["--shutdown-timeout", "60"])
            try await fixture.client.send(TaskMessage.make(task: "demo.sleep", args: [3]))
            try await poll(timeout: .seconds(10), "the node to take the task") {
                try await fixture.db.send(["LLEN", "celery"]).integer == 0
            }
            node.process.terminate()
            try await poll(timeout: .seconds(10), "the node to begin a warm shutdown") {
                (node.process.output + node.process.errorOutput).contains("warm shutdown: waiting for running tasks")
            }
            let during = try await OperationsFixture.get("\(node.url)/healthz")
            #expect(during.status == 200, "/healthz during the warm shutdown: \(during.status)")
            #expect(node.process.termination == nil, "the node did not wait for its task")
            let status = try await node.process.waitForExit(timeout: .seconds(15))
            #expect(status == .exited(0), "the node ended with \(status): \(node.process.diagnostics())")
            #expect((node.process.output + node.process.errorOutput).contains("worker node stopped"))
            let after = try? await OperationsFixture.get("\(node.url)/healthz")
            #expect(after == nil || after?.status == 0, "/healthz still answers after the node stopped: \(String(describing: after))")
        }
    }
}
