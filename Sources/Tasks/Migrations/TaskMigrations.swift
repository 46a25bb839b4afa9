import Postgres

/// The application's schema steps, one SQL file per step in `Sources/Tasks/Migrations/NNNN_name.sql`,
/// compiled into the binary (`resources: [.embedInCode(…)]` in Package.swift). Applied by `celerity db migrate`;
/// job families add steps here. SwiftPM names an embedded file's bytes after its file name with a leading digit
/// replaced by `_`: `0001_webhook_deliveries.sql` becomes `PackageResources._001_webhook_deliveries_sql`.
public enum TaskMigrations {
    /// Every step, in version order.
    public static let all: [Migration] = [
        step(1, "webhook_deliveries", PackageResources._001_webhook_deliveries_sql),
        step(15, "backups", PackageResources._015_backups_sql),
        step(20, "purchase_unlocks", PackageResources._020_purchase_unlocks_sql),
        step(30, "invoice_batches", PackageResources._030_invoice_batches_sql),
        step(40, "inflation_rates", PackageResources._040_inflation_rates_sql),
        step(50, "secret_rotations", PackageResources._050_secret_rotations_sql),
        step(60, "outbox", PackageResources._060_outbox_sql),
    ]

    private static func step(_ version: Int, _ name: String, _ bytes: [UInt8]) -> Migration {
        Migration(version: version, name: name, sql: String(decoding: bytes, as: UTF8.self))
    }
}
