// swift-tools-version:6.0
import PackageDescription

// Module map (dependencies point inward; see README.md "Module map"):
//   AAMCore            pure domain, Foundation only
//   AAMSecrets         virtual-key hashing and credential sealing (swift-crypto)
//   AAMProviders       wire protocols: Codable wire types, pure translators, SSE codecs, simulated vendor
//   AAMConfig          declarative YAML config -> validated snapshot input (Yams)
//   AAMStore           store ports' in-memory twins
//   AAMStoreSQLite     embedded default store (SQLiteNIO)
//   AAMStorePostgres   production store (PostgresNIO)
//   AAMIdentity        workload identity: SPIFFE bundles, X.509-SVID and JWT-SVID verification
//   AAMControlProtocol daemon <-> console/CLI messages (Foundation only)
//   AAMConsole         pure console: view models, renderers to a styled text grid, key bindings, themes
//   CNcurses, AAMTerminal  the only code that touches curses
//   AAMServer          Hummingbird wiring, admin API, upstream transport, control socket, services
//   AAMTesting         wire-faithful fake upstream vendors with fault injection
//   aamd, aam          thin executables
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "aam",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aamd", targets: ["aamd"]),
        .executable(name: "aam", targets: ["aam"]),
        .executable(name: "aam-fake-upstream", targets: ["aam-fake-upstream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // Already built for swift-certificates; AAMIdentity reads SPIFFE IDs in SAN extensions with it.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        .target(name: "AAMCore", swiftSettings: swiftSettings),
        .target(
            name: "AAMSecrets",
            dependencies: ["AAMCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AAMProviders", dependencies: ["AAMCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "AAMConfig",
            dependencies: ["AAMCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(name: "AAMStore", dependencies: ["AAMCore"], swiftSettings: swiftSettings),
        .target(
            name: "AAMStoreSQLite",
            dependencies: [
                "AAMCore", .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AAMStorePostgres",
            dependencies: [
                "AAMCore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AAMIdentity",
            dependencies: [
                "AAMCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "AAMControlProtocol", swiftSettings: swiftSettings),
        // The git revision stamped at build time (Plugins/BuildRevision); only the executables
        // import it, so a new commit relinks them instead of recompiling the server.
        .target(name: "AAMBuildInfo", dependencies: ["AAMCore"], swiftSettings: swiftSettings, plugins: ["BuildRevision"]),
        .plugin(name: "BuildRevision", capability: .buildTool()),
        .target(name: "AAMConsole", dependencies: ["AAMControlProtocol"], swiftSettings: swiftSettings),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .target(name: "AAMTerminal", dependencies: ["CNcurses", "AAMConsole"], swiftSettings: swiftSettings),
        .target(
            name: "AAMServer",
            dependencies: [
                "AAMCore", "AAMSecrets", "AAMProviders", "AAMConfig", "AAMStore", "AAMStoreSQLite",
                "AAMStorePostgres", "AAMControlProtocol", "AAMIdentity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AAMTesting",
            dependencies: [
                "AAMCore", "AAMProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "aamd",
            dependencies: [
                "AAMServer", "AAMBuildInfo",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "aam",
            dependencies: [
                "AAMServer", "AAMConfig", "AAMControlProtocol", "AAMConsole", "AAMTerminal", "AAMBuildInfo",
                // `aam demo` runs the fake MCP server and mints its agent's JWT-SVIDs.
                "AAMTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks outside the product: store write rates, console event throughput.
        .executableTarget(
            name: "aam-bench-store",
            dependencies: ["AAMCore", "AAMStore", "AAMStoreSQLite", "AAMStorePostgres"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "aam-bench-policy", dependencies: ["AAMCore"], swiftSettings: swiftSettings),
        .executableTarget(name: "aam-bench-console", dependencies: ["AAMConsole", "AAMControlProtocol"], swiftSettings: swiftSettings),
        .executableTarget(name: "aam-fake-upstream", dependencies: ["AAMTesting"], swiftSettings: swiftSettings),
        // Fuzz targets (docs/FUZZING.md): the target functions, and `aam-fuzz`, which scripts/fuzz
        // builds with libFuzzer into .build-fuzz; in this build it only replays inputs.
        .target(
            name: "AAMFuzzTargets", dependencies: ["AAMCore", "AAMProviders", "AAMControlProtocol"],
            path: "Sources/aam-fuzz-targets", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "aam-fuzz", dependencies: ["AAMFuzzTargets"], swiftSettings: swiftSettings),
        .testTarget(name: "AAMCoreTests", dependencies: ["AAMCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AAMIdentityTests",
            dependencies: [
                "AAMIdentity", "AAMCore", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AAMSecretsTests", dependencies: ["AAMSecrets"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AAMProvidersTests",
            dependencies: ["AAMProviders", "AAMCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AAMConfigTests", dependencies: ["AAMConfig"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "AAMStoreTests",
            dependencies: ["AAMStore", "AAMStoreSQLite", "AAMStorePostgres", "AAMCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AAMConsoleTests", dependencies: ["AAMConsole", "AAMControlProtocol"], resources: [.copy("Golden")], swiftSettings: swiftSettings),
        .testTarget(name: "AAMFuzzTests", dependencies: ["AAMFuzzTargets"], swiftSettings: swiftSettings),
        .testTarget(name: "AAMTerminalTests", dependencies: ["AAMTerminal", "AAMConsole", "CNcurses"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AAMServerTests",
            dependencies: [
                "AAMServer", "AAMTesting", "AAMControlProtocol",
                // OpenAPIDocumentTests reads docs/openapi.yaml.
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
