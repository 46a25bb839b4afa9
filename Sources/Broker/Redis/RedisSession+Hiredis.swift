import CHiredis
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
// timespec and timeval are also declared by the toolchain's SwiftOverlayShims; with MemberImportVisibility, a
// release (whole-module) build can attribute their initializers to it, so it is imported where they are built.
#if canImport(SwiftOverlayShims)
import SwiftOverlayShims
#endif

/// The C boundary: hiredis replies copied into Swift values, argv arrays, timeouts.
extension RedisSession {
    /// Copies a hiredis reply tree into Swift values; the caller frees the C reply.
    static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch Int32(value.type) {
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: UnsafeRawBufferPointer(start: value.str, count: Int(value.len)), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: UnsafeRawBufferPointer(start: value.str, count: Int(value.len)), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(value.integer))
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: Int(value.len))))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(value.elements))
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { elements.append(copy(element)) }
            }
            return .array(elements)
        case REDIS_REPLY_NIL:
            return .null
        default:
            // RESP3 types from newer hiredis (double, bool, …) carry their text in `str`.
            if value.str != nil {
                return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: Int(value.len))))
            }
            return .integer(Int(value.integer))
        }
    }

    /// Calls `body` with C argv/argvlen arrays that point into one flat buffer of the arguments' UTF-8 bytes.
    static func withArgv<R>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var flat: [UInt8] = []
        // Sized once: a take step's arguments hold every finished message and result (tens of KiB), which growing
        // the buffer by doubling copied twice over.
        flat.reserveCapacity(arguments.reduce(1) { $0 + $1.utf8.count })
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            let start = flat.count
            flat.append(contentsOf: argument.utf8)
            lengths.append(flat.count - start)
        }
        if flat.isEmpty { flat.append(0) }
        return flat.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(Int32(arguments.count), argv.baseAddress!, lengthBuffer.baseAddress!)
                }
            }
        }
    }

    static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
