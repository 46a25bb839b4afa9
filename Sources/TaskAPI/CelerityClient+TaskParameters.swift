import Broker

extension CelerityClient {
    /// Sends the task `parameters` names, with the arguments a Python caller would send, on the parameters'
    /// queue unless `options` names another (a countdown or ETA keeps it); returns its id.
    /// - Throws: `EncodingError` when a parameter cannot be encoded, ``RedisError`` when the message could not be pushed.
    @discardableResult
    /// Unique parameters (``UniqueTaskParameters``) are sent only when no job with their key holds the lock; the
    /// id returned is then the holder's.
    public func enqueue<Parameters: TaskParameters>(_ parameters: Parameters, options: SendOptions = SendOptions()) async throws -> String {
        if let unique = parameters as? any UniqueTaskParameters { return try await enqueueUnique(unique, options: options) }
        let signature = try Signature(parameters, options: options)
        let message = signature.message()
        try await send(message)
        return message.id
    }
}

extension CelerityClient {
    /// Sends a chord whose body is the task `body` names: its first parameter receives the header's results
    /// (the value given for it is not sent), its other parameters go as keyword arguments, on the body's
    /// queue unless `options` names another (see ``Signature/init(chordBody:options:)``).
    /// - Throws: ``TaskError`` when `Body` has no parameters, `EncodingError`, or ``RedisError`` when the chord
    ///   could not be sent.
    public func chord<Body: TaskParameters>(
        _ header: [Signature], body: Body, options: SendOptions = SendOptions()
    ) async throws -> ChordHandle {
        try await chord(header, body: Signature(chordBody: body, options: options))
    }
}
