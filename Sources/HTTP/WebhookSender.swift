import Support
import Foundation
import Logging

/// Sends signed JSON webhooks (completion callbacks), retrying transient failures with backoff and jitter.
///
/// Each attempt is a `POST` with `Content-Type: application/json`, ``WebhookSignature/timestampHeader`` (Unix
/// seconds), ``WebhookSignature/signatureHeader`` (scheme 2: `sha256=` HMAC-SHA256 over
/// `timestamp.event.delivery_id.body` under the receiver's key, derived from `CELERITY_WEBHOOK_SECRET` and the
/// callback's origin), ``WebhookSignature/versionHeader``, ``WebhookSignature/eventHeader`` and
/// ``WebhookSignature/deliveryHeader`` (the same id on every attempt, so a receiver can drop duplicates). The URL
/// comes from outside, so every hop is checked by the configuration's ``DestinationPolicy`` (no internal
/// addresses, no plain http unless allowed); a refusal is permanent. Transient errors (timeouts, refused
/// connections, 5xx, 429) are retried up to ``Configuration/maxAttempts`` with full-jitter exponential backoff
/// (a `Retry-After` is honoured when longer); permanent ones (other 4xx, TLS, redirects) stop at once.
/// ``send(to:event:deliveryID:payload:deadline:)`` blocks and never throws: it returns the final ``WebhookOutcome``.
public struct WebhookSender: Sendable {
    /// The secret and retry policy.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// The signing secret (`CELERITY_WEBHOOK_SECRET`); never printed.
        public var secret: String
        /// Attempts in all, the first included. Default 5.
        public var maxAttempts = 5
        /// The wait after a transient failure: 0.5 s doubling up to 30 s, with full jitter.
        public var backoff = Backoff(base: .milliseconds(500), cap: .seconds(30))
        /// How long one attempt may take. Default 10 s.
        public var attemptTimeout: Duration = .seconds(10)
        /// Where deliveries may go (`CELERITY_WEBHOOK_ALLOWED_HOSTS`, `CELERITY_WEBHOOK_ALLOW_HTTP`); default: public
        /// https addresses only.
        public var destinations = DestinationPolicy()

        /// A configuration signing with `secret`.
        public init(secret: String) { self.secret = secret }

        /// The settings with the secret hidden.
        public var description: String {
            "WebhookSender(secret: ***, maxAttempts: \(maxAttempts), backoff: \(backoff.base)…\(backoff.cap), "
                + "allowedHosts: \(destinations.allowedHosts.sorted()), allowsPlainHTTP: \(destinations.allowsPlainHTTP))"
        }
    }

    /// The configuration (its description hides the secret).
    public let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger
    private let clock: BlockingClock
    private let random: @Sendable () -> Double

    /// Creates a sender posting through `client`.
    public init(configuration: Configuration, client: HTTPClient, logger: Logger) {
        self.init(configuration: configuration, client: client, logger: logger, clock: .system) {
            Double.random(in: 0...1)
        }
    }

    /// Creates a sender with a substitute clock and jitter source (tests).
    package init(
        configuration: Configuration, client: HTTPClient, logger: Logger, clock: BlockingClock,
        random: @escaping @Sendable () -> Double
    ) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.clock = clock
        self.random = random
    }

    /// Delivers `payload` to `url` and returns the final outcome; never throws.
    ///
    /// - Parameters:
    ///   - url: The receiver's URL (treated as a secret: only its host is logged or returned).
    ///   - event: The event name (`X-Celerity-Event`).
    ///   - deliveryID: A deterministic id for this delivery (`X-Celerity-Delivery`), e.g. the task id, so a retried
    ///     task sends the same id and the receiver can deduplicate.
    ///   - payload: The JSON body.
    ///   - deadline: No attempt starts, and no backoff runs, past this instant.
    public func send(
        to url: String, event: String, deliveryID: String, payload: JSONValue, deadline: ContinuousClock.Instant? = nil
    ) -> WebhookOutcome {
        let body = Array(payload.serialized.utf8)
        let endpoint = RedactedURL(url)
        var outcome = WebhookOutcome(
            status: .failed, event: event, deliveryID: deliveryID, host: endpoint.host, attempts: 0,
            lastStatusCode: nil, error: nil
        )
        let key = WebhookSignature.receiverKey(secret: configuration.secret, origin: WebhookSignature.origin(of: url))
        let metadata: Logger.Metadata = [
            "webhook.url": "\(endpoint)", "webhook.event": "\(event)", "webhook.delivery": "\(deliveryID)",
        ]
        while outcome.attempts < configuration.maxAttempts {
            if let deadline, clock.now() >= deadline {
                outcome.error = outcome.error ?? "the deadline passed before the first attempt"
                break
            }
            outcome.attempts += 1
            let timestamp = Int(Date().timeIntervalSince1970)
            let signature = WebhookSignature.sign(
                body: body, timestamp: timestamp, event: event, deliveryID: deliveryID, key: key)
            let request = HTTPRequest(
                method: .post, url: url,
                headers: [
                    ("Content-Type", "application/json"),
                    (WebhookSignature.timestampHeader, "\(timestamp)"),
                    (WebhookSignature.signatureHeader, signature),
                    (WebhookSignature.versionHeader, WebhookSignature.version),
                    (WebhookSignature.eventHeader, event),
                    (WebhookSignature.deliveryHeader, deliveryID),
                ],
                body: body, timeout: configuration.attemptTimeout, carriesCredentials: true,
                destinationPolicy: configuration.destinations
            )
            do throws(HTTPError) {
                let response = try client.send(request, deadline: deadline)
                outcome.status = .delivered
                outcome.lastStatusCode = response.status
                outcome.error = nil
                logger.info(
                    "webhook delivered", metadata: metadata.merging(["webhook.attempts": "\(outcome.attempts)"]) { $1 })
                return outcome
            } catch {
                outcome.lastStatusCode = error.status
                outcome.error = error.description
                outcome.refusedByPolicy = error.code == .refusedByPolicy
                guard error.isTransient, outcome.attempts < configuration.maxAttempts else { break }
                let backoff = configuration.backoff.delay(afterAttempts: outcome.attempts - 1, random: random())
                let wait = max(backoff, error.retryAfter ?? .zero)
                if let deadline, clock.now() + wait >= deadline {
                    logger.info("webhook retry would pass the deadline", metadata: metadata)
                    break
                }
                logger.info(
                    "webhook attempt failed; retrying",
                    metadata: metadata.merging(
                        [
                            "webhook.attempt": "\(outcome.attempts)", "webhook.error": "\(error)",
                            "webhook.wait_ms": "\(wait.wholeMilliseconds)",
                        ]
                    ) { $1 }
                )
                clock.sleep(wait)
            }
        }
        logger.info(
            "webhook delivery failed",
            metadata: metadata.merging([
                "webhook.attempts": "\(outcome.attempts)", "webhook.error": "\(outcome.error ?? "")",
            ]) { $1 }
        )
        return outcome
    }
}
