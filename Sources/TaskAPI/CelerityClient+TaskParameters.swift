import Broker

extension CelerityClient {
    /// Sends the task `parameters` names, with the arguments a Python caller would send, on the parameters'
    /// queue unless `options` names another (a countdown or ETA keeps it); returns its id.
    /// - Throws: `EncodingError` when a parameter cannot be encoded, ``RedisError`` when the message could not be pushed.
    @discardableResult
    public func enqueue<Parameters: TaskParameters>(_ parameters: Parameters, options: SendOptions = SendOptions()) async throws -> String {
        let signature = try Signature(parameters, options: options)
        let message = signature.message()
        try await send(message)
        return message.id
    }
}
