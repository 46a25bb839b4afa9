import TaskAPI
import Testing

@testable import Worker

/// The retry / fail / dead-letter decision, as a pure function (issue 23, part 1).
@Suite struct DispositionTests {
    struct Boom: Error {}
    struct Permanent: Error {}

    let fixed = RetryPolicy.exponential(maxRetries: 2, base: .seconds(1), jitter: false)

    @Test func anErrorWithoutARetryPolicyFails() {
        #expect(Disposition.decide(error: Boom(), policy: .none, retries: 0, softLimitFired: false) == .fail)
    }

    @Test func aPolicyRetriesWithItsBackoffUntilItsLimitThenDeadLetters() {
        #expect(Disposition.decide(error: Boom(), policy: fixed, retries: 0, softLimitFired: false) == .retry(delay: .seconds(1)))
        #expect(Disposition.decide(error: Boom(), policy: fixed, retries: 1, softLimitFired: false) == .retry(delay: .seconds(2)))
        #expect(
            Disposition.decide(error: Boom(), policy: fixed, retries: 2, softLimitFired: false)
                == .deadLetter(reason: "retries exhausted after 2 retries")
        )
    }

    @Test func theJitterDrawScalesTheDelay() {
        let jittered = RetryPolicy.exponential(maxRetries: 2, base: .seconds(4), jitter: true)
        let decided = Disposition.decide(error: Boom(), policy: jittered, retries: 0, softLimitFired: false, random: 0.5)
        #expect(decided == .retry(delay: .seconds(2)))
    }

    @Test func anErrorTheFilterRefusesFailsAtOnce() {
        let filtered = RetryPolicy.exponential(maxRetries: 5, retryIf: { $0 is Boom })
        #expect(Disposition.decide(error: Permanent(), policy: filtered, retries: 0, softLimitFired: false) == .fail)
    }

    @Test func aRetryRequestRetriesWithoutAPolicyUpToCeleryDefault() {
        let request = RetryRequest(countdown: .seconds(7))
        #expect(Disposition.decide(error: request, policy: .none, retries: 0, softLimitFired: false) == .retry(delay: .seconds(7)))
        #expect(
            Disposition.decide(error: request, policy: .none, retries: Disposition.defaultMaxRetries - 1, softLimitFired: false)
                == .retry(delay: .seconds(7))
        )
        #expect(
            Disposition.decide(error: request, policy: .none, retries: Disposition.defaultMaxRetries, softLimitFired: false)
                == .deadLetter(reason: "retries exhausted after 3 retries")
        )
    }

    @Test func aRetryRequestsOwnLimitAndCountdownOverrideThePolicy() {
        let request = RetryRequest(maxRetries: 5)
        #expect(Disposition.decide(error: request, policy: fixed, retries: 3, softLimitFired: false) == .retry(delay: .seconds(8)))
        #expect(
            Disposition.decide(error: request, policy: fixed, retries: 5, softLimitFired: false)
                == .deadLetter(reason: "retries exhausted after 5 retries")
        )
    }

    @Test func theSoftTimeLimitIsNeverRetried() {
        #expect(Disposition.decide(error: RetryRequest(), policy: fixed, retries: 0, softLimitFired: true) == .fail)
        #expect(Disposition.decide(error: Boom(), policy: fixed, retries: 0, softLimitFired: true) == .fail)
    }
}
