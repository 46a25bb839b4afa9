import Foundation
import Testing

@testable import Broker

@Suite struct RandomIDTests {
    @Test func isALowercaseVersion4UUID() throws {
        for _ in 0..<1000 {
            let text = RandomID.uuidString()
            #expect(text.count == 36)
            #expect(text == text.lowercased())
            let parsed = try #require(UUID(uuidString: text))
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 4)  // version
            #expect(bytes.8 >> 6 == 0b10)  // RFC 4122 variant
        }
    }

    @Test func doesNotRepeat() {
        let ids = Set((0..<10_000).map { _ in RandomID.uuidString() })
        #expect(ids.count == 10_000)
    }
}
