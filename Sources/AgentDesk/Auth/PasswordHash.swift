import COpenSSL
import Foundation
import JOSE
import Synchronization

/// A salted, slow password hash: PBKDF2-HMAC-SHA256 through OpenSSL's `PKCS5_PBKDF2_HMAC`.
///
/// Text form (one field of an agents file line): `pbkdf2-sha256$ITERATIONS$SALT$HASH`, salt
/// and hash base64url without padding (16 and 32 bytes). Entries with fewer than
/// ``minimumIterations`` are refused when read, so a weakened file cannot slip in.
///
/// Deriving one hash takes a few hundred milliseconds of CPU on purpose: callers run it
/// off the cooperative pool (``PasswordHasher``), never on a socket loop.
public struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
    /// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
    public static let minimumIterations = 600_000
    static let scheme = "pbkdf2-sha256"
    static let saltLength = 16
    static let hashLength = 32

    public let iterations: Int
    let salt: [UInt8]
    let hash: [UInt8]

    /// A new hash of `password` with a fresh random salt.
    public static func make(password: String, iterations: Int = minimumIterations) throws -> PasswordHash {
        let salt = try SecureRandom.bytes(count: saltLength)
        return PasswordHash(iterations: iterations, salt: salt, hash: try derive(password, salt: salt, iterations: iterations))
    }

    /// Parses the text form; nil (never a partial value) for anything malformed or weaker
    /// than ``minimumIterations``.
    public init?(parsing text: String) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == Self.scheme,
              parts[1].count <= 9, let iterations = Int(parts[1]), iterations >= Self.minimumIterations, iterations <= 100_000_000,
              let salt = try? Base64URL.decode(parts[2]), salt.count >= Self.saltLength,
              let hash = try? Base64URL.decode(parts[3]), hash.count == Self.hashLength
        else { return nil }
        self.init(iterations: iterations, salt: salt, hash: hash)
    }

    init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// The text form for the agents file.
    public var encoded: String {
        "\(Self.scheme)$\(iterations)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
    }

    /// Never the hash itself (it would help an offline attack).
    public var description: String { "PasswordHash(\(Self.scheme), \(iterations) iterations)" }

    /// True when `password` derives to this hash; the comparison takes the same time
    /// wherever the first differing byte is. Slow by design (see the type's comment).
    public func verify(_ password: String) -> Bool {
        guard let candidate = try? Self.derive(password, salt: salt, iterations: iterations) else { return false }
        return ConstantTime.equal(candidate, hash)
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let secret = Array(password.utf8)
        var output = [UInt8](repeating: 0, count: hashLength)
        guard iterations > 0, iterations <= Int(Int32.max), secret.count <= Int(Int32.max) else {
            throw PasswordHashError("iteration count or password length out of range")
        }
        let rc = secret.withUnsafeBufferPointer { secretBytes in
            secretBytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(secret.count, 1)) { pass in
                PKCS5_PBKDF2_HMAC(pass, Int32(secret.count), salt, Int32(salt.count), Int32(iterations), EVP_sha256(),
                                  Int32(hashLength), &output)
            }
        }
        guard rc == 1 else { throw PasswordHashError("PKCS5_PBKDF2_HMAC failed") }
        return output
    }
}

/// OpenSSL refused to derive a hash (out of memory, a broken provider configuration).
public struct PasswordHashError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Runs password derivations on their own threads, so a login's few hundred milliseconds of
/// PBKDF2 never occupy a thread of Swift's cooperative pool (two threads on a 2-core box).
///
/// The queues must be *serial*: on Linux a concurrent queue runs its work on libdispatch's
/// default root queue, whose threads are the very ones the cooperative pool uses, so a
/// burst of logins there stalls every task of the process (seen: the whole test suite
/// starved). Serial queues get overcommit threads of their own. Two of them, used in turn,
/// bound the CPU a login flood can take (the desk rate-limits attempts besides).
enum PasswordHasher {
    private static let queues = [DispatchQueue(label: "ciba-agi.agent-desk.password.1"),
                                 DispatchQueue(label: "ciba-agi.agent-desk.password.2")]
    private static let turn = Atomic<Int>(0)

    private static var queue: DispatchQueue {
        queues[turn.wrappingAdd(1, ordering: .relaxed).oldValue & 1]
    }

    static func verify(_ password: String, against hash: PasswordHash) async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: hash.verify(password)) }
        }
    }

    static func make(password: String) async throws -> PasswordHash {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try PasswordHash.make(password: password) }) }
        }
    }
}
