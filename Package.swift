// swift-tools-version:6.0
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode with strict concurrency. `MemberImportVisibility`:
/// a file sees only the members of modules it imports itself, so one `import Foundation` in a module cannot make
/// its other files use (and its binaries load) Foundation without saying so.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Celerity",
    platforms: [.macOS(.v15)],
    // What an application in its own package imports (docs/tasks.md, "In your own package"): the task API, the
    // client and protocol types, the worker commands, the PostgreSQL and HTTP clients and the transactional outbox.
    // The engine (Worker, Alerts) and Celerity's own jobs (Tasks) are not products: the `celerity` binary runs them.
    // Scheduler is one for the libFuzzer package (fuzz/), a package of its own that fuzzes its schedule-file parser.
    products: [
        .executable(name: "celerity", targets: ["celerity"]),
        .library(name: "Broker", targets: ["Broker"]),
        .library(name: "TaskAPI", targets: ["TaskAPI"]),
        .library(name: "CelerityCLI", targets: ["CelerityCLI"]),
        .library(name: "Outbox", targets: ["Outbox"]),
        .library(name: "Scheduler", targets: ["Scheduler"]),
        .library(name: "HTTP", targets: ["HTTP"]),
        .library(name: "Postgres", targets: ["Postgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // /metrics and the status page: the registry and exposition format, and an HTTP/1 server.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // C libraries, reached through pkg-config. No C type appears in a public Swift signature.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // What is not Celery-on-Redis, shared by Broker, Postgres and HTTP: JSON, text, backoff, locks, threads,
        // process spawning. Package-internal (not a product); Broker re-exports it to applications.
        .target(name: "Support", swiftSettings: swiftSettings),
        // Redis connection, Celery protocol v2 codec, client API, result backend. Re-exports Support.
        .target(
            name: "Broker",
            dependencies: ["Support", "CHiredis", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // What applications import to define tasks: definitions, typed parameters, the context and its sender,
        // middleware, per-process setup, settings.
        .target(
            name: "TaskAPI",
            dependencies: ["Broker", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The read/admin model, apart from the processor: dead letters, revocations, the worker registry, the
        // cluster scrape and queue samples, the status report and page, and the cluster's `/metrics` exposition
        // and HTTP server. Used by Worker, Alerts and the CLI; never imports Worker.
        .target(
            name: "Operations",
            dependencies: [
                "Broker", "TaskAPI",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Supervisor, worker processes, reliable fetch, retries, dead letters, time limits, revokes.
        .target(
            name: "Worker",
            dependencies: [
                "Broker", "TaskAPI", "Operations",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Schedule file, cron and interval math, exactly-once slot claims.
        .target(
            name: "Scheduler",
            dependencies: ["Broker", "Yams", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // HTTP over libcurl (timeouts, size cap, safe redirects, redacted URLs), Slack notifications, signed webhooks.
        // On Support, not Broker: an HTTP job does not link hiredis.
        .target(
            name: "HTTP",
            dependencies: [
                "CCurl", "Support",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL over libpq: parameterised queries, text decoding, transactions, reconnects, migrations.
        // On Support, not Broker: a database job does not link hiredis.
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "Support", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The built-in queue alerter: rules over the queues /metrics reads, posted to Slack once per transition.
        .target(
            name: "Alerts",
            dependencies: ["Broker", "Operations", "HTTP", "Yams", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The application's jobs, written against the task API, Postgres and HTTP only.
        .target(
            name: "Tasks",
            dependencies: [
                "TaskAPI", "Broker", "Postgres", "HTTP", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Schema migrations, one SQL file per step, compiled into the binary (listed in TaskMigrations.swift).
            resources: [
                .embedInCode("Migrations/0001_webhook_deliveries.sql"),
                .embedInCode("Migrations/0015_backups.sql"),
                .embedInCode("Migrations/0020_purchase_unlocks.sql"),
                .embedInCode("Migrations/0030_invoice_batches.sql"),
                .embedInCode("Migrations/0040_inflation_rates.sql"),
                .embedInCode("Migrations/0050_secret_rotations.sql"),
                .embedInCode("Migrations/0060_outbox.sql"),
            ],
            swiftSettings: swiftSettings
        ),
        // The transactional outbox: `PostgresTransaction.enqueue` and the relay that moves committed rows to Redis.
        .target(
            name: "Outbox",
            dependencies: ["Broker", "TaskAPI", "Postgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The worker commands every application binary uses (`worker`, the hidden `worker-process`, `--version`),
        // and the options the `celerity` binary's other commands share: --redis-url, logging, settings.
        .target(
            name: "CelerityCLI",
            dependencies: [
                "Broker", "TaskAPI", "Worker", "Operations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command-line tool: argument parsing and wiring only.
        .executableTarget(
            name: "celerity",
            dependencies: [
                "Broker", "Worker", "Operations", "Scheduler", "Tasks", "TaskAPI", "CelerityCLI", "Postgres", "Alerts", "HTTP", "Outbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test helpers: real redis-server / PostgreSQL / Python Celery processes on loopback.
        .target(
            name: "TestSupport",
            dependencies: ["Broker", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BrokerTests", dependencies: ["Broker", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "TaskAPITests", dependencies: ["TaskAPI", "Broker", "TestSupport"], swiftSettings: swiftSettings),
        // The version constant against VERSION and CHANGELOG.md, and a worker binary's root command.
        .testTarget(
            name: "CelerityCLITests",
            dependencies: ["CelerityCLI", "TaskAPI", "Broker", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // A worker binary with test tasks (crash, flaky, record); built with the tests.
        .executableTarget(
            name: "celerity-test-worker",
            dependencies: [
                "CelerityCLI", "TaskAPI", "Tasks", "Broker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/TestWorker",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: ["Worker", "Operations", "TaskAPI", "Tasks", "Broker", "TestSupport", "celerity-test-worker"],
            swiftSettings: swiftSettings
        ),
        // The benchmark's Celerity side (bench/README.md): enqueue timings and a worker with bench tasks.
        .executableTarget(
            name: "celerity-bench",
            dependencies: [
                "Broker", "TaskAPI", "CelerityCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/CelerityBench",
            swiftSettings: swiftSettings
        ),
        // The example application of docs/tasks.md, built in CI and run by a real Python Celery client in InteropTests.
        .executableTarget(
            name: "celerity-example",
            dependencies: [
                "CelerityCLI", "TaskAPI", "Broker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/Shop",
            swiftSettings: swiftSettings
        ),
        // Depends on `celerity` so the race test can start real scheduler processes of the binary.
        .testTarget(
            name: "SchedulerTests", dependencies: ["Scheduler", "Broker", "TestSupport", "celerity"],
            swiftSettings: swiftSettings
        ),
        // The application's jobs against real PostgreSQL, redis-server and a loopback Slack.
        // Depends on `celerity` so that the backup tasks also run in a real worker process.
        .testTarget(
            name: "TasksTests", dependencies: ["Tasks", "Broker", "HTTP", "Postgres", "TestSupport", "celerity"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // /metrics, alerts, the status page and deploy/ against real redis-server, Prometheus, Alertmanager, Chromium.
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Broker", "Worker", "Operations", "TaskAPI", "Tasks", "TestSupport", "celerity",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Real Python Celery (from PyPI, in venvs the tests create) against Celerity's client, CLI and workers.
        .testTarget(
            name: "InteropTests",
            dependencies: ["Broker", "TestSupport", "celerity-test-worker", "celerity", "celerity-example"],
            exclude: ["python"],
            swiftSettings: swiftSettings
        ),
        // The HTTP client, Slack notifier and webhook sender against real loopback HTTP servers.
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Broker", "TestSupport"], swiftSettings: swiftSettings),
        // The outbox against real PostgreSQL, redis-server, Python (psycopg, Celery), Prometheus and Alertmanager.
        .testTarget(
            name: "OutboxTests",
            dependencies: ["Outbox", "Postgres", "Broker", "TaskAPI", "Tasks", "TestSupport", "celerity", "celerity-test-worker"],
            exclude: ["python"],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL client and migrations against real PostgreSQL; `celerity db` as a real process.
        .testTarget(
            name: "PostgresTests", dependencies: ["Postgres", "HTTP", "Broker", "Tasks", "TestSupport", "celerity"],
            swiftSettings: swiftSettings
        ),
    ]
)
