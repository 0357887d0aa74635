// swift-tools-version:6.0
import PackageDescription

// ciba-agi: a FastAGI server that authenticates callers with OpenID Connect CIBA.
// No package dependencies by design: Foundation, Dispatch, Glibc and the system OpenSSL 3.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "ciba-agi",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ciba-agi", targets: ["ciba-agi"]),
        .executable(name: "fastagi-reference-server", targets: ["fastagi-reference-server"]),
        .library(name: "AGI", targets: ["AGI"]),
        .library(name: "CallerAuth", targets: ["CallerAuth"]),
    ],
    targets: [
        // OpenSSL 3 through pkg-config (Debian: libssl-dev).
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // libcurl (Debian: libcurl4-openssl-dev) for the CIBA client's transport; typed setopt wrappers.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // epoll / eventfd / accept4 for Sockets (header-only; Glibc does not export them).
        .systemLibrary(name: "CSocketsLinux", path: "Sources/CSocketsLinux"),
        // A pthread-backed lock with Mutex's API; the TSan build shadows Mutex with it (docs/sanitizers.md).
        .target(name: "PthreadLocks", swiftSettings: strict),
        // Structured key=value logging with an in-memory handler for tests.
        .target(name: "StructuredLogging", dependencies: ["PthreadLocks"], swiftSettings: strict),
        // application/x-www-form-urlencoded and percent-encoding (AGI query, HTTP server, CIBA client).
        .target(name: "URLEncoding", swiftSettings: strict),
        // Non-blocking TCP (epoll) bridged into Swift concurrency; CIDR allow-lists.
        .target(name: "Sockets", dependencies: ["PthreadLocks", "CSocketsLinux", "StructuredLogging"], swiftSettings: strict),
        // Redis/Valkey client: RESP2/3 codec with limits, pipelined connection pool, pub/sub.
        .target(name: "RESP", dependencies: ["PthreadLocks", "Sockets", "StructuredLogging", "TLS", "URLEncoding"], swiftSettings: strict),
        // The FastAGI protocol: environment, commands, responses, channel API, server.
        .target(name: "AGI", dependencies: ["PthreadLocks", "Sockets", "StructuredLogging", "URLEncoding"], swiftSettings: strict),
        // Asterisk Manager Interface client: login, events, actions, reconnect (queue mode).
        .target(name: "AMI", dependencies: ["PthreadLocks", "Sockets", "StructuredLogging", "TLS"], swiftSettings: strict),
        // A fake Asterisk for tests and `ciba-agi simulate-call`.
        .target(name: "AGITesting", dependencies: ["PthreadLocks", "AGI", "Sockets", "TLS"], swiftSettings: strict),
        // Loopback peers for transport tests: scripted HTTP answers, a CONNECT proxy.
        .target(name: "NetworkTesting", dependencies: ["PthreadLocks", "Sockets"], swiftSettings: strict),
        // Swedish personnummer / samordningsnummer, Norwegian fødselsnummer / D-number.
        .target(name: "IdentityNumbers", swiftSettings: strict),
        // JWS / JWK / JWT over OpenSSL 3.
        .target(name: "JOSE", dependencies: ["COpenSSL"], swiftSettings: strict),
        // TLS over Sockets' TCPConnection (OpenSSL 3 memory BIOs), server and client; test-CA/certificate generator.
        .target(name: "TLS", dependencies: ["PthreadLocks", "COpenSSL", "Sockets"], swiftSettings: strict),
        // A small HTTP/1.1 server (simulated provider, ops endpoint), plain or over TLS.
        .target(name: "HTTPServer", dependencies: ["PthreadLocks", "Sockets", "StructuredLogging", "URLEncoding", "TLS"], swiftSettings: strict),
        // OpenID Connect CIBA client (poll mode) and ID-token validation.
        .target(name: "CIBA", dependencies: ["PthreadLocks", "CCurl", "JOSE", "Sockets", "StructuredLogging", "URLEncoding"], swiftSettings: strict),
        // In-process simulated CIBA provider that behaves like Idura Verify.
        .target(name: "CIBASimulator", dependencies: ["PthreadLocks", "HTTPServer", "JOSE", "IdentityNumbers", "StructuredLogging", "TLS", "URLEncoding"], swiftSettings: strict),
        // Child processes via posix_spawn (Foundation's Process.run crashes on Linux, see the file).
        .target(name: "ProcessSpawning", swiftSettings: strict),
        // The caller-authentication IVR: config, flow, rate limits, audit, metrics.
        .target(
            name: "CallerAuth",
            dependencies: ["PthreadLocks", "AGI", "AMI", "Sockets", "CIBA", "IdentityNumbers", "HTTPServer", "JOSE", "CIBASimulator", "ProcessSpawning", "StructuredLogging", "TLS",
                           "RESP", "COpenSSL"],
            swiftSettings: strict
        ),
        // The agent desk: HTTP API, login, the agent page and its event stream (issue 9).
        .target(
            name: "AgentDesk",
            dependencies: ["CallerAuth", "HTTPServer", "IdentityNumbers", "JOSE", "COpenSSL", "Sockets", "StructuredLogging", "TLS"],
            exclude: ["AgentPage"],
            swiftSettings: strict
        ),
        // Headless Chromium over the DevTools pipe, for the agent page's browser test.
        .target(name: "BrowserTesting", dependencies: ["PthreadLocks", "JOSE", "ProcessSpawning"], swiftSettings: strict),
        .executableTarget(
            name: "ciba-agi",
            dependencies: ["AgentDesk", "CallerAuth", "AGI", "AGITesting", "Sockets", "CIBASimulator", "CIBA", "HTTPServer", "StructuredLogging"],
            swiftSettings: strict
        ),

        // Benchmarks (see BENCHMARKS.md).
        .executableTarget(
            name: "fastagi-reference-server",
            dependencies: ["AGI", "Sockets", "StructuredLogging"],
            path: "Benchmarks/fastagi-reference-server",
            swiftSettings: strict
        ),
        // The shared store's rate-limit check and state-change publish against a real redis-server.
        .executableTarget(
            name: "shared-state-benchmark",
            dependencies: ["CallerAuth", "RESP", "RedisTesting", "StructuredLogging"],
            path: "Benchmarks/shared-state",
            swiftSettings: strict
        ),
        // Concurrent caller-auth calls (FakeAsterisk) against `ciba-agi serve`: Benchmarks/flow/run.sh.
        .executableTarget(
            name: "flow-loadgen",
            dependencies: ["AGITesting", "Sockets"],
            path: "Benchmarks/flow-loadgen",
            swiftSettings: strict
        ),

        // Tests mirror the modules.
        .testTarget(name: "StructuredLoggingTests", dependencies: ["StructuredLogging"], swiftSettings: strict),
        .testTarget(name: "URLEncodingTests", dependencies: ["URLEncoding"], swiftSettings: strict),
        .testTarget(name: "ProcessSpawningTests", dependencies: ["ProcessSpawning"], swiftSettings: strict),
        .testTarget(name: "SocketsTests", dependencies: ["PthreadLocks", "NetworkTesting", "Sockets"], swiftSettings: strict),
        // Starts real redis-server instances for tests (never a production dependency).
        .target(name: "RedisTesting", dependencies: ["NetworkTesting", "RESP", "ProcessSpawning", "Sockets"], swiftSettings: strict),
        .testTarget(name: "RESPTests", dependencies: ["NetworkTesting", "RESP", "RedisTesting", "Sockets"], swiftSettings: strict),
        .testTarget(name: "AGITests", dependencies: ["PthreadLocks", "AGI", "AGITesting", "NetworkTesting", "Sockets"], exclude: ["Fixtures/asterisk"], swiftSettings: strict),
        .testTarget(name: "AMITests", dependencies: ["AMI", "AGITesting", "NetworkTesting", "Sockets", "StructuredLogging", "TLS"], swiftSettings: strict),
        .testTarget(name: "IdentityNumbersTests", dependencies: ["IdentityNumbers", "ProcessSpawning"], exclude: ["Reference"], swiftSettings: strict),
        .testTarget(name: "JOSETests", dependencies: ["JOSE", "ProcessSpawning"], exclude: ["Fixtures/provider"], swiftSettings: strict),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "Sockets", "ProcessSpawning"], swiftSettings: strict),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "NetworkTesting", "URLEncoding", "TLS", "Sockets", "ProcessSpawning"], swiftSettings: strict),
        .testTarget(name: "CIBATests", dependencies: ["PthreadLocks", "CIBA", "JOSE", "HTTPServer", "NetworkTesting", "Sockets", "StructuredLogging", "TLS", "URLEncoding"], swiftSettings: strict),
        .testTarget(name: "CIBASimulatorTests", dependencies: ["CIBASimulator", "CIBA", "JOSE", "HTTPServer", "IdentityNumbers", "Sockets", "StructuredLogging", "TLS", "URLEncoding"], swiftSettings: strict),
        .testTarget(
            name: "AgentDeskTests",
            dependencies: ["PthreadLocks", "AgentDesk", "AGITesting", "BrowserTesting", "CallerAuth", "CIBA", "CIBASimulator", "HTTPServer", "IdentityNumbers", "JOSE", "Sockets", "StructuredLogging", "TLS",
                           "RESP", "RedisTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CallerAuthTests",
            dependencies: ["PthreadLocks", "CallerAuth", "AGI", "AMI", "AGITesting", "CIBA", "CIBASimulator", "IdentityNumbers", "ProcessSpawning", "Sockets", "HTTPServer", "JOSE", "NetworkTesting", "StructuredLogging", "TLS",
                           "RESP", "RedisTesting"],
            swiftSettings: strict
        ),
    ]
)
