import Support
import Logging
import Synchronization

/// Posts messages to a Slack incoming webhook, politely and without ever failing the caller.
///
/// A message is `{"text": …}` with optional `blocks`. At most one message per ``Configuration/minimumInterval``
/// (1 s) leaves this notifier; a 429 answer's `Retry-After` is waited out (up to ``Configuration/maxRetryAfter``)
/// and the message sent once more. After ``Configuration/failureThreshold`` (5) consecutive failures a circuit
/// breaker drops messages for ``Configuration/resetTimeout`` (60 s), then lets one through to test the water.
/// With no URL configured, each message is logged at info and dropped. ``notify(_:blocks:deadline:)`` blocks the
/// calling thread (a worker process's task thread) and never throws. The webhook URL is a secret: it appears
/// nowhere but in the request itself (logs show `https://hooks.slack.com/***`).
public final class SlackNotifier: Sendable {
    /// Where and how politely to post.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// The incoming-webhook URL (`SLACK_WEBHOOK_URL`); `nil` drops every message after logging it.
        public var webhookURL: String?
        /// The least time between two messages. Default 1 s.
        public var minimumInterval: Duration = .seconds(1)
        /// Consecutive failures that open the circuit breaker. Default 5.
        public var failureThreshold = 5
        /// How long the open breaker drops messages before a trial. Default 60 s.
        public var resetTimeout: Duration = .seconds(60)
        /// How long one post may take. Default 10 s.
        public var timeout: Duration = .seconds(10)
        /// The longest `Retry-After` waited out before sending again; longer ones fail the message. Default 30 s.
        public var maxRetryAfter: Duration = .seconds(30)

        /// A configuration posting to `webhookURL`.
        public init(webhookURL: String?) {
            self.webhookURL = webhookURL.flatMap { $0.isEmpty ? nil : $0 }
        }

        /// The settings with the URL redacted.
        public var description: String {
            "SlackNotifier(webhook: \(webhookURL.map { "\(RedactedURL($0))" } ?? "none"))"
        }
    }

    /// What became of one message.
    public enum Outcome: Sendable, Hashable {
        /// Slack accepted it.
        case sent
        /// Not sent: no URL configured, the breaker is open, or the deadline left no time.
        case dropped
        /// Sent, but Slack or the network refused it (logged at info).
        case failed
    }

    /// The configuration (its description hides the URL).
    public let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger
    private let clock: BlockingClock
    private let state: Mutex<State>

    private struct State {
        var breaker: CircuitBreaker
        var nextAllowed: ContinuousClock.Instant?
    }

    /// Creates a notifier posting through `client`.
    public convenience init(configuration: Configuration, client: HTTPClient, logger: Logger) {
        self.init(configuration: configuration, client: client, logger: logger, clock: .system)
    }

    /// Creates a notifier with a substitute clock (tests).
    package init(configuration: Configuration, client: HTTPClient, logger: Logger, clock: BlockingClock) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.clock = clock
        let breaker = CircuitBreaker(
            failureThreshold: configuration.failureThreshold, resetTimeout: configuration.resetTimeout
        )
        self.state = Mutex(State(breaker: breaker, nextAllowed: nil))
    }

    /// The breaker's state now (for status output and tests).
    public var breakerState: CircuitBreaker.State { state.withLock { $0.breaker.state } }

    /// Posts `text` (and `blocks`, Slack Block Kit objects) to the webhook; never throws.
    ///
    /// - Parameters:
    ///   - text: The message text (also the fallback when `blocks` are given); its interpolated values are escaped
    ///     (``SlackText``), so text from outside cannot mention the channel or post links.
    ///   - blocks: Optional Block Kit blocks.
    ///   - deadline: When the caller must move on; pacing waits and `Retry-After` waits stop there.
    /// - Returns: Whether the message was sent, dropped or failed.
    @discardableResult
    public func notify(_ text: SlackText, blocks: [JSONValue]? = nil, deadline: ContinuousClock.Instant? = nil) -> Outcome
    {
        guard let url = configuration.webhookURL else {
            logger.info("Slack notification dropped: SLACK_WEBHOOK_URL is not set", metadata: ["slack.text": "\(text.mrkdwn)"])
            return .dropped
        }
        var message: JSONObject = ["text": .string(text.mrkdwn)]
        if let blocks { message["blocks"] = .array(blocks) }
        let request = HTTPRequest.json(url: url, body: .object(message), timeout: configuration.timeout)
        let endpoint = RedactedURL(url)
        return state.withLock { state in
            guard state.breaker.allowsCall(at: clock.now()) else {
                logger.info(
                    "Slack notification dropped: the circuit breaker is open after repeated failures",
                    metadata: ["slack.webhook": "\(endpoint)"]
                )
                return .dropped
            }
            var retriedAfter429 = false
            while true {
                if let nextAllowed = state.nextAllowed {
                    let wait = nextAllowed - clock.now()
                    if let deadline, clock.now() + wait > deadline {
                        logger.info(
                            "Slack notification dropped: the pacing wait would pass the deadline",
                            metadata: ["slack.webhook": "\(endpoint)"]
                        )
                        return .dropped
                    }
                    if wait > .zero { clock.sleep(wait) }
                }
                let result = Result { () throws(HTTPError) in try client.send(request, deadline: deadline) }
                state.nextAllowed = clock.now() + configuration.minimumInterval
                switch result {
                case .success:
                    state.breaker.recordSuccess()
                    return .sent
                case .failure(let error) where error.status == 429 && !retriedAfter429:
                    let wait = error.retryAfter ?? configuration.minimumInterval
                    state.nextAllowed = clock.now() + max(wait, configuration.minimumInterval)
                    guard wait <= configuration.maxRetryAfter else {
                        state.breaker.recordFailure(at: clock.now())
                        logger.info("Slack notification failed", metadata: ["slack.error": "\(error)"])
                        return .failed
                    }
                    logger.info(
                        "Slack rate-limited the notifier; sending again after Retry-After",
                        metadata: ["slack.webhook": "\(endpoint)", "slack.retry_after_s": "\(wait.seconds)"]
                    )
                    retriedAfter429 = true
                case .failure(let error):
                    state.breaker.recordFailure(at: clock.now())
                    logger.info("Slack notification failed", metadata: ["slack.error": "\(error)"])
                    return .failed
                }
            }
        }
    }
}
