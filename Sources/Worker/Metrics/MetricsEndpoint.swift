import Broker
import Operations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Prometheus
import Synchronization

/// A worker node's HTTP endpoint: `/metrics` (this node's task counters plus the cluster-wide numbers
/// read from Redis at scrape time), `/healthz` (Redis reachable), and `/` (the status page). ``bind(address:)``
/// claims the port first (so a bad `--metrics-address` stops the node before it starts); ``run(until:)`` then
/// serves, counts `task-sent` events and samples queue arrivals until the shutdown, and closes the server.
final class MetricsEndpoint: Service {
    let node: NodeMetrics
    private let scrape: Mutex<ClusterScrape>
    private let connection: RedisConnection
    private let logger: Logger
    private let server = Mutex<MetricsServer?>(nil)
    /// The last status report, for the page's rates.
    private let lastReport = Mutex<StatusReport?>(nil)
    private let nodeName: String

    /// The node's other connections (the supervisor's, the lease keeper's, the ETA promoter's), whose
    /// reconnections are counted with the endpoint's.
    private let nodeConnections: [RedisConnection]
    /// Counts Python clients' `task-sent` events into `celery_task_sent_total`.
    private let sentEvents: SentEventCounter
    /// The node's ready lists, sampled every ``arrivalInterval`` for queue waits (``QueueArrivals``).
    private let lists: [String]
    private let redis: RedisConfiguration
    static let arrivalInterval = Duration.seconds(1)

    init(configuration: WorkerConfiguration, node: NodeMetrics, nodeConnections: [RedisConnection] = [], logger: Logger) {
        self.nodeConnections = nodeConnections
        var redis = configuration.redis
        redis.reconnectTimeout = .seconds(2)
        connection = RedisConnection(configuration: redis, logger: logger)
        scrape = Mutex(
            ClusterScrape(connection: connection, queues: configuration.queues, leaseTimeout: configuration.leaseTimeout) { [logger] in
                logger.warning("\($0)")
            }
        )
        self.node = node
        self.logger = logger
        self.nodeName = configuration.nodeName
        self.sentEvents = SentEventCounter(configuration: configuration, logger: logger)
        self.lists = PriorityBuckets.listKeys(queues: configuration.queues)
        self.redis = configuration.redis
    }

    /// Binds `address` and starts answering requests.
    /// - Returns: the port it listens on.
    /// - Throws: when the address cannot be bound.
    @discardableResult
    func bind(address: MetricsAddress) throws -> Int {
        let server = try MetricsServer(address: address) { [self] method, path in respond(path: path) }
        self.server.withLock { $0 = server }
        logger.info(
            "serving /metrics, /healthz and the status page",
            metadata: ["metrics.url": "http://\(MetricsAddress(host: address.host, port: server.port))/"]
        )
        return server.port
    }

    /// Counts `task-sent` events and samples queue arrivals (each on a thread of its own: hiredis blocks) until
    /// `shutdown` asks, then closes the server bound by ``bind(address:)``; returns once all three have stopped.
    func run(until shutdown: Shutdown) async {
        async let counted: Void = PosixThread.run(name: "sent-events") { [sentEvents] in
            sentEvents.run(until: shutdown)
        }
        async let sampled: Void = PosixThread.run(name: "queue-arrivals") { [self] in sampleArrivals(until: shutdown) }
        await shutdown.requested(.warm)
        server.withLock { $0?.stop(); $0 = nil }
        _ = await (counted, sampled)
    }

    /// Every second: records the arrivals of the node's lists and hands the newest records to ``NodeMetrics`` (one
    /// script call for all of them, by cached SHA).
    private func sampleArrivals(until shutdown: Shutdown) {
        let connection = RedisConnection(configuration: redis, logger: logger)
        defer { connection.close() }
        while !shutdown.isRequested {
            let now = Date().timeIntervalSince1970
            let keys = lists.flatMap { [$0, QueueArrivals.poppedKey($0), QueueArrivals.recordsKey($0)] }
            do {
                let replies = try connection.evaluate(QueueArrivals.sample, keys: keys, arguments: [String(now), "64"]).array ?? []
                for (list, reply) in zip(lists, replies) {
                    guard let records = reply.array else { continue }
                    node.arrivalsSampled(list: list, newestFirst: records.compactMap { $0.string.flatMap(QueueArrivals.Record.init) }, now: now)
                }
            } catch {
                logger.debug("cannot sample queue arrivals", metadata: ["error": "\(error)"])
            }
            PosixThread.sleep(for: Self.arrivalInterval)
        }
    }

    /// The response for `path`.
    func respond(path: String) -> MetricsServer.Response {
        switch path {
        case "/metrics":
            do {
                let snapshot = try scrape.withLock { try $0.read() }
                node.redisReconnects(nodeConnections.reduce(connection.reconnects) { $0 + $1.reconnects })
                var body = MetricsExposition.render(snapshot)
                node.registry.emit(into: &body)
                return MetricsServer.Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
            } catch {
                logger.warning("cannot read Redis for /metrics", metadata: ["error": "\(error)"])
                return .text(503, "cannot read Redis: \(error)\n")
            }
        case "/healthz":
            do {
                _ = try connection.send(["PING"])
                return .text(200, "ok\n")
            } catch {
                return .text(503, "cannot reach Redis: \(error)\n")
            }
        case "/", "/status.json":
            do {
                let previous = lastReport.withLock { $0 }
                let report = try scrape.withLock { scrape throws(RedisError) in
                    try StatusReport.read(scrape: scrape, on: connection, previous: previous)
                }
                lastReport.withLock { $0 = report }
                if path == "/status.json" {
                    return MetricsServer.Response(status: 200, contentType: "application/json", body: Array(report.json().serialized.utf8))
                }
                return MetricsServer.Response(
                    status: 200, contentType: "text/html; charset=utf-8", body: Array(StatusPage.html(report, node: nodeName).utf8)
                )
            } catch {
                return .text(503, "cannot read Redis: \(error)\n")
            }
        default:
            return .text(404, "not found: try /, /status.json, /metrics or /healthz\n")
        }
    }
}
