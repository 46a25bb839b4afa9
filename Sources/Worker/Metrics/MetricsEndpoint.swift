import Broker
import Logging
import Prometheus
import Synchronization

/// A worker node's HTTP endpoint: `/metrics` (this node's task counters plus the cluster-wide numbers
/// read from Redis at scrape time), `/healthz` (Redis reachable), and `/` (the status page).
final class MetricsEndpoint: Sendable {
    let node: NodeMetrics
    private let scrape: Mutex<ClusterScrape>
    private let connection: RedisConnection
    private let logger: Logger
    private let server = Mutex<MetricsServer?>(nil)
    /// The last status report, for the page's rates.
    private let lastReport = Mutex<StatusReport?>(nil)
    private let nodeName: String

    /// The supervisor's own connection, whose reconnections are counted with the endpoint's.
    private let supervisorConnection: RedisConnection?

    init(configuration: WorkerConfiguration, node: NodeMetrics, supervisorConnection: RedisConnection? = nil, logger: Logger) {
        self.supervisorConnection = supervisorConnection
        var redis = configuration.redis
        redis.reconnectTimeout = .seconds(2)
        connection = RedisConnection(configuration: redis, logger: logger)
        scrape = Mutex(ClusterScrape(connection: connection, queues: configuration.queues, leaseTimeout: configuration.leaseTimeout))
        self.node = node
        self.logger = logger
        self.nodeName = configuration.nodeName
    }

    /// Starts serving on `address`.
    /// - Returns: the port it listens on.
    /// - Throws: when the address cannot be bound.
    @discardableResult
    func start(address: MetricsAddress) throws -> Int {
        let server = try MetricsServer(address: address) { [self] method, path in respond(path: path) }
        self.server.withLock { $0 = server }
        logger.info(
            "serving /metrics, /healthz and the status page",
            metadata: ["metrics.url": "http://\(MetricsAddress(host: address.host, port: server.port))/"]
        )
        return server.port
    }

    func stop() {
        server.withLock { $0?.stop(); $0 = nil }
    }

    /// The response for `path`.
    func respond(path: String) -> MetricsServer.Response {
        switch path {
        case "/metrics":
            do {
                let snapshot = try scrape.withLock { try $0.read() }
                node.redisReconnects(connection.reconnects + (supervisorConnection?.reconnects ?? 0))
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
