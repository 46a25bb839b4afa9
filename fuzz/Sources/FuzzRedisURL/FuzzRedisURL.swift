import Broker
import FuzzDriver

/// RedisConfiguration(url:): every input parses or throws RedisURLError, whose text never contains the
/// password; a parsed URL's redacted form never contains it either.
@_cdecl("FuzzRedisURL_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv) { data, size in fuzzRedisURL(data, size) }
}

func fuzzRedisURL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let configuration = try RedisConfiguration(url: text)
        // The redacted URL does not depend on the password at all: it cannot show it.
        if configuration.password != nil {
            var other = configuration
            other.password = "another password"
            precondition(other.redactedURL == configuration.redactedURL, "the redacted URL shows the password: \(text)")
        }
        _ = configuration.address
    } catch {
        _ = error.description
    }
    return 0
}

