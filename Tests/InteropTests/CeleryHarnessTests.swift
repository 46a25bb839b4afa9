import Foundation
import TestSupport
import Testing

/// Proves the Python Celery tooling: a pinned virtual environment, a real worker, `send.py`.
@Suite("Celery harness")
struct CeleryHarnessTests {
    @Test("the Celery 5.7.0 virtual environment exists and imports celery at the pinned version")
    func virtualEnvironmentIsPinned() async throws {
        let celery = try await PythonCelery.prepare(version: "5.7.0")
        let result = try await ChildProcess.run(
            celery.python, arguments: ["-c", "import celery, kombu, redis; print(celery.__version__)"]
        )
        #expect(result.termination.isSuccess, "\(result.standardError)")
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "5.7.0")
    }

    @Test(
        "a real Celery worker runs compat.add sent by send.py, and wait reports SUCCESS 5",
        arguments: [PythonCelery.defaultVersion, "5.5.3"]
    )
    func workerRunsAdd(version: String) async throws {
        let celery = try await PythonCelery.prepare(version: version)
        try await withRedisServer { redis in
            try await celery.withWorker(redisURL: redis.url) { worker in
                #expect(worker.output.contains("compat.add"))
                let id = try await celery.sendTask("compat.add", args: [2, 3], redisURL: redis.url)
                let outcome = try await celery.waitForResult(taskID: id, redisURL: redis.url, timeout: .seconds(20))
                #expect(outcome.taskID == id)
                #expect(outcome.status == "SUCCESS")
                #expect(outcome.result == 5)
                #expect(outcome.excType == nil)
                #expect(!outcome.timedOut)
                let stored = try #require(try redis.command("GET", "celery-task-meta-\(id)").string)
                let meta = try InteropJSON(parsing: stored)
                #expect(meta["status"] == "SUCCESS")
                #expect(meta["result"] == 5)
                #expect(meta["task_id"] == .string(id))
                #expect(meta["name"] == "compat.add")  // result_extended=True
            }
        }
    }

    @Test("failures, keyword arguments, queues and the record task come back through send.py")
    func failuresKwargsQueuesAndRecord() async throws {
        let celery = try await PythonCelery.prepare()
        try await withRedisServer { redis in
            try await celery.withWorker(redisURL: redis.url, queues: ["celery", "other"]) { _ in
                let failed = try await celery.sendTask("compat.fail", redisURL: redis.url)
                let failure = try await celery.waitForResult(taskID: failed, redisURL: redis.url)
                #expect(failure.status == "FAILURE")
                #expect(failure.excType == "ValueError")
                #expect(failure.excMessage == "boom")

                let echoed = try await celery.sendTask(
                    "compat.echo", kwargs: ["a": 1, "b": ["x", nil]], options: ["queue": "other"], redisURL: redis.url
                )
                #expect(try await celery.waitForResult(taskID: echoed, redisURL: redis.url).result == ["a": 1, "b": ["x", nil]])

                let recorded = try await celery.sendTask("compat.record", args: ["runs", "first"], redisURL: redis.url)
                #expect(try await celery.waitForResult(taskID: recorded, redisURL: redis.url).result == 1)
                #expect(try redis.command("LRANGE", "runs", "0", "-1").strings == ["first"])
            }
        }
    }

    @Test("wait mode reports a timeout when no worker runs the task")
    func waitTimesOutWithoutWorker() async throws {
        let celery = try await PythonCelery.prepare()
        try await withRedisServer { redis in
            let id = try await celery.sendTask("compat.add", args: [1, 1], redisURL: redis.url)
            #expect(try redis.command("LLEN", "celery") == .integer(1))
            let outcome = try await celery.waitForResult(taskID: id, redisURL: redis.url, timeout: .milliseconds(500))
            #expect(outcome.timedOut)
            #expect(outcome.status == "PENDING")
        }
    }
}
