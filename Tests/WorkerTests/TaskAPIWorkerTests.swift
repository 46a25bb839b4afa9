import Broker
import Foundation
import TaskAPI
import TestSupport
import Testing

@testable import Worker

#if canImport(Glibc)
import Glibc
#endif

/// The task API inside a real worker: a parent killed with kill -9 after fanning out does not fan out twice,
/// and the Swift and Lua readings of a message's priority agree.
@Suite(.serialized)
struct TaskAPIWorkerTests {
    @Test("a parent killed with kill -9 after fanning out runs again, and each child runs once per id")
    func fanOutSurvivesParentKill() async throws {
        let f = try await WorkerFixture.start()
        do {
            let node = try await f.startWorker()
            let parent = try await f.client.enqueue("test.fan_out", args: ["rec:fan", 4])
            try await f.poll("the parent to fan out", timeout: .seconds(10), node: node) {
                try await f.list("rec:fan:parent").contains("fanned:1") ? true : nil
            }
            let processID = try await f.processRunning(parent)
            let victim = try #require(node.pid(ofProcess: processID), "no pid for \(processID) among \(node.processes())")
            kill(victim, SIGKILL)

            let result = try await f.waitForResult(parent, .success, timeout: .seconds(15), node: node)
            let children = (result.result.arrayValue ?? []).compactMap(\.stringValue)
            #expect(children.count == 5)
            // The re-run was the message's second delivery, and it fanned out again without sending anything twice.
            #expect(try await f.list("rec:fan:parent") == ["fanned:1", "fanned:2"])
            let recorded = try await f.poll("every child to run", timeout: .seconds(10), node: node) {
                let ids = try await f.list("rec:fan")
                return ids.count >= 5 ? ids : nil
            }
            #expect(recorded.sorted() == children.sorted(), "each child ran exactly once: \(recorded)")
            for child in children {
                let stored = try await f.result(child)
                #expect(stored.state == .success)
                #expect(stored.parentID == parent)
            }
            // The ids are derived from the parent's: the same parent always fans out to the same ids.
            #expect(children[0] == RandomID.derived(from: [parent, "0", "task", "0"]))
            #expect(children[4] == RandomID.derived(from: [parent, "1", "task", "0"]))
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("the Swift and Lua readings of properties.priority put a message in the same bucket")
    func priorityBucketParity() async throws {
        let f = try await WorkerFixture.start()
        do {
            let cases: [JSONValue] = [
                0, 1, 3, 5, 6, 9, 10, -1, 255, 3.5, 5.7, -0.5, 9.99, "3.5", "7", " 7 ", "+3", "-2", "abc", "", "9999999999999999999999",
                true, false, nil, [1], ["p": 3],
            ]
            let script = RedisScript(
                name: "bucket-probe",
                source: WorkerScripts.prelude + "return bucket_key(cjson.decode(ARGV[1]))"
            )
            for priority in cases {
                var message = TaskMessage.make(task: "demo.add", options: TaskOptions(queue: "q"))
                message.properties["priority"] = priority
                let lua = try await f.db.evaluate(script, arguments: [message.encoded()])
                #expect(lua.string == message.listKey, "priority \(priority.serialized): Lua \(lua), Swift \(message.listKey)")
            }
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}

extension TaskAPIWorkerTests {
    @Test("middleware sees every outcome: success, retry, failure, dead letter, revoked, soft time limit")
    func middlewareOutcomes() async throws {
        let f = try await WorkerFixture.start()
        do {
            let node = try await f.startWorker()
            let add = try await f.client.enqueue("demo.add", args: [1, 2])
            let fail = try await f.client.enqueue("demo.fail")
            let flaky = try await f.client.enqueue("test.flaky", args: ["mw:flaky", 1])
            let exhausted = try await f.client.enqueue("test.always_fail", args: ["mw:always"])
            let slow = try await f.client.enqueue("demo.sleep", args: [5], options: TaskOptions(softTimeLimit: .milliseconds(200)))
            let revoked = TaskMessage.make(task: "demo.add", args: [1, 1], options: TaskOptions(countdown: .seconds(1)))
            _ = try await f.celerity(["revoke", revoked.id])
            try await f.client.send(revoked)
            let unknown = try await f.client.enqueue("no.such.task")
            for id in [add, flaky, slow, fail] { _ = try await f.waitForResult(id, nil, timeout: .seconds(15), node: node) }
            let expected = [
                "did:demo.add:succeeded", "did:demo.fail:failed:ValueError", "did:test.flaky:retried:ConnectionError",
                "did:test.flaky:succeeded", "did:test.always_fail:dead-lettered:retries exhausted after 2 retries",
                "did:demo.sleep:time-limit", "did:demo.add:revoked:revoked", "did:no.such.task:dead-lettered:unknown task name",
            ]
            let events = try await f.poll("every outcome to reach the middleware", timeout: .seconds(20), node: node) {
                let events = try await f.list("middleware:events")
                return expected.allSatisfy(events.contains) ? events : nil
            }
            #expect(events.filter { $0 == "will:test.flaky" }.count == 2)
            #expect(events.contains("will:demo.add"))
            #expect(!events.contains("will:no.such.task"))
            _ = (exhausted, unknown)
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}

extension TaskAPIWorkerTests {
    @Test("worker processes get --redis-url, --database-url and --set through the environment, not their command line")
    func secretsStayOffChildCommandLines() async throws {
        let f = try await WorkerFixture.start()
        do {
            let node = try await f.startWorker([
                "--database-url", "postgresql://app:hunter2-db@127.0.0.1:1/app", "--set", "CELERITY_WEBHOOK_SECRET=hunter2-hook",
            ])
            let processes = node.processes()
            #expect(processes.count == 2)
            for pid in processes.keys {
                let commandLine = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
                #expect(!commandLine.contains("hunter2"))
                #expect(!commandLine.contains(f.redis.url))
                let environment = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)
                #expect(environment.contains("CELERITY_DATABASE_URL=postgresql://app:hunter2-db@127.0.0.1:1/app"))
                #expect(environment.contains("CELERITY_WEBHOOK_SECRET=hunter2-hook"))
            }
            // The processes still reach Redis (their URL came through the environment).
            let id = try await f.client.enqueue("demo.add", args: [2, 3])
            #expect(try await f.waitForResult(id, .success, timeout: .seconds(10), node: node).result == 5)
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}

extension TaskAPIWorkerTests {
    @Test("a bad application configuration stops `celerity worker` at once with one line naming it")
    func badConfigurationStopsTheWorker() async throws {
        let f = try await WorkerFixture.start()
        do {
            let badURL = try await f.celerity(["worker", "--database-url", "mysql://app:hunter2@db/app"])
            #expect(badURL.status != 0)
            #expect(badURL.output.contains("CELERITY_DATABASE_URL"), "\(badURL.output)")
            #expect(!badURL.output.contains("hunter2"))
            let badAlias = try await f.celerity(["worker", "--alias", "myapp.tasks.x=no.such.task"])
            #expect(badAlias.status != 0)
            #expect(badAlias.output.contains("no.such.task"), "\(badAlias.output)")
            let unreadable = try await f.celerity(["worker", "--config", "/nonexistent/celerity.env"])
            #expect(unreadable.status != 0)
            #expect(unreadable.output.contains("/nonexistent/celerity.env"), "\(unreadable.output)")
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}
