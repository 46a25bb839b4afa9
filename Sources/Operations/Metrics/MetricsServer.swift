import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small read-only HTTP/1.1 server (SwiftNIO) for `/metrics`, `/healthz` and the status page. The
/// responder runs on its own serial queue, never on the event loop: it may block on Redis.
package final class MetricsServer: Sendable {
    /// What the responder returns for a path.
    package struct Response: Sendable {
        package var status: Int
        package var contentType: String
        package var body: [UInt8]

        package init(status: Int, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        package static func text(_ status: Int, _ text: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
        }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The port it listens on (the chosen one when asked for port 0).
    package let port: Int

    /// Binds `address` and starts serving.
    /// - Throws: the bind error (address in use, no such host).
    package init(address: MetricsAddress, responder: @escaping @Sendable (_ method: String, _ path: String) -> Response) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let queue = DispatchQueue(label: "celerity.metrics")
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                        channel.pipeline.addHandler(RequestHandler(queue: queue, responder: responder))
                    }
                }
                .bind(host: address.host, port: address.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        port = channel.localAddress?.port ?? address.port
    }

    /// Stops listening.
    package func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// `@unchecked Sendable` is sound: NIO calls a handler on its channel's event loop only, and the one hop off
    /// it (the responder's queue) comes back through `NIOLoopBound`, which checks it is on that loop again.
    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        package typealias InboundIn = HTTPServerRequestPart
        package typealias OutboundOut = HTTPServerResponsePart

        private let queue: DispatchQueue
        private let responder: @Sendable (String, String) -> Response
        private var head: HTTPRequestHead?

        package init(queue: DispatchQueue, responder: @escaping @Sendable (String, String) -> Response) {
            self.queue = queue
            self.responder = responder
        }

        package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                head = request
            case .body:
                break
            case .end:
                guard let request = head else { return }
                head = nil
                let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "/")
                let method = request.method == .GET ? "GET" : (request.method == .HEAD ? "HEAD" : "\(request.method)")
                let responder = self.responder
                let loop = context.eventLoop
                let bound = NIOLoopBound((self, context), eventLoop: loop)
                queue.async {
                    let response = method == "GET" || method == "HEAD"
                        ? responder(method, path) : .text(405, "only GET and HEAD\n")
                    loop.execute {
                        let (handler, context) = bound.value
                        handler.write(response, head: request, to: context)
                    }
                }
            }
        }

        private func write(_ response: Response, head request: HTTPRequestHead, to context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            headers.add(name: "Content-Length", value: String(response.body.count))
            headers.add(name: "Cache-Control", value: "no-store")
            headers.add(name: "Connection", value: "close")
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
            if request.method != .HEAD {
                var buffer = context.channel.allocator.buffer(capacity: response.body.count)
                buffer.writeBytes(response.body)
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
