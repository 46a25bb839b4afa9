import Broker
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real HTTP/1.1 server on a loopback address, for tests that need an outside HTTP service (a fake Slack, an
/// OCR service, a webhook receiver, a health endpoint).
///
/// It binds a free port on `127.0.0.1` (or another loopback address), accepts connections on its own thread and
/// serves each connection on a thread of its own: one request per connection (`Connection: close`), bodies framed
/// by `Content-Length` (`Expect: 100-continue` is answered). Every request is recorded in ``requests`` before the
/// handler runs. A ``Response`` can be delayed, or can hang until the server stops, to test client timeouts.
///
/// ```swift
/// let server = try LoopbackHTTPServer { request in
///     request.path == "/hook" ? .init(status: 200, body: "ok") : .init(status: 404)
/// }
/// defer { server.stop() }
/// // … point the client at server.url("/hook") …
/// let recorded = try await server.waitForRequests(count: 1, timeout: .seconds(5))
/// ```
public final class LoopbackHTTPServer: Sendable {
    /// One request as the server received it.
    public struct Request: Sendable {
        /// The method, as sent (`GET`, `POST`, …).
        public var method: String
        /// The path of the request target, without the query (`/hook`).
        public var path: String
        /// The raw query string after `?`, or an empty string.
        public var rawQuery: String
        /// The query parameters, percent-decoded; a repeated name keeps its last value.
        public var query: [String: String]
        /// The headers with lower-cased names; repeated headers are joined with `, `.
        public var headers: [String: String]
        /// The body bytes (empty when there is none).
        public var body: [UInt8]
        /// When the request was fully read.
        public var receivedAt: Date

        /// The value of the header `name` (case-insensitive), or `nil`.
        public func header(_ name: String) -> String? { headers[name.lowercased()] }

        /// The body decoded as UTF-8 (invalid bytes are replaced).
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// What the handler returns for a request.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Headers to send; `Content-Length` and `Connection: close` are added unless present.
        public var headers: [(String, String)]
        /// The body bytes.
        public var body: [UInt8]
        /// How long to wait before sending anything (a slow server).
        public var delay: Duration
        /// Never answer: hold the connection open, sending nothing, until the server stops.
        public var hangs: Bool

        /// A response with a byte body.
        public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.hangs = false
        }

        /// A response with a UTF-8 text body.
        public init(status: Int, headers: [(String, String)] = [], body: String, delay: Duration = .zero) {
            self.init(status: status, headers: headers, body: Array(body.utf8), delay: delay)
        }

        /// A response that never comes: the connection stays open and silent until the server stops.
        public static var hang: Response {
            var response = Response(status: 0)
            response.hangs = true
            return response
        }
    }

    /// The loopback address the server listens on (`127.0.0.1` unless chosen otherwise).
    public let host: String
    /// The port the server listens on.
    public let port: Int

    /// The sockets and threads; kept apart so that the threads never keep the server alive and `deinit` stops it.
    private let core: Core

    /// `http://host:port`, the base URL of the server.
    public var baseURL: String { "http://\(host):\(port)" }

    /// The URL of `path` on this server, e.g. `url("/hook")` → `http://127.0.0.1:40123/hook`.
    public func url(_ path: String = "/") -> String { baseURL + (path.hasPrefix("/") ? path : "/" + path) }

    /// Every request received so far, in arrival order.
    public var requests: [Request] { core.recorded.withLock { $0 } }

    /// Starts a server on a free port of `host` that answers every request with `handler`.
    ///
    /// - Parameters:
    ///   - host: A loopback IPv4 address; any `127.x.y.z` works on Linux, which lets a test stand up a second
    ///     "host" (e.g. `127.0.0.2`) for cross-host redirects.
    ///   - handler: Called on the connection's thread for each request; it may block.
    /// - Throws: ``HarnessError`` with code ``HarnessError/Code/connectionFailed`` if the socket cannot be bound.
    public init(host: String = "127.0.0.1", handler: @escaping @Sendable (Request) -> Response) throws {
        let fd = socket(AF_INET, SocketConstants.stream, 0)
        guard fd >= 0 else { throw HarnessError.system("socket()") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = SocketConstants.loopback(port: 0)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw HarnessError(.connectionFailed, "\(host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let error = HarnessError.system("bind/listen(\(host):0)")
            close(fd)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.host = host
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.core = Core(listener: fd, handler: handler)
        let core = self.core
        let thread = Thread { core.acceptLoop() }
        thread.name = "LoopbackHTTPServer.accept"
        thread.start()
    }

    deinit { core.stop() }

    /// Stops accepting, wakes delayed and hanging responses and closes every open connection. Idempotent.
    public func stop() { core.stop() }

    /// Waits until at least `count` requests have arrived and returns all requests so far.
    ///
    /// - Throws: ``HarnessError`` with code ``HarnessError/Code/timeout`` when fewer arrive in time.
    public func waitForRequests(
        count: Int, timeout: Duration, isolation: isolated (any Actor)? = #isolation
    ) async throws -> [Request] {
        try await pollForValue(timeout: timeout, "\(count) request(s) at \(baseURL)") {
            let all = requests
            return all.count >= count ? all : nil
        }
    }
}

extension LoopbackHTTPServer {
    /// The listening socket, its accept thread and the per-connection threads.
    private final class Core: Sendable {
        let listener: Int32
        let handler: @Sendable (Request) -> Response
        let recorded = Locked<[Request]>([])
        private let state = Locked(State())
        private let stopSignal = NSCondition()
        private let acceptDone = DispatchSemaphore(value: 0)

        private struct State {
            var stopped = false
            var connections: Set<Int32> = []
        }

        init(listener: Int32, handler: @escaping @Sendable (Request) -> Response) {
            self.listener = listener
            self.handler = handler
        }

        private var isStopped: Bool { state.withLock { $0.stopped } }

        func stop() {
            let connections: Set<Int32>? = state.withLock { state in
                if state.stopped { return nil }
                state.stopped = true
                return state.connections
            }
            guard let connections else { return }
            stopSignal.lock()
            stopSignal.broadcast()
            stopSignal.unlock()
            // Wakes `accept`; the accept thread closes the listener when it exits.
            shutdown(listener, Int32(SHUT_RDWR))
            for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
            acceptDone.wait()
        }

        func acceptLoop() {
            defer {
                close(listener)
                acceptDone.signal()
            }
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EINTR, !isStopped { continue }
                    return
                }
                let admitted = state.withLock { state in
                    if state.stopped { return false }
                    state.connections.insert(connection)
                    return true
                }
                guard admitted else {
                    close(connection)
                    return
                }
                let thread = Thread { [self] in
                    serve(connection)
                    state.withLock { _ = $0.connections.remove(connection) }
                    close(connection)
                }
                thread.name = "LoopbackHTTPServer.connection"
                thread.start()
            }
        }

        private func serve(_ connection: Int32) {
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var reader = ConnectionReader(fd: connection)
            guard let request = reader.readRequest(continueReply: { Self.send(connection, Array($0.utf8)) }) else {
                return
            }
            recorded.withLock { $0.append(request) }
            let response = handler(request)
            if response.hangs {
                waitForStop(upTo: nil)
                return
            }
            if response.delay > .zero {
                waitForStop(upTo: response.delay)
                if isStopped { return }
            }
            Self.send(connection, Self.encode(response))
            shutdown(connection, Int32(SHUT_WR))
        }

        /// Blocks until the server stops or `limit` passes (`nil`: no limit).
        private func waitForStop(upTo limit: Duration?) {
            let until = limit.map {
                Date().addingTimeInterval(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18)
            }
            stopSignal.lock()
            defer { stopSignal.unlock() }
            while !isStopped {
                if let until {
                    if !stopSignal.wait(until: until) { return }
                } else {
                    stopSignal.wait()
                }
            }
        }

        private static func encode(_ response: Response) -> [UInt8] {
            var head = "HTTP/1.1 \(response.status) \(reason(response.status))\r\n"
            let names = Set(response.headers.map { $0.0.lowercased() })
            for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
            if !names.contains("content-length") { head += "Content-Length: \(response.body.count)\r\n" }
            if !names.contains("connection") { head += "Connection: close\r\n" }
            head += "\r\n"
            return Array(head.utf8) + response.body
        }

        private static func reason(_ status: Int) -> String {
            switch status {
            case 200: "OK"
            case 201: "Created"
            case 204: "No Content"
            case 301: "Moved Permanently"
            case 302: "Found"
            case 307: "Temporary Redirect"
            case 308: "Permanent Redirect"
            case 400: "Bad Request"
            case 401: "Unauthorized"
            case 403: "Forbidden"
            case 404: "Not Found"
            case 429: "Too Many Requests"
            case 500: "Internal Server Error"
            case 502: "Bad Gateway"
            case 503: "Service Unavailable"
            default: "Status"
            }
        }

        /// Writes all of `bytes`; gives up silently when the client has gone (the test sees that on its side).
        private static func send(_ fd: Int32, _ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { raw -> Int in
                    #if canImport(Darwin)
                        return Darwin.send(fd, raw.baseAddress, raw.count, 0)
                    #else
                        return Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                    #endif
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// Reads one HTTP/1.1 request from a connected socket.
private struct ConnectionReader {
    let fd: Int32
    var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// The request, or `nil` when the client closed, timed out or sent something unparsable.
    mutating func readRequest(continueReply: (String) -> Void) -> LoopbackHTTPServer.Request? {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: terminator)?.lowerBound
            if headEnd == nil {
                guard buffer.count < 1 << 20, fill() else { return nil }
            }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + terminator.count)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        if headers["expect"]?.lowercased() == "100-continue", length > buffer.count {
            continueReply("HTTP/1.1 100 Continue\r\n\r\n")
        }
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Array(buffer.prefix(length))
        let target = String(requestLine[1])
        let path: String
        let rawQuery: String
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            rawQuery = String(target[target.index(after: mark)...])
        } else {
            path = target
            rawQuery = ""
        }
        var query: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            query[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return LoopbackHTTPServer.Request(
            method: String(requestLine[0]), path: path, rawQuery: rawQuery, query: query,
            headers: headers, body: body, receivedAt: Date()
        )
    }

    /// Appends what the socket has; `false` on close, timeout or error.
    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffer.append(contentsOf: chunk[0..<received])
                return true
            }
            if received < 0, errno == EINTR { continue }
            return false
        }
    }
}
