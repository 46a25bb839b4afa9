import TaskAPI

/// The invoice jobs' settings (docs/jobs.md), read once per worker process from ``TaskResources/settings``.
public struct InvoiceConfiguration: Sendable {
    /// The OCR service (`CELERITY_OCR_URL`): JSON in, JSON out. Invoices fail with a clear reason when unset.
    public var ocrURL: String?
    /// The whole batch's deadline after it was stored (`CELERITY_INVOICE_BATCH_TIMEOUT`, default 300 s).
    public var batchTimeout: Duration
    /// One OCR request's time limit (`CELERITY_OCR_TIMEOUT`, default 30 s); a timeout is retried.
    public var ocrTimeout: Duration

    /// Reads the settings.
    /// - Throws: ``SettingsError`` naming a malformed setting (the worker stops with it).
    public static func load(_ settings: Settings) throws -> InvoiceConfiguration {
        InvoiceConfiguration(
            ocrURL: settings["CELERITY_OCR_URL"],
            batchTimeout: try settings.seconds("CELERITY_INVOICE_BATCH_TIMEOUT", default: .seconds(300)),
            ocrTimeout: try settings.seconds("CELERITY_OCR_TIMEOUT", default: .seconds(30))
        )
    }
}
