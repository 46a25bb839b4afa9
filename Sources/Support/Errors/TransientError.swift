/// An error that knows whether it is transient: a fault that may go away if the same work is tried again later,
/// as opposed to a permanent one that no retry can fix.
///
/// Transient: a refused or reset connection, a timeout; from Redis, a `READONLY` replica after a failover, a
/// server still `LOADING` its dataset, `OOM`, a `BUSY` script; from PostgreSQL, a serialization failure or
/// deadlock, a lost connection, a server shutting down or out of resources; from HTTP, 408, 429, 5xx and
/// timeouts. Permanent: a wrong password or URL, an error reply to a malformed command, a constraint violation,
/// a 4xx other than 408 and 429, a TLS failure, a response that cannot be decoded.
///
/// `RedisError`, `PostgresError` and `HTTPError` adopt it; a task's retry filter reads it through
/// `RetryPolicy.isTransient`, so one filter covers all three.
public protocol TransientError: Error {
    /// Whether running the same work again later may succeed; `false` means retrying cannot help.
    var isTransient: Bool { get }
}
