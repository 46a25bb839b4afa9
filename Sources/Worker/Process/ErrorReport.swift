import Broker
import TaskAPI
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a Swift error is reported to Celery clients: exception type, message, module, traceback.
enum ErrorReport {
    /// The Celery exception for `error`.
    static func remoteError(for error: any Error, softLimitFired: Bool, softLimit: Duration?) -> RemoteError {
        if softLimitFired, error is CancellationError || Task.isCancelled {
            let limit = softLimit.map { " (\($0.seconds)s)" } ?? ""
            return RemoteError(type: "SoftTimeLimitExceeded", message: "soft time limit\(limit) exceeded", module: "billiard.exceptions")
        }
        switch error {
        case let error as TaskError:
            return RemoteError(type: error.type, message: error.message, module: error.module)
        case let error as RetryRequest:
            return RemoteError(type: "Retry", message: error.reason, module: "celery.exceptions")
        default:
            return RemoteError(type: String(describing: type(of: error)), message: "\(error)", module: "celerity")
        }
    }

    /// A Python-style traceback string (Swift has no stack of Python frames; this names the task and error).
    static func traceback(task: String, error: RemoteError) -> String {
        let qualified = error.module == "builtins" ? error.type : "\(error.module).\(error.type)"
        return "Traceback (most recent call last):\n  File \"celerity\", in \(task)\n\(qualified): \(error.message)\n"
    }
}

extension TaskMessage {
    /// The message republished for a retry (wire spec §7): same id, `retries + 1`, the new ETA,
    /// `parent_id` = its own id, a new `delivery_tag`, and no redelivery marks.
    func retried(eta: Date) -> TaskMessage {
        var next = self
        next.retries = retries + 1
        next.eta = eta
        next.parentID = id
        next.deliveryTag = RandomID.uuidString()
        next.headers["redelivered"] = nil
        next.properties["origin"] = .string(TaskMessage.origin)
        if var info = next.properties["delivery_info"]?.objectValue {
            info["redelivered"] = nil
            next.properties["delivery_info"] = .object(info)
        }
        return next
    }
}

extension TaskError {
    /// The error a middleware sees for a reported failure.
    init(_ remote: RemoteError) {
        self.init(type: remote.type, message: remote.message, module: remote.module)
    }
}
