import Foundation
import Testing

@testable import HTTP

/// A `Retry-After` header comes from an outside server: any value gives a duration from 0 to 10⁷ s, or none.
@Suite struct RetryAfterTests {
    @Test("delay-seconds and HTTP dates, including ones past the Int64 range in milliseconds, never trap")
    func hostileValues() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(HTTPError.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(HTTPError.parseRetryAfter("-1", now: now) == nil)
        #expect(HTTPError.parseRetryAfter("Tue, 14 Nov 2023 22:13:40 GMT", now: now) == .seconds(20))
        #expect(HTTPError.parseRetryAfter("Mon, 01 Jan 1900 00:00:00 GMT", now: now) == .zero)
        for far in ["Fri, 31 Dec 999999999 23:59:59 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"] {
            let delay = HTTPError.parseRetryAfter(far, now: now)
            #expect(delay == nil || delay! <= .seconds(10_000_000), "\(far): \(String(describing: delay))")
        }
    }
}
