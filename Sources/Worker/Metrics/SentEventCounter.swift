import Broker
import Logging

/// Counts the sends of Python Celery clients into `celery_task_sent_total` (``SentCounter``), the way
/// celery-exporter does: from the `task-sent` events a client publishes when it enables
/// `task_send_sent_event`, on the `celeryev` fanout (`/{db}.celeryev/task.sent`: a sender publishes it with
/// its own dispatcher, never in a worker's `task.multi` batches). Runs on its own thread in every node with metrics on; each event is
/// counted once cluster-wide, by whichever node's script marks its task id first (the marker lives 60 s).
/// Pub/sub is lossy: events published while no node listens are not counted.
final class SentEventCounter: Sendable {
    private let configuration: WorkerConfiguration
    private let logger: Logger

    /// At most this many (queue, name, sender) series are created by events; later new ones count under `other`.
    static let maxSeries = 5000

    init(configuration: WorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The channel Celery publishes `task-sent` on.
    var channel: String { "/\(configuration.redis.database).celeryev/task.sent" }

    /// Listens until `shutdown` asks (looked at every second); blocks, so it runs on a thread of its own.
    func run(until shutdown: Shutdown) {
        let subscriber = RedisConnection(configuration: configuration.redis, logger: logger)
        let commands = RedisConnection(configuration: configuration.redis, logger: logger)
        defer { subscriber.close(); commands.close() }
        while !shutdown.isRequested {
            do {
                try subscriber.subscribe([channel])
                while !shutdown.isRequested {
                    guard let push = try subscriber.nextPush(timeout: .seconds(1)), let parts = push.array, parts.count == 3,
                        parts[0].string == "message", let payload = parts[2].string
                    else { continue }
                    let events = Self.sentEvents(inPayload: payload)
                    if !events.isEmpty { try count(events, on: commands) }
                }
            } catch {
                logger.warning("task-sent event listener lost Redis; subscribing again", metadata: ["error": "\(error)"])
                subscriber.close()
                PosixThread.sleep(for: .seconds(1))
            }
        }
    }

    private func count(_ events: [(id: String, field: String)], on connection: RedisConnection) throws(RedisError) {
        try connection.evaluate(
            Self.script, keys: [SentCounter.key] + events.map { SentCounter.eventMarker($0.id) },
            arguments: events.map(\.field) + [String(Self.maxSeries)]
        )
    }

    /// The (task id, counter field) of every `task-sent` event in a published kombu message (one event, or a list).
    static func sentEvents(inPayload payload: String) -> [(id: String, field: String)] {
        guard let (body, _) = KombuEnvelope.decode(payload) else { return [] }
        let events = body.arrayValue ?? [body]
        return events.compactMap { event in
            guard event["type"]?.stringValue == "task-sent", let id = event["uuid"]?.stringValue, let name = event["name"]?.stringValue
            else { return nil }
            let queue = event["queue"]?.stringValue ?? event["routing_key"]?.stringValue ?? "celery"
            let sender = SentCounter.sender(fromNodeName: event["hostname"]?.stringValue ?? "unknown")
            return (id, SentCounter.field(queue: queue, name: name, sender: sender))
        }
    }

    /// KEYS[1] the sent-counter hash, KEYS[2…] a marker per event; ARGV: each event's field, then the series cap.
    /// Counts each event whose marker is new. Returns how many were counted.
    static let script = RedisScript(
        name: "celerity.metrics.sent-events",
        source: """
            local cap = tonumber(ARGV[#ARGV])
            local counted = 0
            for i = 2, #KEYS do
              if redis.call('SET', KEYS[i], '1', 'NX', 'EX', 60) then
                local field = ARGV[i - 1]
                if redis.call('HEXISTS', KEYS[1], field) == 0 and redis.call('HLEN', KEYS[1]) >= cap then
                  field = 'other\\31other\\31other'
                end
                redis.call('HINCRBY', KEYS[1], field, 1)
                counted = counted + 1
              end
            end
            return counted
            """
    )
}
