import Testing

@testable import Worker

@Suite struct LineBufferTests {
    func feed(_ buffer: inout LineBuffer, _ text: String) -> [[String]] {
        Array(text.utf8).withUnsafeBytes { buffer.append($0) }
    }

    @Test func splitsLinesAndFieldsAndKeepsAPartialLineForTheNextRead() {
        var buffer = LineBuffer()
        #expect(feed(&buffer, "start\tid-1\tdemo.add\t-\t1.5\ndone\tid-1\nsta") == [
            ["start", "id-1", "demo.add", "-", "1.5"], ["done", "id-1"],
        ])
        #expect(feed(&buffer, "rt\tid-2\t\t-") == [])
        #expect(feed(&buffer, "\t2.0\n") == [["start", "id-2", "", "-", "2.0"]])
    }

    @Test func unescapesEachField() {
        var buffer = LineBuffer()
        #expect(feed(&buffer, "done\ta%09b%0Ac%25\n") == [["done", "a\tb\nc%"]])
    }

    @Test func manyLinesInOneRead() {
        var buffer = LineBuffer()
        let text = (0..<5_000).map { "done\tid-\($0)\n" }.joined()
        let lines = feed(&buffer, text)
        #expect(lines.count == 5_000)
        #expect(lines.last == ["done", "id-4999"])
    }
}
