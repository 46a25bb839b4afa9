// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for Celerity's parsers (docs/reliability.md). A package of its own, so that the main
/// build never compiles them: `fuzz/run.sh` builds it with `-sanitize=fuzzer,address -parse-as-library`
/// (libFuzzer supplies `main`) and runs each target for a bounded time over its corpus in `corpus/`.
let package = Package(
    name: "CelerityFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Celerity", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzTaskMessage", dependencies: ["FuzzDriver", .product(name: "Broker", package: "Celerity")]),
        .executableTarget(name: "FuzzSerializedBody", dependencies: ["FuzzDriver", .product(name: "Broker", package: "Celerity")]),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzDriver", .product(name: "Broker", package: "Celerity")]),
        .executableTarget(name: "FuzzRedisURL", dependencies: ["FuzzDriver", .product(name: "Broker", package: "Celerity")]),
        .executableTarget(name: "FuzzScheduleFile", dependencies: ["FuzzDriver", .product(name: "Scheduler", package: "Celerity")]),
        .executableTarget(name: "FuzzCron", dependencies: ["FuzzDriver", .product(name: "Scheduler", package: "Celerity")]),
    ]
)
