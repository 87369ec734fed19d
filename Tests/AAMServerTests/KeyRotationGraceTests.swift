import AAMCore
import Foundation
import Testing

/// Rotation with a grace period, on a manual clock: the old secret works until the grace ends,
/// then is refused; the new one works throughout.
@Suite("Key rotation grace")
struct KeyRotationGraceTests {
    @Test func theOldSecretWorksDuringTheGraceAndFailsAfterIt() async throws {
        let clock = ManualClock(Date())
        let gateway = try await GatewayHarness.start(clock: clock)
        do {
            try await gateway.addProvider("sim", protocol: "simulated", extra: #""simulation":{"ttftMs":1,"tokensPerSecond":100000,"completionTokens":4,"errorRate":0}"#)
            try await gateway.addDeployment(alias: "chat", provider: "sim", model: "m")
            let (id, old) = try await gateway.issueKey()
            let rotated = try await gateway.adminOK(.POST, "/admin/keys/\(id)/rotate", json: #"{"gracePeriodSeconds":30}"#)
            let new = try #require(rotated["key"] as? String)
            #expect(new != old)
            let body = #"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#
            clock.advance(by: 29.999)
            #expect(try await gateway.call("/v1/chat/completions", key: old, json: body).status == 200)
            #expect(try await gateway.call("/v1/chat/completions", key: new, json: body).status == 200)
            clock.advance(by: 0.001)
            let refused = try await gateway.call("/v1/chat/completions", key: old, json: body)
            #expect(refused.status == 401)
            #expect(try refused.errorMessage().contains("rotated"))
            #expect(try await gateway.call("/v1/chat/completions", key: new, json: body).status == 200)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
