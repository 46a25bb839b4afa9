import Broker
import Foundation
import Testing

@testable import Worker

/// A task's `done` waits for the next task's `start` (one write for both) or a flush — never longer: a Redis step
/// of the batch flushes first.
@Suite struct SupervisorChannelTests {
    /// A pipe whose reading end never blocks; closed by `close()`.
    struct Pipe {
        let read: Int32
        let write: Int32

        init() throws {
            var descriptors: [Int32] = [0, 0]
            try #require(pipe(&descriptors) == 0)
            (read, write) = (descriptors[0], descriptors[1])
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
        }

        /// What one `read` returns (at most 64 KiB): the bytes of one write, as the writes here are small.
        func readOnce() -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
            return count > 0 ? Array(buffer[..<count]) : []
        }

        func close() {
            _ = Glibc.close(read)
            _ = Glibc.close(write)
        }
    }

    static let start = WorkerEvent.started(.init(taskID: "t2", name: "demo.add", hardLimit: nil, startedAt: 1_700_000_000, queue: "celery"))
    static let done = WorkerEvent.finished(TaskReport(taskID: "t1", outcome: .succeeded, name: "demo.add", queue: "celery", runtime: 0.001))

    @Test func aDoneGoesOutWithTheNextStartInOneWrite() throws {
        let pipe = try Pipe()
        defer { pipe.close() }
        let channel = SupervisorChannel(descriptor: pipe.write)
        channel.send(Self.done)
        #expect(pipe.readOnce().isEmpty, "a done was written alone")
        channel.send(Self.start)
        #expect(pipe.readOnce() == Self.done.encodedLine + Self.start.encodedLine)
        channel.send(Self.start)
        #expect(pipe.readOnce() == Self.start.encodedLine)
    }

    @Test func flushWritesWhatWaitsAndNothingWhenNothingWaits() throws {
        let pipe = try Pipe()
        defer { pipe.close() }
        let channel = SupervisorChannel(descriptor: pipe.write)
        channel.flush()
        #expect(pipe.readOnce().isEmpty)
        channel.send(Self.done)
        channel.send(Self.done)
        channel.flush()
        #expect(pipe.readOnce() == Self.done.encodedLine + Self.done.encodedLine)
        channel.flush()
        #expect(pipe.readOnce().isEmpty)
    }

    @Test func aBatchStepFlushesFirst() throws {
        let pipe = try Pipe()
        defer { pipe.close() }
        let channel = SupervisorChannel(descriptor: pipe.write)
        let batch = HeldBatch(hold: .seconds(1), beforeStep: { channel.flush() })
        channel.send(Self.done)
        var seenInStep: [UInt8] = []
        _ = try batch.step { _ in
            seenInStep = pipe.readOnce()
            return []
        }
        #expect(seenInStep == Self.done.encodedLine, "the done was still waiting during the Redis step")
        channel.send(Self.done)
        try batch.withState { _ in seenInStep = pipe.readOnce() }
        #expect(seenInStep == Self.done.encodedLine)
    }
}
