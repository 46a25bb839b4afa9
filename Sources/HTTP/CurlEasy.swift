import Support
import CCurl
import Foundation

/// One libcurl easy handle, reused for every request of an ``HTTPClient`` (keeping its connections open).
///
/// Not thread-safe: the client holds it inside a mutex. Each exchange resets the options, so nothing leaks from one
/// request into the next; redirects are not followed here (the client follows them, one hop at a time).
final class CurlEasy {
    /// What one hop returned.
    struct Exchange {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        /// The absolute target of a 3xx `Location`, resolved by libcurl.
        var redirectURL: String?
    }

    /// The outcome of `curl_easy_perform` when it was not `CURLE_OK`.
    struct Failure: Error {
        var code: HTTPError.Code
        var message: String
    }

    private let handle: UnsafeMutableRawPointer

    /// libcurl's process-wide initialisation, done once before the first handle (Swift globals are lazy and atomic).
    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init?() {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// The host (IPv6 in brackets) and port (the scheme's default when absent) of `url`, parsed by libcurl itself,
    /// so a destination check sees the host exactly as the connection will.
    static func hostAndPort(_ url: String, redacted: RedactedURL) throws(HTTPError) -> (host: String, port: Int) {
        guard let handle = curl_url() else {
            throw HTTPError(code: .invalidRequest, message: "libcurl could not parse the URL", url: redacted)
        }
        defer { curl_url_cleanup(handle) }
        var host: UnsafeMutablePointer<CChar>?
        var port: UnsafeMutablePointer<CChar>?
        defer {
            curl_free(host)
            curl_free(port)
        }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
            curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK,
            curl_url_get(handle, CURLUPART_PORT, &port, UInt32(CURLU_DEFAULT_PORT)) == CURLUE_OK,
            let host, let port, let number = Int(String(cString: port))
        else {
            throw HTTPError(code: .invalidRequest, message: "the URL has no usable host", url: redacted)
        }
        return (String(cString: host), number)
    }

    /// Performs one exchange without following redirects; with a `pin` (a `CURLOPT_RESOLVE` entry) the connection
    /// goes to the pinned addresses, on a fresh connection, without a proxy.
    func perform(
        _ request: HTTPRequest, pin: String?, connectTimeout: Duration, totalTimeout: Duration, maxResponseBytes: Int,
        userAgent: String
    ) throws(Failure) -> Exchange {
        curl_easy_reset(handle)
        var headerList: UnsafeMutablePointer<curl_slist>?
        var resolveList: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headerList)
            curl_slist_free_all(resolveList)
        }
        for (name, value) in request.headers + [("Expect", "")] {
            // An empty `Expect:` line tells libcurl not to send its own (no 1 s wait for 100-continue).
            let line = value.isEmpty ? "\(name):" : "\(name): \(value)"
            guard let appended = curl_slist_append(headerList, line) else {
                throw Failure(code: .invalidRequest, message: "out of memory building the header list")
            }
            headerList = appended
        }

        let sink = ResponseSink(limit: maxResponseBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var codes: [CURLcode] = []
        codes.append(celerity_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        codes.append(celerity_curl_setopt_string(handle, CURLOPT_URL, request.url))
        codes.append(celerity_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        codes.append(celerity_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        codes.append(celerity_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        codes.append(celerity_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        codes.append(celerity_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout)))
        codes.append(celerity_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(totalTimeout)))
        codes.append(celerity_curl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxResponseBytes)))
        codes.append(celerity_curl_setopt_string(handle, CURLOPT_USERAGENT, userAgent))
        codes.append(celerity_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
        if request.destinationPolicy != nil {
            if let pin {
                resolveList = curl_slist_append(nil, pin)
                codes.append(celerity_curl_setopt_slist(handle, CURLOPT_RESOLVE, resolveList))
            }
            codes.append(celerity_curl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 1))
            codes.append(celerity_curl_setopt_long(handle, CURLOPT_FORBID_REUSE, 1))
            codes.append(celerity_curl_setopt_string(handle, CURLOPT_NOPROXY, "*"))
        }
        codes.append(celerity_curl_setopt_write_function(handle, ResponseSink.writeBody))
        codes.append(celerity_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
        codes.append(celerity_curl_setopt_header_function(handle, ResponseSink.writeHeader))
        codes.append(celerity_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer))
        switch request.method {
        case .get:
            codes.append(celerity_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case .head:
            codes.append(celerity_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
        default:
            if request.method != .post {
                codes.append(celerity_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue))
            }
            if request.method == .post || !request.body.isEmpty {
                codes.append(celerity_curl_setopt_long(handle, CURLOPT_POST, 1))
                // The size first: the body may contain NUL bytes. COPYPOSTFIELDS copies it into the handle.
                codes.append(
                    celerity_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                let copied =
                    request.body.isEmpty
                    ? celerity_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                    : request.body.withUnsafeBytes { raw in
                        celerity_curl_setopt_pointer(
                            handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
                    }
                codes.append(copied)
            }
        }
        if let bad = codes.first(where: { $0 != CURLE_OK }) {
            throw Failure(code: .invalidRequest, message: "libcurl refused an option: \(Self.describe(bad))")
        }

        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            if sink.overflowed || result == CURLE_FILESIZE_EXCEEDED {
                throw Failure(
                    code: .responseTooLarge,
                    message: "the response body is larger than the \(maxResponseBytes)-byte cap; raise "
                        + "HTTPClient.Configuration.maxResponseBytes if this is expected"
                )
            }
            throw Failure(code: Self.classify(result), message: Self.describe(result))
        }
        var status = 0
        _ = celerity_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var location: UnsafeMutablePointer<CChar>?
        _ = celerity_curl_getinfo_string(handle, CURLINFO_REDIRECT_URL, &location)
        return Exchange(
            status: status, headers: sink.headers, body: sink.body, redirectURL: location.map { String(cString: $0) }
        )
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(duration.wholeMilliseconds))
    }

    private static func describe(_ code: CURLcode) -> String {
        "\(String(cString: curl_easy_strerror(code))) (libcurl error \(code.rawValue))"
    }

    private static func classify(_ code: CURLcode) -> HTTPError.Code {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .connectionFailed
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT: return .invalidRequest
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return .tls
        default: return .transport
        }
    }
}

/// Collects one exchange's headers and body from libcurl's callbacks, stopping at the size cap.
private final class ResponseSink {
    let limit: Int
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var overflowed = false

    init(limit: Int) { self.limit = limit }

    static let writeBody: celerity_curl_write_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        if sink.body.count + length > sink.limit {
            sink.overflowed = true
            return 0  // libcurl stops with CURLE_WRITE_ERROR.
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
        return length
    }

    static let writeHeader: celerity_curl_write_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            sink.headers = [:]  // A new response head (after `100 Continue`): forget the interim one.
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            sink.headers[name] = sink.headers[name].map { $0 + ", " + value } ?? value
        }
        return length
    }
}
