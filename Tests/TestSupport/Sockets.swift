import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Free loopback ports for test servers.
public enum FreePort {
    /// Returns a TCP port on 127.0.0.1 that was free a moment ago.
    ///
    /// The port is found by binding port 0, reading the port the kernel chose and closing the socket. Another
    /// process may take it before the server binds it; the server helpers notice that and retry with a new port.
    /// - Throws: ``HarnessError`` with code ``HarnessError/Code/connectionFailed`` if no socket can be bound.
    public static func allocate() throws -> Int {
        let fd = socket(AF_INET, SocketConstants.stream, 0)
        guard fd >= 0 else { throw HarnessError.system("socket()") }
        defer { close(fd) }
        var address = SocketConstants.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessError.system("bind(127.0.0.1:0)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessError.system("getsockname()") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Platform spellings of socket constants.
enum SocketConstants {
    #if canImport(Glibc) || canImport(Musl)
    static let stream = Int32(SOCK_STREAM.rawValue)
    #else
    static let stream = SOCK_STREAM
    #endif

    /// `127.0.0.1:port` as a `sockaddr_in`.
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

extension HarnessError {
    /// A connection error describing the current `errno`.
    static func system(_ operation: String) -> HarnessError {
        HarnessError(.connectionFailed, "\(operation) failed: \(String(cString: strerror(errno)))")
    }
}

/// A blocking TCP or unix-domain stream socket with send and receive timeouts, for short test conversations.
final class BlockingSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    /// Connects to `127.0.0.1:port`.
    init(port: Int, timeout: Duration) throws {
        fd = socket(AF_INET, SocketConstants.stream, 0)
        guard fd >= 0 else { throw HarnessError.system("socket()") }
        do {
            try setTimeouts(timeout)
            var address = SocketConstants.loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw HarnessError.system("connect(127.0.0.1:\(port))") }
        } catch {
            close(fd)
            throw error
        }
    }

    /// Connects to the unix-domain socket at `path`.
    init(unixPath path: String, timeout: Duration) throws {
        fd = socket(AF_UNIX, SocketConstants.stream, 0)
        guard fd >= 0 else { throw HarnessError.system("socket(AF_UNIX)") }
        do {
            try setTimeouts(timeout)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard bytes.count < capacity else {
                throw HarnessError(.connectionFailed, "unix socket path too long (\(bytes.count) bytes): \(path)")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else { throw HarnessError.system("connect(\(path))") }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private func setTimeouts(_ timeout: Duration) throws {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: .init(attoseconds / 1_000_000_000_000))
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            guard setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                throw HarnessError.system("setsockopt(timeout)")
            }
        }
    }

    /// Writes all of `bytes`, retrying after `EINTR`.
    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            if written < 0 {
                if errno == EINTR { continue }
                throw HarnessError.system("send()")
            }
            offset += written
        }
    }

    /// Reads one byte, blocking until it arrives, the peer closes, or the receive timeout passes.
    func readByte() throws -> UInt8 {
        if position == buffer.count { try fill() }
        defer { position += 1 }
        return buffer[position]
    }

    /// Reads exactly `count` bytes.
    func read(count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            if position == buffer.count { try fill() }
            let take = min(count - result.count, buffer.count - position)
            result.append(contentsOf: buffer[position..<position + take])
            position += take
        }
        return result
    }

    /// Reads up to and including CR LF, and returns the line without it.
    func readLine() throws -> [UInt8] {
        var line: [UInt8] = []
        while true {
            let byte = try readByte()
            if byte == UInt8(ascii: "\n"), line.last == UInt8(ascii: "\r") {
                line.removeLast()
                return line
            }
            line.append(byte)
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffer = Array(chunk[0..<received])
                position = 0
                return
            }
            if received == 0 { throw HarnessError(.connectionFailed, "connection closed by the server") }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                throw HarnessError(.timeout, "no reply from the server before the socket timeout")
            }
            throw HarnessError.system("recv()")
        }
    }
}
