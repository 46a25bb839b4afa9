import Broker
import Foundation
import TestSupport
import Testing

/// Celery's `global_keyprefix` (`broker_transport_options` and `result_backend_transport_options`) against
/// `celerity --global-keyprefix`: real Celery 5.7 and 5.5 on one side, Celerity nodes on the other, two tenants on
/// one Redis.
@Suite("Celery's global_keyprefix")
struct GlobalKeyPrefixTests {
    /// Tenant 1 ends its prefix with `:` (broker and result keys share it); tenant 2 has no separator, so Celery's
    /// backend puts `tenant2_` before result keys while kombu puts `tenant2` before the others.
    static let tenants = [(prefix: "tenant1:", result: "tenant1:"), (prefix: "tenant2", result: "tenant2_")]

    @Test(
        "Python Celery with global_keyprefix and Celerity nodes with --global-keyprefix: tasks and results both ways, celery inspect ping, events; two tenants on one Redis see only their own",
        arguments: CeleryVersions.all
    )
    func twoTenants(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withInteropFixture { fixture in
            var nodes: [CelerityNode] = []
            for tenant in Self.tenants {
                nodes.append(
                    try await fixture.startCelerity(
                        concurrency: 1, options: ["-E", "--result-extended"], globalKeyPrefix: tenant.prefix
                    )
                )
            }
            let python = try await celery.startWorker(
                redisURL: fixture.url, queues: ["python"], extraArgs: ["--without-mingle", "--without-gossip"],
                environment: ["CELERITY_GLOBAL_KEYPREFIX": "tenant1:"]
            )
            fixture.adopt(python)

            for (index, tenant) in Self.tenants.enumerated() {
                let environment = ["CELERITY_GLOBAL_KEYPREFIX": tenant.prefix]

                // Python producer → the tenant's Celerity node; the Python backend reads the result under the prefix.
                let output = try await celery.run(
                    args: ["call", #"{"name": "compat.add", "args": [2, \#(index + 3)]}"#, "--timeout", "20"],
                    redisURL: fixture.url, environment: environment
                )
                let outcome = try JSONDecoder().decode(
                    CeleryOutcome.self, from: Data((output.split(separator: "\n").last ?? "").utf8)
                )
                #expect(outcome.status == "SUCCESS", "tenant \(tenant.prefix): \(output)")
                #expect(outcome.result == .int(2 + index + 3))
                let stored = try #require(
                    try await fixture.db.send(["GET", tenant.result + ResultBackend.key(taskID: outcome.taskID)]).string,
                    "the result is stored under \(tenant.result)"
                )
                let document = try TaskResult.decode(stored, taskID: outcome.taskID)
                #expect(document.extended["worker"]?.stringValue == nodes[index].name, "run by the tenant's own node")

                // celery inspect ping under the prefix reaches the tenant's node, never the other tenant's.
                let ping = try await Self.inspect(celery, fixture, ["ping"], environment: environment)
                #expect(ping[nodes[index].name] == ["ok": "pong"], "\(ping)")
                #expect(ping[nodes[1 - index].name] == nil, "\(ping)")

                // Celery's event receiver under the prefix hears the tenant's node (heartbeats), not the other's.
                let events = try await fixture.scenario(
                    celery, ["events", "worker-heartbeat", "--hostname", nodes[index].name, "--timeout", "20"], script: "wire.py",
                    environment: environment
                )
                let hostnames = Set((events["hostnames"]?.array ?? []).compactMap(\.string))
                #expect(hostnames.contains(nodes[index].name), "\(events)")
                #expect(!hostnames.contains(nodes[1 - index].name), "\(events)")
            }

            // Swift client with the prefix → the Python worker of tenant 1, and its result back.
            var configuration = fixture.client.redis.connection.configuration
            configuration.globalKeyPrefix = try GlobalKeyPrefix("tenant1:")
            let client = CelerityClient(configuration: configuration)
            defer { client.redis.connection.close() }
            let id = try await client.enqueue("compat.add", args: [20, 22], options: TaskOptions(queue: "python"))
            let result = try await client.result(id, timeout: .seconds(20))
            #expect(result.state == .success && result.result == 42)
            #expect(result.extended["worker"]?.stringValue?.hasPrefix("compat-") == true)
            #expect(try await fixture.db.send(["EXISTS", "tenant1:" + ResultBackend.key(taskID: id)]).integer == 1)

            // The CLI with --global-keyprefix: enqueue and result under tenant 2's prefix (its node runs the task).
            let sent = try await fixture.celerity(["enqueue", "compat.add", "--args", "[4,4]", "--global-keyprefix", "tenant2"])
            let cliID = sent.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(sent.status.isSuccess && UUID(uuidString: cliID) != nil, "\(sent.output)")
            let waited = try await fixture.celerity(["result", cliID, "--wait", "30", "--global-keyprefix", "tenant2"])
            #expect(waited.output == "SUCCESS 8\n")
            #expect(try await fixture.db.send(["EXISTS", "tenant2_" + ResultBackend.key(taskID: cliID)]).integer == 1)

            // Nothing of either tenant is outside its prefix: every key and every channel in use carries one.
            let keys = (try await fixture.db.send(["KEYS", "*"]).array ?? []).compactMap(\.string)
            #expect(keys.count > 10)
            let unprefixed = keys.filter { key in !Self.tenants.contains { key.hasPrefix($0.prefix) } }
            #expect(unprefixed.isEmpty, "keys outside both prefixes: \(unprefixed)")
            let channels = (try await fixture.db.send(["PUBSUB", "CHANNELS"]).array ?? []).compactMap(\.string)
            #expect(channels.contains("tenant1:/0.celery.pidbox") && channels.contains("tenant2/0.celery.pidbox"))
            let loose = channels.filter { channel in !Self.tenants.contains { channel.hasPrefix($0.prefix) } }
            #expect(loose.isEmpty, "channels outside both prefixes: \(loose)")
        }
    }

    @Test("A bad --global-keyprefix or CELERITY_GLOBAL_KEYPREFIX is one line naming it, exit status 1")
    func badPrefix() async throws {
        let celerity = try InteropFixture.binary("celerity")
        for (arguments, environment, named) in [
            (["--global-keyprefix", "two words"], [:], "--global-keyprefix"),
            ([], ["CELERITY_GLOBAL_KEYPREFIX": "quote'd"], "CELERITY_GLOBAL_KEYPREFIX"),
            (["--global-keyprefix", String(repeating: "p", count: 129)], [:], "--global-keyprefix"),
        ] {
            let run = try await ChildProcess.run(
                celerity, arguments: ["queues", "--redis-url", "redis://127.0.0.1:1/0"] + arguments,
                environment: environment, timeout: .seconds(30)
            )
            #expect(run.termination == .exited(1), "\(arguments) \(environment): \(run.termination)")
            let lines = run.standardError.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(named) && lines[0].contains("global key prefix"), "\(run.standardError)")
        }
    }

    /// Runs the real `celery -A compat inspect <arguments> --json` with `environment` and parses the replies.
    static func inspect(
        _ celery: PythonCelery, _ fixture: InteropFixture, _ arguments: [String], environment: [String: String]
    ) async throws -> InteropJSON {
        let run = try await ChildProcess.run(
            celery.python, arguments: ["-m", "celery", "-A", "compat", "inspect"] + arguments + ["--json", "--timeout", "2"],
            environment: ["CELERITY_REDIS_URL": fixture.url, "PYTHONDONTWRITEBYTECODE": "1"].merging(environment) { $1 },
            workingDirectory: PythonCelery.scriptsDirectory, timeout: .seconds(60)
        )
        guard run.termination.isSuccess, let line = run.standardOutput.split(separator: "\n").last else {
            throw InteropFailure("celery inspect \(arguments) failed (\(run.termination)):\n\(run.standardOutput)\n\(run.standardError)")
        }
        return try InteropJSON(parsing: String(line))
    }
}
