import Broker
import TaskAPI
import Testing

/// `RetryPolicy.isTransient`: the one filter that retries transient faults and fails the rest at once.
@Suite struct RetryPolicyTransientTests {
    struct QuotaExceeded: TransientError { var isTransient: Bool { true } }
    struct InvoiceRejected: TransientError { var isTransient: Bool { false } }
    struct PlainError: Error {}

    @Test func retriesTransientFaultsOnly() {
        let policy = RetryPolicy.exponential(maxRetries: 5, retryIf: RetryPolicy.isTransient)
        #expect(policy.shouldRetry(QuotaExceeded()))
        #expect(!policy.shouldRetry(InvoiceRejected()))
        #expect(!policy.shouldRetry(PlainError()), "an error that does not say is permanent")

        func redis(_ code: RedisError.Code, _ message: String) -> RedisError {
            RedisError(code: code, message: message, endpoint: "redis://h:1/0")
        }
        #expect(policy.shouldRetry(redis(.transport, "Connection reset by peer")))
        #expect(policy.shouldRetry(redis(.reply, "READONLY You can't write against a read only replica.")))
        #expect(!policy.shouldRetry(redis(.reply, "WRONGTYPE Operation against a key holding the wrong kind of value")))
        #expect(!policy.shouldRetry(redis(.configuration, "AUTH failed")))
    }

    @Test func everyErrorRetriesWithoutAFilter() {
        #expect(RetryPolicy.exponential(maxRetries: 1).shouldRetry(PlainError()))
    }
}
