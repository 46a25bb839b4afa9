import Logging
import TestSupport
import Testing

@testable import Worker

/// A task's logger renders the task's fields only when it writes a line, and writes exactly what the process's
/// handler with the fields set as metadata wrote.
@Suite struct TaskLogHandlerTests {
    func taskLogger(_ recorder: LogRecorder, level: Logger.Level = .trace) -> Logger {
        var process = recorder.logger
        process[metadataKey: "worker.process"] = "p1"
        process.logLevel = level
        var logger = process
        logger.handler = TaskLogHandler(base: process.handler, taskID: "id-1", name: "demo.add", queue: "celery")
        return logger
    }

    @Test func aLineCarriesTheProcessAndTaskMetadataAndItsOwn() {
        let recorder = LogRecorder()
        taskLogger(recorder).info("task started", metadata: ["task.runtime": "0.5"])
        #expect(recorder.messages == ["task started queue=celery task.id=id-1 task.name=demo.add task.runtime=0.5 worker.process=p1"])
    }

    @Test func metadataSetLaterIsAddedAndCanReplaceATaskField() {
        let recorder = LogRecorder()
        var logger = taskLogger(recorder)
        logger[metadataKey: "task.expires"] = "2026-01-01T00:00:00+00:00"
        logger[metadataKey: "queue"] = "other"
        logger[metadataKey: "task.name"] = nil
        #expect(logger[metadataKey: "task.id"] == "id-1")
        #expect(logger[metadataKey: "worker.process"] == "p1")
        #expect(logger[metadataKey: "task.name"] == nil)
        logger.warning("task expired")
        #expect(recorder.messages == ["task expired queue=other task.expires=2026-01-01T00:00:00+00:00 task.id=id-1 worker.process=p1"])
    }

    @Test func aLineTheLevelDropsIsNotWrittenAndTheLevelIsTheProcesss() {
        let recorder = LogRecorder()
        var logger = taskLogger(recorder, level: .warning)
        #expect(logger.logLevel == .warning)
        logger.info("task received")
        #expect(recorder.messages.isEmpty)
        logger.logLevel = .info
        logger.info("task received")
        #expect(recorder.messages.count == 1)
    }

    @Test func settingAllMetadataReplacesTheTaskAndProcessFields() {
        let recorder = LogRecorder()
        var logger = taskLogger(recorder)
        #expect(logger.handler.metadata == ["worker.process": "p1", "task.id": "id-1", "task.name": "demo.add", "queue": "celery"])
        logger.handler.metadata = ["only": "this"]
        logger.error("x")
        #expect(recorder.messages == ["x only=this"])
    }
}
