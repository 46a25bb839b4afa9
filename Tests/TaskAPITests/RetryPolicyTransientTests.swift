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

        let endpoint = "redis://h:1/0"
        #expect(policy.shouldRetry(RedisError(code: .transport, message: "Connection reset by peer", endpoint: endpoint)))
        #expect(policy.shouldRetry(RedisError(code: .reply, message: "READONLY You can't write against a read only replica.", endpoint: endpoint)))
        #expect(!policy.shouldRetry(RedisError(code: .reply, message: "WRONGTYPE Operation against a key holding the wrong kind of value", endpoint: endpoint)))
        #expect(!policy.shouldRetry(RedisError(code: .configuration, message: "AUTH failed", endpoint: endpoint)))
    }

    @Test func everyErrorRetriesWithoutAFilter() {
        #expect(RetryPolicy.exponential(maxRetries: 1).shouldRetry(PlainError()))
    }
}
