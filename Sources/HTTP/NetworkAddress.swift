import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Classifies IPv4 (4 bytes) and IPv6 (16 bytes) addresses for ``DestinationPolicy``.
enum NetworkAddress {
    /// Why `address` must not be the target of a request from outside, or `nil` when it is a public address.
    static func forbiddenReason(_ address: [UInt8]) -> String? {
        if address.count == 4 { return forbiddenIPv4(address) }
        guard address.count == 16 else { return "an address of unknown length" }
        let embedded: [UInt8]? =
            if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff {
                Array(address[12..<16])  // ::ffff:a.b.c.d, IPv4-mapped
            } else if address[0..<12].allSatisfy({ $0 == 0 }) && !address[12..<15].allSatisfy({ $0 == 0 }) {
                Array(address[12..<16])  // ::a.b.c.d, IPv4-compatible (deprecated)
            } else if address[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] {
                Array(address[12..<16])  // 64:ff9b::/96, NAT64
            } else if address[0] == 0x20 && address[1] == 0x02 {
                Array(address[2..<6])  // 2002::/16, 6to4
            } else {
                nil
            }
        if let embedded, let reason = forbiddenIPv4(embedded) { return "an IPv4-in-IPv6 form of \(reason)" }
        if address[0..<15].allSatisfy({ $0 == 0 }) {
            return address[15] == 1 ? "a loopback address" : address[15] == 0 ? "the unspecified address" : nil
        }
        switch address[0] {
        case 0xfc, 0xfd: return "a unique-local address (fc00::/7)"
        case 0xff: return "a multicast address"
        case 0xfe where address[1] & 0xc0 == 0x80: return "a link-local address (fe80::/10)"
        case 0xfe where address[1] & 0xc0 == 0xc0: return "a site-local address (fec0::/10)"
        default: return nil
        }
    }

    private static func forbiddenIPv4(_ a: [UInt8]) -> String? {
        switch (a[0], a[1]) {
        case (0, _): return "the unspecified network (0.0.0.0/8)"
        case (10, _): return "a private address (10/8)"
        case (100, 64...127): return "a carrier-grade NAT address (100.64/10)"
        case (127, _): return "a loopback address"
        case (169, 254): return "a link-local address (169.254/16, cloud metadata)"
        case (172, 16...31): return "a private address (172.16/12)"
        case (192, 168): return "a private address (192.168/16)"
        case (192, 0) where a[2] == 0: return "an IETF protocol address (192.0.0/24)"
        case (198, 18...19): return "a benchmarking address (198.18/15)"
        case (224...239, _): return "a multicast address"
        case (240...255, _): return "a reserved or broadcast address"
        default: return nil
        }
    }

    /// `127.0.0.1` or `::1`.
    static func text(_ address: [UInt8]) -> String {
        let family = address.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = address.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        return ok == nil ? "?" : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
