// swift-tools-version:6.0
import PackageDescription

/// An application in its own package that runs its tasks on Celerity (docs/tasks.md, "In your own package").
/// It depends on Celerity as a user does; only the path differs: an application writes
/// `.package(url: "<the URL you clone Celerity from>", from: "0.9.0")`, and this example, built in CI from the
/// checkout it sits in, writes `.package(path: "../..")`.
let package = Package(
    name: "ExternalShop",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Celerity", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "external-shop-worker",
            dependencies: [
                .product(name: "TaskAPI", package: "Celerity"),
                .product(name: "Broker", package: "Celerity"),
                .product(name: "CelerityCLI", package: "Celerity"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ExternalShop",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
    ]
)
