import AAMCore
import AAMSecrets
@testable import AAMServer
import Foundation
import Synchronization
import Testing

/// MCP broker session ids that carry their own sealed state (`MCPSessions`, `MCPSessionSealer`),
/// with an injected clock: any replica with the same master key continues a session; a tampered,
/// foreign, expired, closed or other-key id is not found.
@Suite struct MCPSessionSealingTests {
    static let agent = "spiffe://prod/agent/analyst"

    /// A replica's session table on `key`, with the clock it reads.
    static func replica(_ key: MasterKey, clock: ManualClock, lifetime: TimeInterval = 3_600, closedCapacity: Int = 100) -> MCPSessions {
        MCPSessions(masterKey: { key }, clock: clock, lifetime: lifetime, closedCapacity: closedCapacity)
    }

    static func key() throws -> MasterKey { try MasterKey(base64: MasterKey.generateBase64()) }

    @Test func aSessionOpenedOnOneReplicaContinuesOnAnotherWithTheSameMasterKey() throws {
        let master = try Self.key()
        let clock = ManualClock()
        let a = Self.replica(master, clock: clock), b = Self.replica(master, clock: clock)
        let opened = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: "upstream-session-1"))
        let session = try #require(b.find(opened.id, spiffeId: Self.agent, server: "crm"))
        #expect(session.spiffeId == Self.agent && session.server == "crm")
        #expect(session.protocolVersion == "2025-11-25")
        #expect(session.upstreamSessionId == "upstream-session-1")
        #expect(!session.upstreamHeldLocally)
        #expect(session.issuedAt == clock.now() && session.expiresAt == clock.now().addingTimeInterval(3_600))
        #expect(session.nonce == opened.session.nonce && session.nonce.count == 24)
        // Short, URL-safe base64 without padding, and nothing of the state in clear.
        #expect(opened.id.count < 512)
        #expect(opened.id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "\(opened.id)")
        #expect(!opened.id.contains("upstream") && !opened.id.contains("crm"))
        // Two sessions of the same caller get different ids.
        #expect(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: "upstream-session-1")?.id != opened.id)
    }

    @Test func anIdIsUselessToAnotherIdentityServerOrMasterKey() throws {
        let master = try Self.key()
        let clock = ManualClock()
        let a = Self.replica(master, clock: clock)
        let id = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil)).id
        #expect(a.find(id, spiffeId: "spiffe://prod/agent/other", server: "crm") == nil, "another identity")
        #expect(a.find(id, spiffeId: Self.agent, server: "hr") == nil, "another server")
        // The binding is length-prefixed: moving bytes between identity and server does not match.
        #expect(a.find(id, spiffeId: Self.agent + "c", server: "rm") == nil)
        #expect(Self.replica(try Self.key(), clock: clock).find(id, spiffeId: Self.agent, server: "crm") == nil, "another master key")
        #expect(a.find(id, spiffeId: Self.agent, server: "crm") != nil)
    }

    @Test func everyTamperedByteAndMalformedIdIsRefused() throws {
        let a = Self.replica(try Self.key(), clock: ManualClock())
        let id = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: "up-1")).id
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(id)
        for index in characters.indices {
            let original = characters[index]
            // A different character whose 6 bits differ in the high bits (the last character's
            // low bits may be padding, so flip its top bit).
            let value = try #require(alphabet.firstIndex(of: original))
            characters[index] = alphabet[value ^ 0b100000]
            #expect(a.find(String(characters), spiffeId: Self.agent, server: "crm") == nil, "byte \(index) changed")
            characters[index] = original
        }
        for bad in ["", "bogus", id + "A", String(id.dropLast()), id.replacingOccurrences(of: "-", with: "+") + "=", id + "==", " " + id,
            String(repeating: "A", count: 600)]
        {
            #expect(a.find(bad, spiffeId: Self.agent, server: "crm") == nil, "\(bad.prefix(40))")
        }
    }

    @Test func anIdExpiresAtItsSealedLifetimeWhateverItsUse() throws {
        let master = try Self.key()
        let clock = ManualClock()
        let a = Self.replica(master, clock: clock, lifetime: 600)
        let id = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil)).id
        clock.advance(by: 599)
        #expect(a.find(id, spiffeId: Self.agent, server: "crm") != nil)
        // Another replica configured with a longer lifetime still honours the sealed expiry.
        let b = Self.replica(master, clock: clock, lifetime: 86_400)
        clock.advance(by: 1)
        #expect(a.find(id, spiffeId: Self.agent, server: "crm") == nil, "expired at issue + 600 s")
        #expect(b.find(id, spiffeId: Self.agent, server: "crm") == nil, "the expiry is in the id, not in the replica")
    }

    @Test func aClosedIdIsRefusedOnTheReplicaThatClosedItUntilItWouldHaveExpired() throws {
        let master = try Self.key()
        let clock = ManualClock()
        let a = Self.replica(master, clock: clock, closedCapacity: 2)
        let first = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil))
        a.close(try #require(a.find(first.id, spiffeId: Self.agent, server: "crm")))
        #expect(a.find(first.id, spiffeId: Self.agent, server: "crm") == nil)
        clock.advance(by: 3_599)
        #expect(a.find(first.id, spiffeId: Self.agent, server: "crm") == nil)
        #expect(a.closedCount == 1)
        // The documented gap: a replica that did not see the close still accepts the id (until
        // its expiry, or until the upstream session it names is gone).
        #expect(Self.replica(master, clock: clock).find(first.id, spiffeId: Self.agent, server: "crm") != nil)

        // The closed list is bounded: the least recently closed is forgotten first.
        let ids = try (0..<3).map { _ in try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil)) }
        for opened in ids {
            clock.advance(by: 0.001)
            a.close(opened.session)
        }
        #expect(a.closedCount == 2)
        #expect(a.find(ids[0].id, spiffeId: Self.agent, server: "crm") != nil, "evicted from the closed list")
        #expect(a.find(ids[1].id, spiffeId: Self.agent, server: "crm") == nil)
        #expect(a.find(ids[2].id, spiffeId: Self.agent, server: "crm") == nil)
    }

    @Test func idsIssuedBeforeAMasterKeyRotationStillOpenOnTheRotatedReplica() throws {
        let old = try Self.key(), new = try Self.key()
        let box = MasterBox(old)
        let clock = ManualClock()
        let a = MCPSessions(masterKey: { box.value }, clock: clock, lifetime: 3_600)
        let before = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil)).id
        box.set(new)
        let after = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil)).id
        #expect(a.find(before, spiffeId: Self.agent, server: "crm") != nil, "sealed under the previous key")
        #expect(a.find(after, spiffeId: Self.agent, server: "crm") != nil)
        #expect(Self.replica(old, clock: clock).find(after, spiffeId: Self.agent, server: "crm") == nil, "a replica still on the old key")
    }

    @Test func aLongUpstreamIdStaysOnTheReplicaAndTheIdStaysShort() throws {
        let master = try Self.key()
        let clock = ManualClock()
        let a = Self.replica(master, clock: clock), b = Self.replica(master, clock: clock)
        let longest = String(repeating: "u", count: MCPSessionState.maxSealedUpstreamID)
        let sealed = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: longest))
        #expect(sealed.id.count < 512, "\(sealed.id.count)")
        #expect(b.find(sealed.id, spiffeId: Self.agent, server: "crm")?.upstreamSessionId == longest)

        let jwt = String(repeating: "j", count: 900)
        let local = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: jwt))
        #expect(local.session.upstreamHeldLocally && local.session.upstreamSessionId == jwt, "the opening replica keeps it to seed its upstream session")
        #expect(local.id.count < 200)
        let elsewhere = try #require(b.find(local.id, spiffeId: Self.agent, server: "crm"))
        #expect(elsewhere.upstreamHeldLocally && elsewhere.upstreamSessionId == nil)

        // A negotiated version that is not a short token is not sealed as given.
        let odd = try #require(a.open(spiffeId: Self.agent, server: "crm", protocolVersion: String(repeating: "9", count: 40), upstreamSessionId: nil))
        #expect(b.find(odd.id, spiffeId: Self.agent, server: "crm")?.protocolVersion == MCPProtocol.sessionVersion)
        // A SPIFFE id of any length costs the id nothing (it is the binding, not the payload).
        let longAgent = "spiffe://prod/" + String(repeating: "a", count: 1_500)
        let bound = try #require(a.open(spiffeId: longAgent, server: "crm", protocolVersion: "2025-11-25", upstreamSessionId: nil))
        #expect(bound.id.count < 100 && b.find(bound.id, spiffeId: longAgent, server: "crm") != nil)
    }

    @Test func theSealerRefusesAnotherBindingAndAnotherFormat() throws {
        let sealer = MCPSessionSealer(master: try Self.key())
        let sealed = try #require(sealer.seal(Array("state".utf8), binding: [1, 2, 3]))
        let opened = try #require(sealer.open(sealed.token, binding: [1, 2, 3]))
        #expect(opened.plaintext == Array("state".utf8) && opened.nonce == sealed.nonce)
        #expect(sealer.open(sealed.token, binding: [1, 2]) == nil)
        // Too much state for the id's bound is refused, not truncated.
        #expect(sealer.seal([UInt8](repeating: 7, count: 400), binding: []) == nil)
    }
}

/// A master key a test swaps (as a live rewrap does).
final class MasterBox: Sendable {
    private let key: Mutex<MasterKey>
    init(_ initial: MasterKey) { key = Mutex(initial) }
    var value: MasterKey { key.withLock { $0 } }
    func set(_ new: MasterKey) { key.withLock { $0 = new } }
}
