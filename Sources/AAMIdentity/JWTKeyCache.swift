import Foundation
import JWTKit
import Synchronization

/// The JWT-SVID verification keys of ONE bundle generation, each prepared (parsed into a
/// jwt-kit signing algorithm) at most once per `(kid, alg)` and then reused by every request.
///
/// A `TrustBundle` gets a new cache whenever it is parsed from changed bytes, so rotation and
/// revocation need no invalidation: the reloader swaps the whole `TrustBundleSet`, requests
/// that start afterwards see the new generation's cache, and the old one dies with the last
/// request still holding it.
///
/// Why not one shared `JWTKeyCollection`: it is an actor (every verification of a trust domain
/// would queue on it), and for a JWK without `alg` it remembers the first `alg` a token asked
/// for, so one hostile RS256 token could fix an RSA key to RS256 and fail later PS256 tokens.
/// Here the prepared algorithm is keyed by `(kid, alg)` and verification runs on the caller.
public final class JWTKeyCache: Sendable {
    /// One prepared key; a class so tests can see reuse by identity.
    public final class PreparedKey: Sendable {
        public let algorithm: any JWTAlgorithm
        init(_ algorithm: any JWTAlgorithm) { self.algorithm = algorithm }
    }

    struct Slot: Hashable {
        let kid: String
        let alg: String
    }

    private let keys: [String: JWK]
    private let prepared = Mutex<[Slot: PreparedKey]>([:])
    private let preparations = Atomic<Int>(0)

    init(_ keys: [String: JWK]) { self.keys = keys }

    /// How many keys this generation has prepared so far (tests prove reuse with it).
    public var preparedCount: Int { preparations.load(ordering: .relaxed) }

    /// The prepared algorithm for `kid` under `alg`, built on first use. The lock is never
    /// held across the await: two first requests may both prepare, the first stored wins.
    /// - Returns: nil when the bundle has no key `kid` or the key cannot serve `alg`.
    public func key(kid: String, alg: String) async -> PreparedKey? {
        let slot = Slot(kid: kid, alg: alg)
        if let ready = prepared.withLock({ $0[slot] }) { return ready }
        guard let jwk = keys[kid], let algorithm = await Self.prepare(jwk, kid: kid, alg: alg) else { return nil }
        preparations.add(1, ordering: .relaxed)
        let fresh = PreparedKey(algorithm)
        return prepared.withLock { stored in
            if let winner = stored[slot] { return winner }
            stored[slot] = fresh
            return fresh
        }
    }

    /// jwt-kit parses a JWK into an algorithm only through a key collection; a throwaway one
    /// per preparation keeps its per-key `alg` memory out of the way.
    static func prepare(_ jwk: JWK, kid: String, alg: String) async -> (any JWTAlgorithm)? {
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwk: jwk)
            let algorithm = try await collection.getKey(for: JWKIdentifier(string: kid), alg: alg)
            // A JWK that declares its own `alg` yields that algorithm whatever was asked.
            return algorithm.name == alg ? algorithm : nil
        } catch {
            return nil
        }
    }
}
